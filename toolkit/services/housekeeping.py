"""The every-minute jobs' writes (run by `toolkit_housekeeping`, never inside a request)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rcrp.accounts.audit import audit_event_record
from toolkit.models import Decision
from toolkit.services.rollup import rollup_add


def decisions_close_stale(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> dict[str, int]:
    """Close in-progress calls untouched for `older_than`.

    A call that reached its outcome is "outcome reached, not completed" (a deploy is never called
    abandoned: police may well be on their way); one without an outcome is abandoned. Returns the
    count of each.
    """
    now = now or timezone.now()
    counts = {Decision.Status.ABANDONED.value: 0, Decision.Status.UNCONFIRMED.value: 0}
    stale = Decision.all_calls.filter(
        status=Decision.Status.IN_PROGRESS, last_activity_at__lt=now - older_than
    )
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            decision = Decision.all_calls.select_for_update().get(pk=pk)
            if (
                decision.status != Decision.Status.IN_PROGRESS
                or decision.last_activity_at >= now - older_than
            ):
                continue
            status = Decision.Status.UNCONFIRMED if decision.has_outcome else Decision.Status.ABANDONED
            decision.status = status
            decision.completed_at = now
            decision.save(update_fields=["status", "completed_at"])
            rollup_add(decision)
            audit_event_record(
                actor=None,
                action=f"toolkit.decision.{status}",
                target=decision,
                data={"old": Decision.Status.IN_PROGRESS.value, "new": status.value},
            )
            counts[status.value] += 1
    return counts


def abandon_after() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "TOOLKIT_ABANDON_AFTER_MINUTES", 240))
