"""Template context shared by every page: the navigation for the signed-in user's roles."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# (label, url name, permission): one place that says which role sees which part of the service.
# "a|b" means either permission.
# Later issues add their entries here; an entry whose URL does not exist yet is left out.
NAVIGATION: list[tuple[str, str, str]] = [
    ("Home", "home", ""),
    ("Calls", "toolkit:start", "accounts.take_calls"),
    ("Practice", "toolkit:practice", "accounts.take_calls|accounts.manage_training|accounts.manage_policies"),
    ("Escalations", "toolkit:escalations", "accounts.support_floor"),
    (
        "Decisions",
        "toolkit:decisions",
        "accounts.audit_decisions|accounts.supervise_calls|accounts.support_floor|accounts.take_calls",
    ),
    ("Reviews", "toolkit:reviews", "accounts.supervise_calls"),
    ("Register", "toolkit:register", "accounts.supervise_calls|accounts.audit_decisions"),
    ("Access log", "toolkit:access-log", "accounts.audit_decisions"),
    (
        "Dashboard",
        "toolkit:dashboard",
        "accounts.supervise_calls|accounts.audit_decisions|accounts.manage_service",
    ),
    ("Policy", "policies:library", ""),
    ("Training", "training:dashboard", "accounts.manage_training"),
    ("Floor support", "training:support", "accounts.support_floor"),
    ("Admin", "admin:index", "accounts.view_user"),
]


@functools.lru_cache(maxsize=256)
def _url(name: str, urlconf: str, prefix: str) -> str | None:
    """The menu entry's URL, reversed once per URL conf and script prefix (every page asks for the
    same thirteen; reversing them cost each page about half a millisecond)."""
    try:
        return reverse(name, urlconf=urlconf)
    except NoReverseMatch:
        return None


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, perm in NAVIGATION:
        if perm and not any(user.has_perm(p) for p in perm.split("|")):
            continue
        url = _url(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
        if url is None:
            continue
        items.append(
            {
                "label": label,
                "url": url,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return {"nav_items": items}
