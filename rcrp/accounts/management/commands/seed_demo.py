"""Demo data for `make run`: one user per role (password rcrp-demo); later issues add their data."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from rcrp.accounts.models import User
from rcrp.accounts.roles import ADMINISTRATOR, DEMO_USERS

DEMO_PASSWORD = "rcrp-demo"  # noqa: S105 - documented demo password; refused when DEBUG is off

# Other apps register a function(stdout) here to add their demo data after the users exist.
EXTRA_SEEDERS: list[str] = [
    "policies.demo.seed",
    "training.demo.seed",
    "toolkit.demo.seed",
    "policies.demo.seed_latest",
    "toolkit.demo.seed_latest",
]


class Command(BaseCommand):
    help = "Create demo users for every role and the demo data of each app (idempotent; DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with a known password: it runs only with DEBUG=1.")
        with transaction.atomic():
            for login, (role, name) in DEMO_USERS.items():
                user, created = User.objects.get_or_create(
                    staff_number=login, defaults={"display_name": name}
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                user.display_name = name
                user.is_active = True
                user.is_staff = user.is_superuser = role == ADMINISTRATOR
                user.save()
                user.groups.set([Group.objects.get(name=role)])
        for dotted in EXTRA_SEEDERS:
            module_name, func_name = dotted.rsplit(".", 1)
            if importlib.util.find_spec(module_name) is None:
                continue  # that app has no demo data yet
            getattr(importlib.import_module(module_name), func_name)(stdout=self.stdout)
        self.stdout.write("Demo logins (password: rcrp-demo):")
        for login, (role, _name) in DEMO_USERS.items():
            self.stdout.write(f"  {login:<12} {role}")
