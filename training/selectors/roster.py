"""Reads about the roster: the filtered staff list, one person's record, the untrained export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields import BooleanField, DateField, DateTimeField

from rcrp.accounts.errors import NotFound
from rcrp.accounts.models import User
from training.models import Booking, Completion, Course, Site, StaffMember

STATUS_CHOICES = [
    ("", "Any"),
    ("trained", "Trained"),
    ("booked", "Booked"),
    ("not_booked", "Not booked"),
    ("untrained", "Not trained (booked or not)"),
]
NO_TEAM = "(none)"  # the team filter value for staff with no team
ACTIVE_CHOICES = [("active", "Current staff"), ("inactive", "Leavers"), ("all", "Everyone")]


def staff_with_status(queryset: QuerySet[StaffMember], *, course: Course | None) -> QuerySet[StaffMember]:
    """Annotate `is_trained`, `is_booked` (an open booking on this course), `completed_on` and
    `booked_for` (the start of the open booking's session), as subqueries: one query in all."""
    if course is None:
        false = Value(False, output_field=BooleanField())
        return queryset.annotate(
            is_trained=false,
            is_booked=false,
            completed_on=Value(None, output_field=DateField()),
            booked_for=Value(None, output_field=DateTimeField()),
        )
    completions = Completion.objects.filter(staff=OuterRef("pk"), course=course)
    open_bookings = Booking.objects.filter(
        staff=OuterRef("pk"), status=Booking.Status.BOOKED, session__course=course
    )
    return queryset.annotate(
        is_trained=Exists(completions),
        is_booked=Exists(open_bookings),
        completed_on=Subquery(completions.values("completed_on")[:1]),
        booked_for=Subquery(open_bookings.values("session__starts_at")[:1]),
    )


def staff_filter_by_status(queryset: QuerySet[StaffMember], status: str) -> QuerySet[StaffMember]:
    """Narrow a `staff_with_status` queryset to trained / booked / not_booked / untrained."""
    if status == "trained":
        return queryset.filter(is_trained=True)
    if status == "booked":
        return queryset.filter(is_trained=False, is_booked=True)
    if status == "not_booked":
        return queryset.filter(is_trained=False, is_booked=False)
    if status == "untrained":
        return queryset.filter(is_trained=False)
    return queryset


def staff_list_for_roster(
    *,
    course: Course | None,
    q: str = "",
    site: str = "",
    role: str = "",
    team: str = "",
    status: str = "",
    active: str = "active",
) -> QuerySet[StaffMember]:
    """The roster, filtered, with each person's training status; ordered by name."""
    staff = StaffMember.objects.select_related("site")
    if active == "active":
        staff = staff.filter(active=True)
    elif active == "inactive":
        staff = staff.filter(active=False)
    if q:
        staff = staff.filter(Q(full_name__icontains=q) | Q(staff_number__iexact=q))
    if site:
        staff = staff.filter(site__slug=site)
    if role:
        staff = staff.filter(role=role)
    if team:
        staff = staff.filter(team="" if team == NO_TEAM else team)
    staff = staff_with_status(staff, course=course)
    return staff_filter_by_status(staff, status).order_by("full_name", "pk")


@dataclass(frozen=True)
class RosterOptions:
    sites: list[Site]
    roles: list[str]
    teams: list[str]


def roster_filter_options() -> RosterOptions:
    """Choices for the roster filters (three small queries, whatever the roster's size)."""
    return RosterOptions(
        sites=list(Site.objects.order_by("name")),
        roles=list(StaffMember.objects.order_by("role").values_list("role", flat=True).distinct()),
        teams=list(
            StaffMember.objects.exclude(team="").order_by("team").values_list("team", flat=True).distinct()
        ),
    )


@dataclass(frozen=True)
class StaffDetail:
    staff: StaffMember
    bookings: list[Booking]
    completions: list[Completion]
    history: list[Any]
    trained: bool
    open_booking: Booking | None


def staff_get_detail(*, pk: int, course: Course | None) -> StaffDetail:
    """One person's roster entry with their bookings, completions and change history (NotFound if none)."""
    staff = StaffMember.objects.select_related("site", "user").filter(pk=pk).first()
    if staff is None:
        raise NotFound("No such member of staff")
    bookings = list(
        staff.bookings.select_related("session__site", "session__course", "session__trainer").order_by(
            "-session__starts_at"
        )
    )
    completions = list(staff.completions.select_related("course", "session__site", "trainer", "recorded_by"))
    history = list(staff.history.select_related("history_user").order_by("-history_date")[:10])
    trained = course is not None and any(c.course_id == course.pk for c in completions)
    open_booking = next((b for b in bookings if b.status == Booking.Status.BOOKED), None)
    return StaffDetail(
        staff=staff,
        bookings=bookings,
        completions=completions,
        history=history,
        trained=trained,
        open_booking=open_booking,
    )


def staff_list_untrained_for_export(
    *, course: Course | None, site: str = "", team: str = ""
) -> QuerySet[StaffMember]:
    """Active staff who have not completed the current course, by site, team and name."""
    staff = StaffMember.objects.filter(active=True).select_related("site")
    if site:
        staff = staff.filter(site__slug=site)
    if team:
        staff = staff.filter(team="" if team == NO_TEAM else team)
    return (
        staff_with_status(staff, course=course)
        .filter(is_trained=False)
        .order_by("site__name", "team", "full_name")
    )


UNLINKED_SHOWN = 50


def account_list_unlinked(*, limit: int = UNLINKED_SHOWN) -> list[User]:
    """Current sign-in accounts with no roster entry, newest first (at most `limit`): the ones a
    trainer may link to a roster entry by hand."""
    return list(
        User.objects.filter(is_active=True, staff_record__isnull=True).order_by("-date_joined", "-pk")[:limit]
    )


def account_get_by_staff_number(*, staff_number: str) -> User | None:
    """The sign-in account with this staff number (exactly, else ignoring case), linked or not;
    None when there is none."""
    number = staff_number.strip()
    return (
        User.objects.filter(staff_number=number).first()
        or User.objects.filter(staff_number__iexact=number).first()
    )
