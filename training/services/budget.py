"""The post-go-live support budget: an administrator enters the figures the plan is costed at."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from training.models import AuditAction, SupportBudget

MANAGE_SERVICE = "accounts.manage_service"
PENNY, TENTH = Decimal("0.01"), Decimal("0.1")
FIELDS = ("total", "day_rate", "consultant_day_rate", "consultant_days_per_week", "plan_ends_on", "note")


def _figures(budget: SupportBudget | None) -> dict[str, object] | None:
    if budget is None:
        return None
    return {name: str(getattr(budget, name)) if name != "note" else budget.note for name in FIELDS}


@transaction.atomic
def support_budget_set(
    *,
    total: Decimal,
    day_rate: Decimal,
    consultant_day_rate: Decimal,
    consultant_days_per_week: Decimal,
    plan_ends_on: date,
    note: str = "",
    actor: User,
) -> SupportBudget:
    """Enter the support budget's figures: a new SupportBudget row (the newest applies; the earlier
    ones stay as its history), audited with the figures it replaces.

    Refused for anyone without accounts.manage_service, and for figures out of range: a budget and
    a day rate of at least £1, a consultant day rate of £0 or more, and 0 to 7 consultant days a
    week (a tenth of a day at most).
    """
    if not actor.has_perm(MANAGE_SERVICE):
        raise PermissionDenied("Only administrators enter the support budget.")
    if total < 1:
        raise ValidationError("Enter a budget of at least £1")
    if day_rate < 1:
        raise ValidationError("Enter a floor walker's day rate of at least £1")
    if consultant_day_rate < 0:
        raise ValidationError("Enter the senior consultant's day rate: £0 or more")
    if not 0 <= consultant_days_per_week <= 7:
        raise ValidationError("Enter the senior consultant's days a week: from 0 to 7")
    # Lock the newest entry so two administrators saving at once each see what they replace.
    previous = SupportBudget.objects.select_for_update().order_by("-entered_at", "-pk").first()
    budget = SupportBudget(
        total=Decimal(total).quantize(PENNY),
        day_rate=Decimal(day_rate).quantize(PENNY),
        consultant_day_rate=Decimal(consultant_day_rate).quantize(PENNY),
        consultant_days_per_week=Decimal(consultant_days_per_week).quantize(TENTH),
        plan_ends_on=plan_ends_on,
        note=note.strip(),
        entered_by=actor,
    )
    try:
        budget.full_clean()
    except ValidationError as error:
        raise ValidationError(error.messages[0]) from None
    budget.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.SUPPORT_BUDGET_ENTERED,
        target=budget,
        data={"old": _figures(previous), "new": _figures(budget)},
    )
    return budget
