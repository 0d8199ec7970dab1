"""The three MetCC sites (reference data)."""

from typing import Any

from django.db import migrations

SITES = [("lambeth", "Lambeth"), ("hendon", "Hendon"), ("bow", "Bow")]


def create_sites(apps: Any, schema_editor: Any) -> None:
    Site = apps.get_model("training", "Site")
    for slug, name in SITES:
        Site.objects.update_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(create_sites, migrations.RunPython.noop)]
