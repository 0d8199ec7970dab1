"""Create the role groups with their permissions, and make the audit table append-only on PostgreSQL."""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

from rcrp.accounts.db import append_only_trigger
from rcrp.accounts.roles import sync_roles


def create_roles(apps: Any, schema_editor: Any) -> None:
    # On a fresh database permissions exist only after post_migrate; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        append_only_trigger("accounts_auditevent"),
    ]
