"""Reference data that every database needs (elements, sites), kept present after every migrate.

Data migrations create it; but `flush` (run between transactional tests, or by hand) empties
every table and then sends post_migrate. Each app registers its rows here so they are created
again when missing. Existing rows are never changed: an administrator's edits stand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def ensure_rows(apps: Any, model: str, key: str, rows: Iterable[dict[str, Any]]) -> None:
    """Create each row of `model` ("app_label.Model") whose `key` field value is missing."""
    Model = apps.get_model(*model.split("."))
    have = set(Model.objects.values_list(key, flat=True))
    Model.objects.bulk_create([Model(**row) for row in rows if row[key] not in have])


def connect(app_config: Any, model: str, key: str, rows: list[dict[str, Any]]) -> None:
    """After every migrate or flush of `app_config`'s app, create any missing reference rows."""
    from django.apps import apps as global_apps
    from django.db.models.signals import post_migrate

    def receiver(sender: Any, apps: Any = None, **kwargs: Any) -> None:
        ensure_rows(apps or global_apps, model, key, rows)

    post_migrate.connect(receiver, sender=app_config, weak=False, dispatch_uid=f"reference:{model}")
