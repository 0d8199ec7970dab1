"""Reads about courses, sessions, bookings and no-shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from rcrp.accounts.errors import NotFound
from rcrp.accounts.models import User
from training.models import Booking, Completion, Course, PracticeSet, StaffMember, TrainingSession
from training.selectors.practice import practice_progress_for_users

Status = Booking.Status
PLACE_TAKEN = ~Q(bookings__status=Status.CANCELLED)


def course_list() -> QuerySet[Course]:
    """Every course version, newest first, with how many completed it and the policy versions it covers."""
    return (
        Course.objects.select_related("practice_set")
        .annotate(completed=Count("completions"))
        .prefetch_related("policy_versions__element")
    )


def session_list(*, now: datetime, site: str = "", when: str = "upcoming") -> QuerySet[TrainingSession]:
    """Sessions with places taken and completions counted in the same query."""
    sessions = TrainingSession.objects.select_related("site", "trainer", "course").annotate(
        taken=Count("bookings", filter=PLACE_TAKEN),
        completed=Count("bookings", filter=Q(bookings__status=Status.COMPLETED)),
        unmarked=Count("bookings", filter=Q(bookings__status=Status.BOOKED)),
    )
    if site:
        sessions = sessions.filter(site__slug=site)
    if when == "past":
        return sessions.filter(starts_at__lt=now).order_by("-starts_at", "site__name")
    if when == "upcoming":
        return sessions.filter(starts_at__gte=now).order_by("starts_at", "site__name")
    return sessions.order_by("-starts_at", "site__name")


@dataclass(frozen=True)
class SessionDetail:
    """A session and its bookings. When the course has a practice set, each booking carries
    `practice_progress`: its person's SetProgress against the set, or None without an account."""

    session: TrainingSession
    bookings: list[Booking]
    taken: int
    practice_set: PracticeSet | None = None

    @property
    def free(self) -> int:
        return max(self.session.capacity - self.taken, 0)

    @property
    def open_bookings(self) -> list[Booking]:
        return [b for b in self.bookings if b.status != Status.CANCELLED]


def session_get_detail(*, pk: int) -> SessionDetail:
    """A session with every booking (cancelled ones last), and each person's practice progress
    when the course has a practice set (two more queries, whatever the number of people).
    NotFound if there is no such session."""
    session = (
        TrainingSession.objects.select_related("site", "trainer", "course__practice_set")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise NotFound("No such session")
    bookings = list(session.bookings.select_related("staff__site").order_by("staff__full_name", "pk"))
    bookings.sort(key=lambda b: b.status == Status.CANCELLED)  # stable: names stay in order
    taken = sum(1 for b in bookings if b.status != Status.CANCELLED)
    practice_set = session.course.practice_set
    if practice_set is not None:
        progress = practice_progress_for_users(
            practice_set=practice_set,
            users={b.staff.user_id for b in bookings if b.staff.user_id is not None},
        )
        for booking in bookings:
            booking.practice_progress = progress.get(booking.staff.user_id)  # type: ignore[attr-defined]
    return SessionDetail(session=session, bookings=bookings, taken=taken, practice_set=practice_set)


def session_list_with_free_places(
    *, course_id: int | None, now: datetime, prefer_site_id: int | None = None, exclude_pk: int | None = None
) -> list[TrainingSession]:
    """Upcoming sessions of a course with a free place (at most 60), the preferred site first."""
    if course_id is None:
        return []
    sessions = (
        TrainingSession.objects.filter(course_id=course_id, starts_at__gte=now)
        .exclude(pk=exclude_pk)
        .select_related("site", "trainer")
        .annotate(taken=Count("bookings", filter=PLACE_TAKEN))
        .filter(taken__lt=F("capacity"))
        .order_by("starts_at")[:60]
    )
    return sorted(sessions, key=lambda s: (s.site_id != prefer_site_id, s.starts_at))


def session_list_for_rebooking(*, booking: Booking, now: datetime) -> list[TrainingSession]:
    """Where a no-show (or a cancelled or open booking) can be rebooked: their own site first."""
    return session_list_with_free_places(
        course_id=booking.session.course_id,
        now=now,
        prefer_site_id=booking.staff.site_id,
        exclude_pk=booking.session_id,
    )


def session_list_for_staff(
    *, staff: StaffMember, course: Course | None, now: datetime
) -> list[TrainingSession]:
    """Sessions of the current course this person could be booked on: their own site first."""
    return session_list_with_free_places(
        course_id=course.pk if course else None, now=now, prefer_site_id=staff.site_id
    )


def booking_get(*, pk: int) -> Booking:
    """One booking with its person and session, or NotFound."""
    booking = (
        Booking.objects.select_related("staff__site", "session__site", "session__course", "session__trainer")
        .filter(pk=pk)
        .first()
    )
    if booking is None:
        raise NotFound("No such booking")
    return booking


def booking_list_no_shows_to_rebook(*, course: Course | None, limit: int = 50) -> list[Booking]:
    """The latest no-show of each person not yet trained and not booked again, oldest first."""
    if course is None:
        return []
    later = Booking.objects.filter(staff=OuterRef("staff"), created_at__gt=OuterRef("created_at")).exclude(
        status=Status.CANCELLED
    )
    return list(
        Booking.objects.filter(status=Status.NO_SHOW, session__course=course)
        .exclude(Exists(Completion.objects.filter(staff=OuterRef("staff"), course=course)))
        .exclude(Exists(Booking.objects.filter(staff=OuterRef("staff"), status=Status.BOOKED)))
        .exclude(Exists(later))
        .filter(staff__active=True)
        .select_related("staff__site", "session__site")
        .order_by("session__starts_at", "staff__full_name")[:limit]
    )


def trainer_choices() -> QuerySet[User]:
    """Active users who can run training (trainers and administrators)."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(
                groups__permissions__codename="manage_training",
                groups__permissions__content_type__app_label="accounts",
            )
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("display_name")
    )
