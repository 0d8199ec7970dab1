"""Baseline writes: an administrator enters a month's deployments, or imports a CSV file of them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from policies.models import Element
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from toolkit.baseline_csv import ParsedBaseline, parse_baseline
from toolkit.models import DeploymentBaseline


def _set(*, element_id: int, month: dt.date, deployments: int, source: str, actor: User) -> int | None:
    """Upsert one month; returns the figure it replaced (None for a new month)."""
    entry = DeploymentBaseline.objects.select_for_update().filter(element_id=element_id, month=month).first()
    if entry is None:
        DeploymentBaseline.objects.create(
            element_id=element_id, month=month, deployments=deployments, source=source, recorded_by=actor
        )
        return None
    old = entry.deployments
    entry.deployments, entry.source, entry.recorded_by = deployments, source, actor
    entry.recorded_at = timezone.now()
    entry.save(update_fields=["deployments", "source", "recorded_by", "recorded_at"])
    return old


@transaction.atomic
def baseline_set(*, element: Element, month: dt.date, deployments: int, actor: User) -> None:
    old = _set(
        element_id=element.pk,
        month=month.replace(day=1),
        deployments=deployments,
        source=DeploymentBaseline.Source.ENTERED,
        actor=actor,
    )
    audit_event_record(
        actor=actor,
        action="toolkit.baseline.set",
        target=element,
        data={"old": old, "new": {"month": f"{month:%Y-%m}", "deployments": deployments}},
    )


def element_lookup() -> dict[str, int]:
    """Each element's slug and title, in lower case, to its id (what a CSV row may name)."""
    lookup: dict[str, int] = {}
    for pk, slug, title in Element.objects.values_list("pk", "slug", "title"):
        lookup[slug.lower()] = pk
        lookup[title.strip().lower()] = pk
    return lookup


@transaction.atomic
def baseline_import(*, data: bytes, actor: User, today: dt.date, filename: str = "") -> ParsedBaseline:
    """Check the whole file; with any bad row nothing changes. Raises BaselineFileError when the
    file cannot be read at all."""
    parsed = parse_baseline(data, elements=element_lookup(), today=today)
    if parsed.problems:
        return parsed
    replaced = 0
    for row in parsed.rows:
        old = _set(
            element_id=row.element_id,
            month=row.month,
            deployments=row.deployments,
            source=DeploymentBaseline.Source.IMPORTED,
            actor=actor,
        )
        replaced += old is not None
    audit_event_record(
        actor=actor,
        action="toolkit.baseline.imported",
        data={"new": {"file": filename[:100], "rows": len(parsed.rows), "replaced": replaced}},
    )
    return parsed
