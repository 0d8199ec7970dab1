"""Database-level guards shared by the apps' migrations."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def append_only_trigger(
    table: str, *, frozen_when: str = "TRUE", allow_update_when: str = "FALSE"
) -> migrations.RunPython:
    """A migration operation that, on PostgreSQL, refuses UPDATE and DELETE on `table`'s rows.

    `frozen_when` is an SQL condition on OLD: only rows for which it holds are protected (for
    example "OLD.status IN ('published', 'retired')"); such rows are never deleted, and updated
    only where `allow_update_when` (on OLD and NEW) holds, e.g. the one permitted status change.
    On SQLite it does nothing: the model layer (AppendOnlyModel and the apps' save() guards) is
    the only guard there.
    """
    function = f"{table}_append_only"

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
              IF ({frozen_when}) AND (TG_OP = 'DELETE' OR NOT ({allow_update_when})) THEN
                RAISE EXCEPTION '% on {table} refused: the record is append-only', TG_OP
                  USING ERRCODE = 'integrity_constraint_violation';
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS {function} ON {table};
            CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table}
              FOR EACH ROW EXECUTE FUNCTION {function}();
            """,
            params=None,  # the SQL has a literal % for RAISE; no placeholder parsing
        )

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"
        )

    return migrations.RunPython(forwards, backwards, elidable=False)
