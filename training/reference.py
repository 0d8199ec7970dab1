"""The three MetCC sites: reference data, created by migration 0002 and kept present."""

from __future__ import annotations

from typing import Any

SITES: list[dict[str, Any]] = [
    {"slug": "lambeth", "name": "Lambeth"},
    {"slug": "hendon", "name": "Hendon"},
    {"slug": "bow", "name": "Bow"},
]


def ensure_sites_after_migrate(sender: Any, apps: Any = None, **kwargs: Any) -> None:
    """post_migrate receiver: create any missing site, live from now, as migrations 0002 and 0005
    leave a new database (after a `flush`, for example). Existing sites are never changed."""
    from django.apps import apps as global_apps
    from django.utils import timezone

    from rcrp.accounts.reference import ensure_rows

    apps = apps or global_apps
    fields = {f.name for f in apps.get_model("training", "Site")._meta.get_fields()}
    extra = {"live_from": timezone.now()} if "live_from" in fields else {}  # not before migration 0005
    ensure_rows(apps, "training.Site", "slug", [{**row, **extra} for row in SITES])
