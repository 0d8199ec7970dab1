"""The three MetCC sites (reference data)."""

from typing import Any

from django.db import migrations

from rcrp.accounts.reference import ensure_rows
from training.reference import SITES


def create_sites(apps: Any, schema_editor: Any) -> None:
    ensure_rows(apps, "training.Site", "slug", SITES)


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(create_sites, migrations.RunPython.noop)]
