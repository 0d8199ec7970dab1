# Paper records (a decision made on paper while the service was down, entered afterwards), the
# retention mark, and the append-only triggers taught the one exception: the retention command.
#
# On PostgreSQL every append-only trigger of the decision log (0002, 0003, 0006, 0008) is replaced
# by the same guard plus one condition: the change is allowed only inside a transaction that ran
# `SET LOCAL rcrp.retention = 'on'`, which only toolkit/services/retention.py does (it writes one
# audit event per run). Even then the answers, notes, escalations, handovers, reviews, review items
# and access rows may only be deleted, never updated; only the decision row itself may be updated
# (anonymised) or deleted. The audit table's trigger is not touched. See docs/retention.md.

from django.db import migrations, models

# table -> (frozen_when, allow_update_when) exactly as the earlier migrations declared them
GUARDS = {
    "toolkit_decision": ("OLD.status <> 'in_progress'", "FALSE"),
    "toolkit_decisionanswer": ("TRUE", "FALSE"),
    "toolkit_decisionnote": ("TRUE", "FALSE"),
    "toolkit_escalation": ("OLD.answered_at IS NOT NULL", "FALSE"),
    "toolkit_handoverrecord": ("TRUE", "FALSE"),
    "toolkit_decisionaccess": ("TRUE", "FALSE"),
    "toolkit_review": ("TRUE", "FALSE"),
    "toolkit_reviewitem": ("TRUE", "FALSE"),
}
RETENTION_ON = "coalesce(current_setting('rcrp.retention', true), '') = 'on'"


def _function(table: str, *, retention: bool) -> str:
    frozen_when, allow_update_when = GUARDS[table]
    allowed = "FALSE"
    if retention:
        ops = "TRUE" if table == "toolkit_decision" else "TG_OP = 'DELETE'"
        allowed = f"({RETENTION_ON} AND {ops})"
    return f"""
        CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
        BEGIN
          IF ({frozen_when}) AND (TG_OP = 'DELETE' OR NOT ({allow_update_when})) AND NOT {allowed} THEN
            RAISE EXCEPTION '% on {table} refused: the record is append-only', TG_OP
              USING ERRCODE = 'integrity_constraint_violation';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
    """


def _replace(retention: bool):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in GUARDS:
            schema_editor.execute(_function(table, retention=retention), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("toolkit", "0012_review_standing"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="paper_made_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Entered from a paper record: when the decision was made on paper",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="decision",
            name="paper_reference",
            field=models.CharField(
                blank=True, db_default="", help_text="The paper form's reference", max_length=40
            ),
        ),
        migrations.AddField(
            model_name="decision",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When retention removed this decision's details (kept for its links)",
                null=True,
            ),
        ),
        migrations.RunPython(_replace(retention=True), _replace(retention=False), elidable=False),
    ]
