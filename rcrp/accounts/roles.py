"""Roles, declared once: role -> permissions ("app_label.codename").

Roles are Django Groups. The data migration 0002 creates them; because apps added later declare
new permissions, `sync_roles` also runs after every `migrate` (post_migrate) and makes each
group's permissions exactly what this table says. A permission named here that no app declares
yet is skipped until it exists.
"""

from __future__ import annotations

from typing import Any

CALL_HANDLER = "Call handler"
SUPERVISOR = "Supervisor"
FLOOR_WALKER = "Floor walker"
TRAINER = "Trainer"
POLICY_OWNER = "Policy owner"
AUDITOR = "Auditor"
ADMINISTRATOR = "Administrator"

ROLES: dict[str, tuple[str, ...]] = {
    CALL_HANDLER: ("accounts.take_calls",),
    SUPERVISOR: ("accounts.take_calls", "accounts.supervise_calls", "accounts.support_floor"),
    FLOOR_WALKER: ("accounts.support_floor",),
    TRAINER: ("accounts.manage_training",),
    POLICY_OWNER: ("accounts.manage_policies",),
    AUDITOR: ("accounts.audit_decisions",),
    ADMINISTRATOR: (
        "accounts.take_calls",
        "accounts.supervise_calls",
        "accounts.support_floor",
        "accounts.manage_training",
        "accounts.manage_policies",
        "accounts.audit_decisions",
        "accounts.manage_service",
        "accounts.view_user",
        "accounts.view_auditevent",
    ),
}

# Demo login names (seed_demo) and the role each has.
DEMO_USERS: dict[str, tuple[str, str]] = {
    "handler": (CALL_HANDLER, "Demo Call Handler"),
    "supervisor": (SUPERVISOR, "Demo Supervisor"),
    "floorwalker": (FLOOR_WALKER, "Demo Floor Walker"),
    "trainer": (TRAINER, "Demo Trainer"),
    "policy": (POLICY_OWNER, "Demo Policy Owner"),
    "policy2": (POLICY_OWNER, "Demo Second Policy Owner"),
    "auditor": (AUDITOR, "Demo Auditor"),
    "admin": (ADMINISTRATOR, "Demo Administrator"),
}


def sync_roles(apps: Any) -> None:
    """Create every role group and set its permissions to exactly those declared above."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender: Any, apps: Any = None, **kwargs: Any) -> None:
    """post_migrate receiver: runs once per migrate or flush, after the last app's permissions exist."""
    from django.apps import apps as global_apps

    with_models = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    if sender is not with_models[-1]:
        return
    sync_roles(apps or global_apps)  # `flush` (transactional tests) sends no `apps`
