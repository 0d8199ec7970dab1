from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from rcrp.accounts.roles import ROLES


@pytest.mark.django_db
def test_the_data_migration_creates_every_role_with_its_permissions() -> None:
    for role, perms in ROLES.items():
        group = Group.objects.get(name=role)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        # A permission of an app that does not exist yet is skipped until it does.
        assert {p for p in perms if p.startswith("accounts.")} <= have, role


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fixture", "allowed", "refused"),
    [
        ("call_handler", {"take_calls"}, {"supervise_calls", "manage_policies", "manage_training"}),
        ("supervisor", {"take_calls", "supervise_calls", "support_floor"}, {"manage_policies"}),
        ("floor_walker", {"support_floor"}, {"take_calls", "supervise_calls"}),
        ("trainer", {"manage_training"}, {"take_calls", "manage_policies"}),
        ("policy_owner", {"manage_policies"}, {"take_calls", "manage_training"}),
        ("auditor", {"audit_decisions"}, {"take_calls", "supervise_calls", "manage_policies"}),
        ("outsider", set(), {"take_calls", "audit_decisions", "support_floor"}),
    ],
)
def test_each_role_has_exactly_its_areas(
    request: pytest.FixtureRequest, fixture: str, allowed: set[str], refused: set[str]
) -> None:
    user: Any = request.getfixturevalue(fixture)
    for perm in allowed:
        assert user.has_perm(f"accounts.{perm}"), perm
    for perm in refused:
        assert not user.has_perm(f"accounts.{perm}"), perm


@pytest.mark.django_db
def test_user_is_known_by_staff_number_and_display_name(call_handler: Any) -> None:
    assert str(call_handler) == "Hana Handler (h1001)"
    assert call_handler.get_full_name() == "Hana Handler"
    assert call_handler.role_names == ["Call handler"]
