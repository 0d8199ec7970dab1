"""Completions recorded by a trainer outside a session: trained elsewhere, or by another route."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from training.models import AuditAction, Booking, Completion, Course, StaffMember
from training.services.practice_requirement import practice_refusals
from training.services.sessions import booking_cancel

OUTSIDE_SESSION = (Completion.Route.ELSEWHERE, Completion.Route.OTHER)
EVIDENCE_MAX = 500


@transaction.atomic
def completion_record_outside_session(
    *,
    staff: StaffMember,
    course: Course,
    completed_on: date,
    route: str,
    evidence_note: str,
    actor: User,
    now: datetime | None = None,
) -> Completion:
    """Record that a staff member completed a course without one of our sessions: trained
    elsewhere, or by another route, with a note of the evidence. Who recorded it and when are kept
    on the completion (and in its history). An open booking on a session of the course is
    cancelled, freeing the place.

    Refused for a leaver, a route that is not one of those, an empty evidence note, a date in the
    future, someone who has already completed the course, and, when the course requires its
    practice set passed, someone who has not passed it.
    """
    now = now or timezone.now()
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)  # one completion at a time per person
    if not staff.active:
        raise ValidationError(f"{staff.full_name} has left: reactivate their roster entry first")
    if route not in OUTSIDE_SESSION:
        raise ValidationError("Choose how they completed the course")
    evidence_note = evidence_note.strip()
    if not evidence_note:
        raise ValidationError("Say what shows they completed the course, for example a certificate")
    if len(evidence_note) > EVIDENCE_MAX:
        raise ValidationError(f"Write the evidence in {EVIDENCE_MAX} characters or fewer")
    if completed_on > timezone.localdate(now):
        raise ValidationError("The date they completed the course must be today or in the past")
    done = Completion.objects.filter(staff=staff, course=course).first()
    if done is not None:
        raise ValidationError(
            f"{staff.full_name} has already completed the {course} (on {done.completed_on:%d %B %Y})"
        )
    refusal = practice_refusals(course=course, staff=[staff]).get(staff.pk)
    if refusal:
        raise ValidationError(refusal)
    for booking in Booking.objects.filter(staff=staff, status=Booking.Status.BOOKED, session__course=course):
        booking_cancel(booking=booking, actor=actor)
    completion = Completion(
        staff=staff,
        course=course,
        session=None,
        trainer=None,
        completed_on=completed_on,
        route=route,
        evidence_note=evidence_note,
        recorded_by=actor,
        recorded_at=now,
    )
    completion._history_user = actor  # type: ignore[attr-defined]
    completion.full_clean(exclude=["trainer"])  # nobody of ours trained them
    completion.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.RECORD_COMPLETED_OUTSIDE_SESSION,
        target=completion,
        subject_user=staff.user,
        data={
            "old": None,
            "new": {
                "course": course.version,
                "completed_on": completed_on,
                "route": route,
                "evidence_note": evidence_note,
            },
        },
    )
    return completion
