"""Course, session, booking and attendance writes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from policies.models import PolicyVersion
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from training.models import (
    AuditAction,
    Booking,
    Completion,
    Course,
    PracticeSet,
    Site,
    StaffMember,
    TrainingSession,
)
from training.services.practice_requirement import practice_refusals, practice_requirement_check

Status = Booking.Status
# What a trainer may record on the attendance page (BOOKED: not marked yet).
MARKS = (Status.BOOKED, Status.COMPLETED, Status.ATTENDED, Status.NO_SHOW)
# What a course may cover: policy versions approved for, or already in, use.
COURSE_POLICY_STATUSES = (PolicyVersion.Status.APPROVED, PolicyVersion.Status.PUBLISHED)
MIN_DURATION, MAX_DURATION = 15, 600
MIN_PLACES, MAX_PLACES = 1, 200
MANAGE_TRAINING = "accounts.manage_training"


def _refuse_out_of_range(value: object, low: int, high: int, message: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError(message)


@transaction.atomic
def course_create(
    *,
    title: str,
    version: int,
    duration_minutes: int,
    policy_versions: Iterable[PolicyVersion] = (),
    make_current: bool = False,
    practice_set: PracticeSet | None = None,
    requires_practice: bool = False,
    actor: User,
) -> Course:
    """Add a course version (optionally making it the current one, which the gate checks), with
    the practice set that goes with it and whether a completion needs that set passed.

    Refused when the version number is taken, the length is not 15 to 600 minutes, a policy
    version it covers is not approved or published, or the practice requirement could not be met.
    """
    _refuse_out_of_range(
        duration_minutes, MIN_DURATION, MAX_DURATION, "Enter a length from 15 to 600 minutes"
    )
    if Course.objects.filter(version=version).exists():
        raise ValidationError(f"Version {version} already exists: enter a new version number")
    covered = list(policy_versions)
    if any(v.status not in COURSE_POLICY_STATUSES for v in covered):
        raise ValidationError("Choose policy versions that are approved or published")
    practice_requirement_check(practice_set=practice_set, requires_practice=requires_practice)
    course = Course(
        title=title,
        version=version,
        duration_minutes=duration_minutes,
        practice_set=practice_set,
        requires_practice=requires_practice,
    )
    course.full_clean()
    course.save()
    course.policy_versions.set(covered)
    audit_event_record(
        actor=actor,
        action=AuditAction.COURSE_CREATED,
        target=course,
        data={
            "new": {
                "title": title,
                "version": version,
                "duration_minutes": duration_minutes,
                "policy_versions": sorted(v.pk for v in course.policy_versions.all()),
                "practice_set": practice_set.pk if practice_set else None,
                "requires_practice": requires_practice,
            }
        },
    )
    if make_current:
        course = course_make_current(course=course, actor=actor)
    return course


@transaction.atomic
def course_make_current(*, course: Course, actor: User) -> Course:
    """Make this version the one staff must complete: from now on only its completions count."""
    courses = list(Course.objects.select_for_update().order_by("pk"))  # serialises the switch
    course = next(c for c in courses if c.pk == course.pk)
    previous = next((c for c in courses if c.is_current), None)
    if previous == course:
        return course
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    course.is_current = True
    course.save(update_fields=["is_current"])
    audit_event_record(
        actor=actor,
        action=AuditAction.COURSE_MADE_CURRENT,
        target=course,
        data={"old": previous and previous.version, "new": course.version},
    )
    return course


@transaction.atomic
def session_create(
    *,
    course: Course,
    site: Site,
    starts_at: datetime,
    trainer: User,
    capacity: int,
    room: str = "",
    actor: User,
) -> TrainingSession:
    """Schedule a session of a course at a site, run by someone whose role lets them train."""
    if not (trainer.is_active and trainer.has_perm(MANAGE_TRAINING)):
        raise ValidationError(f"Choose a trainer: {trainer.display_name} cannot run training sessions")
    _refuse_out_of_range(capacity, MIN_PLACES, MAX_PLACES, "Enter a number of places from 1 to 200")
    session = TrainingSession(
        course=course, site=site, starts_at=starts_at, trainer=trainer, capacity=capacity, room=room
    )
    session.full_clean()
    session.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.SESSION_CREATED,
        target=session,
        data={
            "new": {
                "course": course.version,
                "site": site.slug,
                "starts_at": starts_at,
                "trainer": trainer.staff_number,
                "capacity": capacity,
            }
        },
    )
    return session


def _places_taken(session: TrainingSession) -> int:
    return session.bookings.exclude(status=Status.CANCELLED).count()


def _book(*, session: TrainingSession, staff: StaffMember, actor: User) -> Booking:
    """Book one person on a session whose row the caller has locked."""
    if not staff.active:
        raise ValidationError(f"{staff} has left (is inactive) and cannot be booked.")
    if Completion.objects.filter(staff=staff, course_id=session.course_id).exists():
        raise ValidationError(f"{staff} has already completed this course.")
    open_booking = (
        Booking.objects.filter(staff=staff, status=Status.BOOKED).select_related("session__site").first()
    )
    if open_booking is not None:
        if open_booking.session_id == session.pk:
            raise ValidationError(f"{staff} is already booked on this session.")
        raise ValidationError(
            f"{staff} is already booked on {open_booking.session}. Cancel that booking first."
        )
    if _places_taken(session) >= session.capacity:
        raise ValidationError(f"This session is full ({session.capacity} places).")
    booking = Booking.objects.filter(session=session, staff=staff).first()
    if booking is not None and booking.status != Status.CANCELLED:
        raise ValidationError(
            f"{staff} already has a place on this session ({booking.get_status_display()})."
        )
    old = booking.status if booking else None
    if booking is None:
        booking = Booking(session=session, staff=staff, created_by=actor)
    booking.status = Status.BOOKED
    booking._history_user = actor  # type: ignore[attr-defined]
    booking.save()
    audit_event_record(
        actor=actor,
        action=AuditAction.BOOKING_CREATED,
        target=booking,
        subject_user=staff.user,
        data={"old": old, "new": {"session": session.pk, "staff": staff.staff_number}},
    )
    return booking


@transaction.atomic
def booking_create(*, session: TrainingSession, staff: StaffMember, actor: User) -> Booking:
    """Book a staff member on a session, never beyond its capacity.

    Locks the session row so two trainers booking the last place at once cannot both succeed.
    Raises ValidationError when the session is full, the person has left, has completed the
    course, or is already booked on a session.
    """
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    return _book(session=session, staff=staff, actor=actor)


@transaction.atomic
def booking_create_many(
    *, session: TrainingSession, staff_numbers: Iterable[str], actor: User
) -> tuple[list[Booking], list[str]]:
    """Book several staff by staff number; returns the bookings and a problem for each refusal.

    All or nothing: if any number cannot be booked, nobody is booked.
    """
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    numbers = [n.strip() for n in staff_numbers if n.strip()]
    found = {s.staff_number: s for s in StaffMember.objects.filter(staff_number__in=numbers)}
    problems: list[str] = []
    bookings: list[Booking] = []
    for number in dict.fromkeys(numbers):
        staff = found.get(number)
        if staff is None:
            problems.append(f"{number} is not on the roster.")
            continue
        try:
            with transaction.atomic():
                bookings.append(_book(session=session, staff=staff, actor=actor))
        except ValidationError as error:
            problems.extend(error.messages)
    if problems:
        transaction.set_rollback(True)
        return [], problems
    return bookings, []


@transaction.atomic
def session_fill(*, session: TrainingSession, actor: User, team: str = "") -> list[Booking]:
    """Fill a session's free places with active, untrained, unbooked staff from its site (and
    team, if given: one of the site's teams), in team and name order. Returns the new bookings."""
    session = (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("course", "site")
        .get(pk=session.pk)
    )
    team = team.strip()
    if team and not StaffMember.objects.filter(site_id=session.site_id, team=team).exists():
        raise ValidationError(f"Choose a team at {session.site}: there is no team called {team} there")
    free = session.capacity - _places_taken(session)
    if free <= 0:
        return []
    candidates = (
        StaffMember.objects.filter(site_id=session.site_id, active=True)
        .exclude(Exists(Completion.objects.filter(staff=OuterRef("pk"), course_id=session.course_id)))
        .exclude(Exists(Booking.objects.filter(staff=OuterRef("pk"), status=Status.BOOKED)))
        .exclude(Exists(Booking.objects.filter(staff=OuterRef("pk"), session=session)))
        .select_related("user")
        .order_by("team", "full_name", "pk")
    )
    if team:
        candidates = candidates.filter(team=team)
    return [_book(session=session, staff=staff, actor=actor) for staff in candidates[:free]]


@transaction.atomic
def booking_cancel(*, booking: Booking, actor: User) -> Booking:
    """Cancel an open booking: the place is freed for someone else."""
    booking = Booking.objects.select_for_update(of=("self",)).select_related("staff__user").get(pk=booking.pk)
    if booking.status != Status.BOOKED:
        raise ValidationError("Only an open booking can be cancelled.")
    booking.status = Status.CANCELLED
    booking._history_user = actor  # type: ignore[attr-defined]
    booking.save(update_fields=["status", "updated_at"])
    audit_event_record(
        actor=actor,
        action=AuditAction.BOOKING_CANCELLED,
        target=booking,
        subject_user=booking.staff.user,
        data={"old": Status.BOOKED, "new": Status.CANCELLED},
    )
    return booking


@transaction.atomic
def booking_rebook(
    *, booking: Booking, session: TrainingSession, actor: User, now: datetime | None = None
) -> Booking:
    """Book the person from `booking` (a no-show, a cancellation or an open booking, which is
    cancelled) on another upcoming session of the same course. The old booking keeps what happened."""
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("staff", "session").get(pk=booking.pk)
    )
    if booking.session_id == session.pk:
        raise ValidationError("Choose a different session.")
    if booking.status in {Status.COMPLETED, Status.ATTENDED}:
        raise ValidationError("This person attended; rebook only no-shows and cancellations.")
    target = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if target.course_id != booking.session.course_id:
        raise ValidationError("Choose a session of the same course.")
    if target.starts_at < (now or timezone.now()):
        raise ValidationError("Choose a session that has not started yet.")
    if booking.status == Status.BOOKED:
        booking_cancel(booking=booking, actor=actor)
    return _book(session=target, staff=booking.staff, actor=actor)


@transaction.atomic
def session_attendance_record(
    *, session: TrainingSession, marks: Mapping[int, str], actor: User, now: datetime | None = None
) -> int:
    """Record attendance and completion for a whole session: `marks` maps booking id to a status
    in MARKS. Returns how many bookings changed.

    COMPLETED creates the Completion (date, session, trainer); a correction away from COMPLETED
    withdraws it (deleted; its history remains). Refused before the session's day, for bookings
    of another session, for someone who completed the course at another session, and, when the
    course requires its practice set passed, for anyone who has not passed it: then nothing is
    saved, and the error has one message per person (its `params["booking"]` names the booking).
    """
    session = (
        TrainingSession.objects.select_for_update(of=("self",)).select_related("course").get(pk=session.pk)
    )
    now = now or timezone.now()
    if timezone.localdate(session.starts_at) > timezone.localdate(now):
        raise ValidationError("Attendance can be recorded from the day of the session.")
    bookings = {
        b.pk: b
        for b in session.bookings.select_for_update(of=("self",))
        .exclude(status=Status.CANCELLED)
        .select_related("staff__user")
    }
    unknown = set(marks) - set(bookings)
    if unknown:
        raise ValidationError("Some of those people are not booked on this session.")
    if any(mark not in MARKS for mark in marks.values()):
        raise ValidationError("Choose completed, attended or did not attend.")
    completed_on = timezone.localdate(session.starts_at)
    elsewhere = set(
        Completion.objects.filter(
            course_id=session.course_id, staff_id__in=[b.staff_id for b in bookings.values()]
        )
        .filter(Q(session__isnull=True) | ~Q(session=session))
        .values_list("staff_id", flat=True)
    )
    completing = [
        bookings[pk] for pk, mark in marks.items() if mark == Status.COMPLETED and bookings[pk].status != mark
    ]
    refusals = practice_refusals(course=session.course, staff=[b.staff for b in completing])
    if refusals:
        raise ValidationError(
            [
                ValidationError(
                    refusals[b.staff_id].replace("%", "%%"), code="practice", params={"booking": b.pk}
                )
                for b in completing
                if b.staff_id in refusals
            ]
        )
    changed = 0
    for pk, mark in marks.items():
        booking = bookings[pk]
        if booking.status == mark:
            continue
        if mark == Status.COMPLETED and booking.staff_id in elsewhere:
            raise ValidationError(f"{booking.staff} has already completed this course at another session.")
        old = booking.status
        booking.status = mark
        booking._history_user = actor  # type: ignore[attr-defined]
        booking.save(update_fields=["status", "updated_at"])
        changed += 1
        audit_event_record(
            actor=actor,
            action=AuditAction.ATTENDANCE_RECORDED,
            target=booking,
            subject_user=booking.staff.user,
            data={"old": old, "new": mark},
        )
        if mark == Status.COMPLETED:
            completion = Completion(
                staff=booking.staff,
                course=session.course,
                session=session,
                trainer_id=session.trainer_id,
                completed_on=completed_on,
                route=Completion.Route.SESSION,
                recorded_by=actor,
                recorded_at=now,
            )
            completion._history_user = actor  # type: ignore[attr-defined]
            completion.save()
            audit_event_record(
                actor=actor,
                action=AuditAction.RECORD_COMPLETED,
                target=completion,
                subject_user=booking.staff.user,
                data={"old": None, "new": {"course": session.course.version, "completed_on": completed_on}},
            )
        elif old == Status.COMPLETED:
            completion = Completion.objects.get(staff=booking.staff, course=session.course, session=session)
            completion._history_user = actor  # type: ignore[attr-defined]
            audit_event_record(
                actor=actor,
                action=AuditAction.RECORD_WITHDRAWN,
                target=completion,
                subject_user=booking.staff.user,
                data={
                    "old": {"course": session.course.version, "completed_on": completion.completed_on},
                    "new": None,
                },
            )
            completion.delete()
    return changed
