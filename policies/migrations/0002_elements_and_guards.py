"""The four RCRP elements (reference data) and the PostgreSQL guard on published versions."""

from typing import Any

from django.db import migrations

from policies.reference import ELEMENTS
from rcrp.accounts.db import append_only_trigger
from rcrp.accounts.reference import ensure_rows


def create_elements(apps: Any, schema_editor: Any) -> None:
    ensure_rows(apps, "policies.Element", "slug", ELEMENTS)


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [
        migrations.RunPython(create_elements, migrations.RunPython.noop),
        append_only_trigger(
            "policies_policyversion",
            frozen_when="OLD.status IN ('published', 'retired')",
            allow_update_when=(
                "OLD.status = 'published' AND NEW.status = 'retired'"
                " AND NEW.document = OLD.document AND NEW.content_hash = OLD.content_hash"
                " AND NEW.number = OLD.number AND NEW.element_id = OLD.element_id"
                " AND NEW.change_summary = OLD.change_summary"
            ),
        ),
    ]
