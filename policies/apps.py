from __future__ import annotations

from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies"

    def ready(self) -> None:
        from policies.reference import ELEMENTS
        from rcrp.accounts.reference import connect

        connect(self, "policies.Element", "slug", ELEMENTS)
