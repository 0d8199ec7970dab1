"""Authentication backend: permissions come only from roles (groups), read with the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import F

from rcrp.prepared import PreparedRead

ROLE = "_role"
PERM_APP = "_perm_app"
PERM_CODE = "_perm_code"


def _remember_roles(user: Any, rows: list[tuple[str | None, str | None, str | None]]) -> None:
    """Keep the role names and "app.codename" permissions on the user object for this request."""
    user._role_names = sorted({name for name, _, _ in rows if name})
    user._role_perm_cache = {f"{app}.{code}" for _, app, code in rows if code}


def _user_with_roles(*, pk: int) -> Any:
    """The user, one row per permission of their roles (the role and permission as annotations)."""
    return (
        get_user_model()
        ._default_manager.filter(pk=pk)
        .annotate(
            **{
                ROLE: F("groups__name"),
                PERM_APP: F("groups__permissions__content_type__app_label"),
                PERM_CODE: F("groups__permissions__codename"),
            }
        )
        .order_by()
    )


# Compiled once per connection (rcrp/prepared.py): this read runs on every signed-in request. (The
# module imports auth's models, so the app registry is ready and the user model known.)
_USER_READ = PreparedRead(get_user_model(), _user_with_roles, pk=get_user_model()._meta.pk)


class RoleBackend(ModelBackend):
    """ModelBackend, but a user's permissions are exactly their roles' permissions.

    Django's backend asks twice per request (the user's own permissions, then their groups');
    roles are the only way this service grants permissions (rcrp/accounts/roles.py). The session's
    user is read with their roles and permissions in the same query (`get_user`): one row per
    permission, joined from the user through their groups, so a request costs no query for its
    permission checks, and a role given or taken away counts from the very next request (nothing
    is kept between requests, in the session or anywhere else, that could go stale).
    """

    def get_user(self, user_id: Any) -> Any:
        rows = _USER_READ.fetch(pk=user_id)
        if not rows:
            return None
        user = rows[0]
        if not user.is_superuser:  # a superuser holds every permission: read on first check
            _remember_roles(
                user, [(getattr(r, ROLE), getattr(r, PERM_APP), getattr(r, PERM_CODE)) for r in rows]
            )
        return user if self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            if user_obj.is_superuser:
                names = Group.objects.filter(user=user_obj).values_list("name", flat=True)
                user_obj._role_names = sorted(names)
                user_obj._role_perm_cache = {
                    f"{a}.{c}"
                    for a, c in Permission.objects.values_list("content_type__app_label", "codename")
                }
            else:
                _remember_roles(
                    user_obj,
                    list(
                        Group.objects.filter(user=user_obj).values_list(
                            "name", "permissions__content_type__app_label", "permissions__codename"
                        )
                    ),
                )
        return set(user_obj._role_perm_cache)
