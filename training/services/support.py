"""Policy-change acknowledgements, the floor-walker rota and plan, and the support log."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from policies.models import PolicyVersion
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from training.models import (
    AuditAction,
    PolicyAcknowledgement,
    RotaAssignment,
    RotaPlanPeriod,
    Shift,
    Site,
    StaffMember,
    SupportLogEntry,
)
from training.rota import shift_at

MAX_WALKERS_PER_SHIFT = 20
# A toolkit decision's reference as the toolkit shows it (training never imports the toolkit).
DECISION_REFERENCE = re.compile(r"[A-Za-z0-9-]{4,64}")


@transaction.atomic
def acknowledgement_record(*, user: User, version: PolicyVersion) -> PolicyAcknowledgement:
    """Record that `user` read the change summary of a published version that requires
    acknowledgement. Idempotent: a second acknowledgement returns the first."""
    if not user.has_perm("accounts.take_calls"):
        raise PermissionDenied("Only call handlers acknowledge policy changes.")
    version = PolicyVersion.objects.select_related("element").get(pk=version.pk)
    if version.status != PolicyVersion.Status.PUBLISHED or not version.acknowledgement_required:
        raise ValidationError("This policy version does not need acknowledging.")
    existing = PolicyAcknowledgement.objects.filter(user=user, policy_version=version).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            ack = PolicyAcknowledgement.objects.create(user=user, policy_version=version)
    except IntegrityError:  # the same user acknowledging twice at once (a double click)
        return PolicyAcknowledgement.objects.get(user=user, policy_version=version)
    audit_event_record(
        actor=user,
        action=AuditAction.ACKNOWLEDGEMENT_RECORDED,
        target=ack,
        subject_user=user,
        data={"old": None, "new": {"policy_version": version.pk, "label": str(version)}},
    )
    return ack


@transaction.atomic
def rota_assign(*, day: date, site: Site, shift: str, floor_walker: User, actor: User) -> RotaAssignment:
    """Put a floor walker on a site's shift (early, late or night). One site per shift per person."""
    if shift not in Shift.values:
        raise ValidationError("Choose the early, late or night shift.")
    if not floor_walker.has_perm("accounts.support_floor"):
        raise ValidationError(f"{floor_walker} is not a floor walker.")
    clash = (
        RotaAssignment.objects.select_for_update(of=("self",))
        .filter(date=day, shift=shift, floor_walker=floor_walker)
        .select_related("site")
        .first()
    )
    if clash is not None:
        raise ValidationError(f"{floor_walker.display_name} is already on that shift at {clash.site}.")
    assignment = RotaAssignment(date=day, site=site, shift=shift, floor_walker=floor_walker, created_by=actor)
    assignment.full_clean()
    assignment.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.ROTA_ASSIGNED,
        target=assignment,
        subject_user=floor_walker,
        data={"old": None, "new": {"date": day, "site": site.slug, "shift": shift}},
    )
    return assignment


@transaction.atomic
def rota_remove(*, assignment: RotaAssignment, actor: User) -> None:
    """Take a floor walker off a shift."""
    assignment = (
        RotaAssignment.objects.select_for_update(of=("self",))
        .select_related("site", "floor_walker")
        .get(pk=assignment.pk)
    )
    audit_event_record(
        actor=actor,
        action=AuditAction.ROTA_REMOVED,
        target=assignment,
        subject_user=assignment.floor_walker,
        data={
            "old": {"date": assignment.date, "site": assignment.site.slug, "shift": assignment.shift},
            "new": None,
        },
    )
    assignment.delete()


@transaction.atomic
def rota_plan_set(*, starts_on: date, walkers_per_shift: int, note: str = "", actor: User) -> RotaPlanPeriod:
    """Add or change a period of the floor-walker plan (per site, per shift, from `starts_on`):
    0 to 20 floor walkers, where 0 ends floor-walker support."""
    if (
        not isinstance(walkers_per_shift, int)
        or isinstance(walkers_per_shift, bool)
        or not 0 <= walkers_per_shift <= MAX_WALKERS_PER_SHIFT
    ):
        raise ValidationError(f"Enter a number of floor walkers from 0 to {MAX_WALKERS_PER_SHIFT}")
    period = RotaPlanPeriod.objects.select_for_update().filter(starts_on=starts_on).first()
    old = None
    if period is None:
        period = RotaPlanPeriod(starts_on=starts_on)
    else:
        old = {"walkers_per_shift": period.walkers_per_shift, "note": period.note}
    period.walkers_per_shift = walkers_per_shift
    period.note = note
    period.full_clean(validate_unique=False)
    period.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.PLAN_CHANGED,
        target=period,
        data={
            "old": old,
            "new": {"starts_on": starts_on, "walkers_per_shift": walkers_per_shift, "note": note},
        },
    )
    return period


@transaction.atomic
def rota_plan_delete(*, period: RotaPlanPeriod, actor: User) -> None:
    """Remove a period from the plan (the one before it then runs on)."""
    period = RotaPlanPeriod.objects.select_for_update().get(pk=period.pk)
    audit_event_record(
        actor=actor,
        action=AuditAction.PLAN_CHANGED,
        target=period,
        data={
            "old": {"starts_on": period.starts_on, "walkers_per_shift": period.walkers_per_shift},
            "new": None,
        },
    )
    period.delete()


@transaction.atomic
def support_record(
    *,
    floor_walker: User,
    handler: StaffMember,
    topic: str,
    notes: str = "",
    decision_reference: str = "",
    occurred_at: datetime | None = None,
) -> SupportLogEntry:
    """Log support a floor walker gave a handler; site from the handler's roster entry, shift
    from the local time. `decision_reference` is the toolkit decision's reference, if any.

    Refused for a leaver, a topic that is not one of SupportLogEntry.Topic, or a decision
    reference that is not in the toolkit's form.
    """
    if not floor_walker.has_perm("accounts.support_floor"):
        raise PermissionDenied("Only floor walkers record support.")
    if not handler.active:
        raise ValidationError(f"{handler} has left: record support only for current staff")
    if topic not in SupportLogEntry.Topic.values:
        raise ValidationError("Select what the support was about")
    decision_reference = decision_reference.strip()
    if decision_reference and not DECISION_REFERENCE.fullmatch(decision_reference):
        raise ValidationError(
            "Enter the decision reference as the toolkit shows it: letters, numbers and dashes"
        )
    occurred_at = occurred_at or timezone.now()
    entry = SupportLogEntry(
        occurred_at=occurred_at,
        floor_walker=floor_walker,
        handler=handler,
        site_id=handler.site_id,
        shift=shift_at(timezone.localtime(occurred_at)),
        topic=topic,
        notes=notes.strip(),
        decision_reference=decision_reference,
    )
    entry.full_clean()
    entry.save()
    audit_event_record(
        actor=floor_walker,
        action=AuditAction.SUPPORT_RECORDED,
        target=entry,
        subject_user=handler.user,
        data={
            "old": None,
            "new": {"handler": handler.staff_number, "topic": topic, "decision": entry.decision_reference},
        },
    )
    return entry
