from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "rcrp.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and audit"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from rcrp.accounts.roles import sync_roles_after_migrate

        # Apps added later declare new permissions; attach them to the roles after every migrate.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="rcrp.accounts.sync_roles")
