"""Seed a fault-test database, a copy of the migrated template (tests/_processes.py), in a subprocess
on the production settings: a call handler who signs in with a password, and the real MPS v1
welfare flow published."""

from __future__ import annotations

import sys

import django


def main(staff_number: str, password: str) -> None:
    django.setup()
    from django.contrib.auth.models import Group

    from policies.selectors import flow_cache_clear
    from rcrp.accounts.models import User
    from tests.policies.factories import published_v1

    flow_cache_clear()
    # The flow's author and approver never sign in: no password hashes to compute.
    author, approver = (User.objects.create_user(f"faultp{n}", None) for n in (1, 2))
    published_v1("welfare", author=author, approver=approver, with_scenarios=False)
    user = User.objects.create_user(staff_number, password, display_name="Fault Handler")
    user.groups.add(Group.objects.get(name="Call handler"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
