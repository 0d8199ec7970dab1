"""s136: the 60-minute handover clock at the place of safety.

The clock belongs to the detention, not to the call page. It starts at the arrival time answered
on the call and stops only when a HandoverRecord is written (the handover to health, or the duty
inspector's decision), whether or not the call has been completed. `handover_overdue_sweep`
raises one escalation per detention past 60 minutes; it runs in `toolkit_housekeeping` only,
never inside a request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from toolkit.models import Decision, Escalation, HandoverRecord
from toolkit.selectors import HANDOVER_LIMIT, S136_CLOCK_WINDOW, may_act_on_decision
from toolkit.services.rollup import rollup_add_escalation

# How far back an HH:MM time may be read as "yesterday" (a time typed just after midnight).
ACROSS_MIDNIGHT = dt.timedelta(hours=6)
CLOCK_SKEW = dt.timedelta(minutes=2)

__all__ = ["HANDOVER_LIMIT", "handover_overdue_sweep", "handover_record", "time_today"]


def time_today(value: str, now: dt.datetime, *, what: str = "The time") -> dt.datetime:
    """An "HH:MM" time (local) as the latest moment not in the future.

    A time a little after now is refused as in the future, unless reading it as yesterday puts it
    within the last six hours (23:50 typed at 00:10). Raises ValidationError in GOV.UK words.
    """
    try:
        hour, minute = (int(part) for part in value.split(":"))
        local_now = timezone.localtime(now)
        moment = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    except (ValueError, TypeError):
        raise ValidationError(f"{what} must be a 24-hour time, like 14:30", code="time") from None
    if moment > local_now + CLOCK_SKEW:
        yesterday = moment - dt.timedelta(days=1)
        if local_now - yesterday > ACROSS_MIDNIGHT:
            raise ValidationError(f"{what} cannot be in the future", code="time_future")
        moment = yesterday
    return moment


@transaction.atomic
def handover_record(
    *,
    reference: Any,
    actor: User,
    kind: str,
    at: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> HandoverRecord:
    """Stop the s136 clock: the handover happened (or the duty inspector decided) at `at` (HH:MM).

    Only the call's handler or a supervisor may record it (PermissionDenied otherwise). The time
    may not be in the future or before the arrival; the clock is stopped once only.
    """
    now = now or timezone.now()
    decision = Decision.objects.select_for_update().filter(reference=reference).first()
    if decision is None or not may_act_on_decision(user=actor, decision=decision):
        raise PermissionDenied("Only the call handler or a supervisor can record the handover.")
    if decision.pos_arrival_at is None:
        raise ValidationError("This call has no arrival time at a place of safety.", code="no_clock")
    existing = HandoverRecord.objects.filter(decision=decision).first()
    if existing is not None:
        raise ValidationError(
            f"The handover was already recorded: {existing.get_kind_display()} at "
            f"{timezone.localtime(existing.occurred_at):%H:%M}.",
            code="recorded",
        )
    if kind not in HandoverRecord.Kind.values:
        raise ValidationError("Select what happened", code="kind")
    occurred = time_today(at.strip(), now, what="The time")
    if occurred < decision.pos_arrival_at:
        raise ValidationError(
            f"The time cannot be before the arrival at {timezone.localtime(decision.pos_arrival_at):%H:%M}",
            code="time_before_arrival",
        )
    record = HandoverRecord.objects.create(
        decision=decision,
        kind=kind,
        occurred_at=occurred,
        note=note.strip()[:500],
        recorded_by=actor,
        recorded_at=now,
    )
    audit_event_record(
        actor=actor,
        action="toolkit.decision.handover_recorded",
        target=decision,
        data={"new": {"kind": kind, "occurred_at": occurred, "minutes": record_minutes(record)}},
    )
    return record


def record_minutes(record: HandoverRecord) -> int:
    arrival = record.decision.pos_arrival_at
    assert arrival is not None
    return int((record.occurred_at - arrival).total_seconds() // 60)


def handover_overdue_sweep(*, now: dt.datetime | None = None) -> int:
    """Raise one escalation for every detention 60+ minutes past arrival with no handover recorded.

    Completed calls count too: the clock is the detention's. A handover recorded late needs no
    alert any more (its duration is in the record). Run by `toolkit_housekeeping`.
    """
    now = now or timezone.now()
    candidates = (
        Decision.objects.filter(
            pos_arrival_at__lte=now - HANDOVER_LIMIT,
            pos_arrival_at__gte=now - S136_CLOCK_WINDOW,
            handover__isnull=True,
        )
        .exclude(escalations__reason=Escalation.Reason.HANDOVER_OVERDUE)
        .only("pk", "site_id", "element_id")
    )
    raised = 0
    for decision in list(candidates):
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    decision=decision,
                    site_id=decision.site_id,
                    reason=Escalation.Reason.HANDOVER_OVERDUE,
                    note="Handover at the place of safety has passed 60 minutes since arrival.",
                    raised_at=now,
                )
                rollup_add_escalation(escalation)
                audit_event_record(actor=None, action="toolkit.decision.handover_overdue", target=decision)
        except IntegrityError:
            continue  # another worker raised it first
        raised += 1
    return raised
