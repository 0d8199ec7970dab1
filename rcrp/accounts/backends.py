"""Authentication backend: permissions come only from roles (groups), read in one query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission


class RoleBackend(ModelBackend):
    """ModelBackend, but a user's permissions are exactly their roles' permissions.

    Django's backend asks twice per request (the user's own permissions, then their groups');
    roles are the only way this service grants permissions (rcrp/accounts/roles.py), so one
    query reads the roles and their permissions together, and keeps the role names for the
    page header too.
    """

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            if user_obj.is_superuser:
                rows = [
                    (g, "", "") for g in Group.objects.filter(user=user_obj).values_list("name", flat=True)
                ]
                perms = {
                    f"{a}.{c}"
                    for a, c in Permission.objects.values_list("content_type__app_label", "codename")
                }
            else:
                rows = list(
                    Group.objects.filter(user=user_obj).values_list(
                        "name", "permissions__content_type__app_label", "permissions__codename"
                    )
                )
                perms = {f"{app}.{code}" for _, app, code in rows if code}
            user_obj._role_names = sorted({name for name, _, _ in rows})
            user_obj._role_perm_cache = perms
        return set(user_obj._role_perm_cache)
