"""Readiness and other selectors against a small hand-made roster."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from rcrp.accounts.errors import NotFound
from tests.training.factories import (
    BookingFactory,
    CompletionFactory,
    CourseFactory,
    StaffMemberFactory,
    TrainingSessionFactory,
    at,
    policy_version,
    site,
)
from training import selectors
from training.models import Booking

pytestmark = pytest.mark.django_db
TODAY = date(2023, 10, 18)  # Wednesday; go-live is 1 November 2023, 14 days later
NOW = at(TODAY, 12)


@pytest.fixture
def roster() -> dict[str, Any]:
    """Ten people:

    Lambeth: 4 call handlers (Team 1: a trained, b trained, c booked; Team 2: d not booked)
    Hendon:  3 (e trained dispatcher Team 1; f booked handler Team 1; g not booked handler, no team)
    Bow:     2 handlers Team 1 not booked (h, i); plus j, a leaver who is never counted.
    Completions: a on 9 Oct, b on 10 Oct, e on 2 Oct (weeks of 2 Oct: 1, 9 Oct: 2).
    Upcoming sessions: Lambeth 20 places (c booked), Hendon 10 places (f booked, one cancelled).
    """
    course = CourseFactory()
    old = CourseFactory(version=0, is_current=False)
    lam, hen, bow = site("lambeth"), site("hendon"), site("bow")
    people = {
        "a": StaffMemberFactory(site=lam, team="Team 1"),
        "b": StaffMemberFactory(site=lam, team="Team 1"),
        "c": StaffMemberFactory(site=lam, team="Team 1"),
        "d": StaffMemberFactory(site=lam, team="Team 2"),
        "e": StaffMemberFactory(site=hen, team="Team 1", role="Dispatcher"),
        "f": StaffMemberFactory(site=hen, team="Team 1"),
        "g": StaffMemberFactory(site=hen, team=""),
        "h": StaffMemberFactory(site=bow, team="Team 1"),
        "i": StaffMemberFactory(site=bow, team="Team 1"),
        "j": StaffMemberFactory(site=bow, team="Team 1", active=False),
    }
    CompletionFactory(staff=people["a"], course=course, completed_on=date(2023, 10, 9))
    CompletionFactory(staff=people["b"], course=course, completed_on=date(2023, 10, 10))
    CompletionFactory(staff=people["e"], course=course, completed_on=date(2023, 10, 2))
    CompletionFactory(
        staff=people["j"], course=course, completed_on=date(2023, 10, 2)
    )  # a leaver: counts in the rate only
    CompletionFactory(
        staff=people["d"], course=old, completed_on=date(2023, 10, 3)
    )  # old version: not trained
    lam_next = TrainingSessionFactory(
        course=course, site=lam, capacity=20, starts_at=at(TODAY + timedelta(days=2))
    )
    hen_next = TrainingSessionFactory(
        course=course, site=hen, capacity=10, starts_at=at(TODAY + timedelta(days=3))
    )
    past = TrainingSessionFactory(
        course=course, site=bow, capacity=10, starts_at=at(TODAY - timedelta(days=2))
    )
    BookingFactory(staff=people["c"], session=lam_next)
    BookingFactory(staff=people["f"], session=hen_next)
    BookingFactory(staff=people["g"], session=hen_next, status=Booking.Status.CANCELLED)
    BookingFactory(staff=people["h"], session=past, status=Booking.Status.NO_SHOW)
    return people


def rows(breakdowns: Any) -> list[tuple[str, int, int, int, int]]:
    return [(b.label, b.total, b.trained, b.booked, b.not_booked) for b in breakdowns]


@override_settings(GO_LIVE_DATE="2023-11-01", TRAINING_WEEKLY_CAPACITY=300, TRAINING_SESSION_CAPACITY=20)
def test_readiness_figures_match_the_hand_count(roster: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(7):
        report = selectors.readiness_get(today=TODAY, now=NOW)
    assert rows([report.overall]) == [("All staff", 9, 3, 2, 4)]
    assert rows(report.by_site) == [("Bow", 2, 0, 0, 2), ("Hendon", 3, 1, 1, 1), ("Lambeth", 4, 2, 1, 1)]
    assert rows(report.by_role) == [("Call handler", 8, 2, 2, 4), ("Dispatcher", 1, 1, 0, 0)]
    assert [(t.site, t.team, t.untrained, t.booked, t.not_booked) for t in report.teams] == [
        ("Bow", "Team 1", 2, 0, 2),
        ("Hendon", "No team", 1, 0, 1),
        ("Hendon", "Team 1", 1, 1, 0),
        ("Lambeth", "Team 1", 1, 1, 0),
        ("Lambeth", "Team 2", 1, 0, 1),
    ]
    # Weeks: 2 Oct has 2 (e and the leaver j), 9 Oct has 2 (a, b); the rate is over the weeks since
    # the first completion among the last four whole weeks: (2 + 2) / 2 = 2 a week.
    assert report.weekly[-3:] == [(date(2023, 10, 2), 2), (date(2023, 10, 9), 2), (date(2023, 10, 16), 0)]
    assert len(report.weekly) == 8
    p = report.projection
    assert p.rate == 2
    assert p.remaining == 6
    assert p.finish_at_rate == date(2023, 11, 8)  # 6 people at 2 a week: 21 days
    assert p.finish_at_capacity == date(2023, 10, 19)  # ceil(6 * 7 / 300) = 1 day
    assert (p.on_track_at_rate, p.on_track_at_capacity) == (False, True)
    assert p.required_rate == 3  # 6 people in 14 days
    # Free places: Lambeth 20 - 1 = 19, Hendon 10 - 1 (the cancellation frees its place) = 9, Bow 0
    assert [
        (s.label, s.not_booked, s.free_places, s.sessions_needed, s.sessions_per_week)
        for s in report.site_plans
    ] == [
        ("Bow", 2, 0, 1, 1),
        ("Hendon", 1, 9, 0, 0),
        ("Lambeth", 1, 19, 0, 0),
    ]
    assert not report.everyone_trained


def test_readiness_with_no_course_counts_nobody_as_trained(django_assert_num_queries: Any) -> None:
    StaffMemberFactory.create_batch(3)
    report = selectors.readiness_get(today=TODAY, now=NOW, go_live=date(2023, 11, 1), capacity=300)
    assert rows([report.overall]) == [("All staff", 3, 0, 0, 3)]
    assert report.projection.rate is None
    assert report.course is None


def test_readiness_queries_do_not_grow_with_the_roster(roster: Any, django_assert_num_queries: Any) -> None:
    StaffMemberFactory.create_batch(50, site=site("bow"))
    with django_assert_num_queries(7):
        report = selectors.readiness_get(today=TODAY, now=NOW)
    assert report.overall.total == 59


def test_roster_list_filters_and_statuses(roster: Any, django_assert_num_queries: Any) -> None:
    course = selectors.readiness_get(today=TODAY, now=NOW).course

    def numbers(**filters: Any) -> list[str]:
        return sorted(s.staff_number for s in selectors.staff_list_for_roster(course=course, **filters))

    p = {k: v.staff_number for k, v in roster.items()}
    assert numbers(status="trained") == sorted([p["a"], p["b"], p["e"]])
    assert numbers(status="booked") == sorted([p["c"], p["f"]])
    assert numbers(status="not_booked") == sorted([p["d"], p["g"], p["h"], p["i"]])
    assert numbers(status="untrained", site="hendon") == sorted([p["f"], p["g"]])
    assert numbers(team="(none)") == [p["g"]]
    assert numbers(active="inactive") == [p["j"]]
    assert len(numbers(active="all")) == 10
    assert numbers(q=p["d"]) == [p["d"]]
    with django_assert_num_queries(1):
        staff = list(selectors.staff_list_for_roster(course=course, role="Dispatcher"))
        assert [(s.is_trained, s.completed_on, s.site.name) for s in staff] == [
            (True, date(2023, 10, 2), "Hendon")
        ]


def test_untrained_export_lists_only_current_untrained_staff(roster: Any) -> None:
    course = selectors.readiness_get(today=TODAY, now=NOW).course
    staff = list(selectors.staff_list_untrained_for_export(course=course, site="bow"))
    assert sorted(s.staff_number for s in staff) == sorted(
        [roster["h"].staff_number, roster["i"].staff_number]
    )


def test_no_shows_to_rebook(roster: Any) -> None:
    course = selectors.readiness_get(today=TODAY, now=NOW).course
    assert [b.staff for b in selectors.booking_list_no_shows_to_rebook(course=course)] == [roster["h"]]
    BookingFactory(staff=roster["h"], session=TrainingSessionFactory(course=course, site=site("bow")))
    assert selectors.booking_list_no_shows_to_rebook(course=course) == []


def test_sessions_with_free_places_prefer_the_persons_site(roster: Any) -> None:
    course = selectors.readiness_get(today=TODAY, now=NOW).course
    sessions = selectors.session_list_for_staff(staff=roster["g"], course=course, now=NOW)
    assert [s.site.slug for s in sessions] == ["hendon", "lambeth"]
    full = TrainingSessionFactory(
        course=course, site=site("bow"), capacity=1, starts_at=at(TODAY + timedelta(days=1))
    )
    BookingFactory(session=full)
    assert full not in selectors.session_list_for_staff(staff=roster["h"], course=course, now=NOW)
    assert timezone.is_aware(sessions[0].starts_at)


def test_selectors_raise_not_found_for_a_missing_row(policy_owner: Any) -> None:
    version = policy_version(author=policy_owner, acknowledgement_required=False)
    lookups = [
        lambda: selectors.staff_get_detail(pk=999_999, course=None),
        lambda: selectors.session_get_detail(pk=999_999),
        lambda: selectors.booking_get(pk=999_999),
        lambda: selectors.rota_assignment_get(pk=999_999),
        lambda: selectors.rota_plan_period_get(pk=999_999),
        lambda: selectors.acknowledgement_get_detail(pk=version.pk),  # never needed acknowledging
    ]
    for lookup in lookups:
        with pytest.raises(NotFound):
            lookup()
