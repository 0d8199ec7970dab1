"""The four RCRP elements (reference data) and the PostgreSQL guard on published versions."""

from typing import Any

from django.db import migrations

from rcrp.accounts.db import append_only_trigger

ELEMENTS = [
    (
        "welfare",
        "Concern for welfare",
        1,
        "Someone is worried about a person's safety or health, including medical incidents.",
    ),
    (
        "awol",
        "Walkouts and AWOL",
        2,
        "A patient has left a health setting: walked out of A&E or a ward, or is absent from a mental health hospital.",
    ),
    (
        "s136",
        "Section 136 handover",
        3,
        "Officers are at a place of safety with a person detained under s136 and need health to take over.",
    ),
    (
        "transport",
        "Transport in a mental health crisis",
        4,
        "Police are asked to convey or escort a person in a mental health crisis.",
    ),
]


def create_elements(apps: Any, schema_editor: Any) -> None:
    Element = apps.get_model("policies", "Element")
    for slug, title, order, summary in ELEMENTS:
        Element.objects.update_or_create(
            slug=slug, defaults={"title": title, "order": order, "summary": summary}
        )


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
