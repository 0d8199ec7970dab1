"""Factories for training tests: staff, courses, sessions, bookings, completions, and a published
policy version that needs acknowledging. Sites come from the data migration (lambeth, hendon, bow)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import factory
from django.utils import timezone

from policies.models import Element, PolicyVersion
from rcrp.accounts.models import User
from training.models import Booking, Completion, Course, Site, StaffMember, TrainingSession

SITE_NAMES = {"lambeth": "Lambeth", "hendon": "Hendon", "bow": "Bow"}
ELEMENTS = {  # as the policies data migration makes them
    "welfare": ("Concern for welfare", 1),
    "awol": ("Walkouts and AWOL", 2),
    "s136": ("Section 136 handover", 3),
    "transport": ("Transport in a mental health crisis", 4),
}


def site(slug: str = "lambeth", *, live: bool | None = None) -> Site:
    """A site made by the data migration, live as the migrations leave it (RCRP was live at every
    site before site-by-site go-live). Browser tests flush the database between tests, and
    serialized rollback does not always bring reference rows back, so make it (live) if it is
    missing. `live=False` makes the site not live yet, `live=True` live again; None leaves it."""
    made = Site.objects.get_or_create(
        slug=slug, defaults={"name": SITE_NAMES.get(slug, slug.title()), "live_from": timezone.now()}
    )[0]
    if live is not None and made.is_live != live:
        made.live_from = timezone.now() if live else None
        made.save(update_fields=["live_from"])
    return made


def not_live_site(slug: str = "hendon") -> Site:
    """A site where RCRP is not live yet: its handlers use practice mode and the deploy override."""
    return site(slug, live=False)


def element(slug: str = "welfare") -> Element:
    title, order = ELEMENTS[slug]
    return Element.objects.get_or_create(
        slug=slug, defaults={"title": title, "order": order, "summary": title}
    )[0]


def at(day: date, hour: int = 9) -> datetime:
    """An aware datetime in the service's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    staff_number = factory.Sequence(lambda n: f"{500000 + n}")
    full_name = factory.Sequence(lambda n: f"Person {n:04d}")
    site = factory.LazyFunction(site)
    role = "Call handler"
    team = "Team 1"


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("version",)

    title = "RCRP course"
    version = 1
    duration_minutes = 210
    is_current = True


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    course = factory.SubFactory(CourseFactory)
    site = factory.LazyFunction(site)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    trainer = factory.LazyFunction(
        lambda: User.objects.get_or_create(
            staff_number="t-factory", defaults={"display_name": "Factory Trainer"}
        )[0]
    )
    capacity = 20


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    session = factory.SubFactory(TrainingSessionFactory)
    staff = factory.SubFactory(StaffMemberFactory)
    status = Booking.Status.BOOKED


class CompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Completion

    staff = factory.SubFactory(StaffMemberFactory)
    course = factory.SubFactory(CourseFactory)
    session = None
    completed_on = factory.LazyFunction(timezone.localdate)
    route = factory.LazyAttribute(
        lambda o: Completion.Route.SESSION if o.session is not None else Completion.Route.OTHER
    )


def policy_version(
    *,
    author: User,
    slug: str = "welfare",
    number: int = 2,
    status: str = PolicyVersion.Status.PUBLISHED,
    acknowledgement_required: bool = True,
    **values: Any,
) -> PolicyVersion:
    """A policy version row (the document is not exercised here) that may need acknowledging."""
    return PolicyVersion.objects.create(
        element=element(slug),
        number=number,
        status=status,
        document={"element": slug},
        content_hash="0" * 64,
        change_summary=values.pop("change_summary", "Walkouts from A&E: ask about the time they left."),
        acknowledgement_required=acknowledgement_required,
        created_by=author,
        published_at=timezone.now() if status in {"published", "retired"} else None,
        **values,
    )


def csv_bytes(*rows: str, header: str = "staff_number,full_name,site,role,team") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()
