"""Readiness arithmetic against small hand-computed examples (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from training import readiness
from training.readiness import Breakdown, SitePlan

D = date.fromisoformat
# Completions by day. Weeks start on Monday: 14 Aug, 18 Sep, 25 Sep, 2 Oct, 9 Oct, 16 Oct 2023.
COUNTS = {
    D("2023-08-15"): 100,
    D("2023-09-19"): 120,
    D("2023-09-21"): 80,  # week of 18 Sep: 200
    D("2023-09-26"): 240,
    D("2023-10-02"): 260,
    D("2023-10-10"): 300,
    D("2023-10-17"): 50,  # this week so far
    D("2023-10-30"): 999,  # after "today": ignored by the rate
}
TODAY = D("2023-10-18")  # a Wednesday


def test_week_start_is_the_monday() -> None:
    assert readiness.week_start(D("2023-11-01")) == D("2023-10-30")
    assert readiness.week_start(D("2023-10-30")) == D("2023-10-30")
    assert readiness.week_start(D("2023-11-05")) == D("2023-10-30")


def test_the_rate_is_the_mean_of_the_last_four_whole_weeks() -> None:
    # 18 Sep 200 + 25 Sep 240 + 2 Oct 260 + 9 Oct 300 = 1000, over 4 weeks
    assert readiness.weekly_rate(COUNTS, today=TODAY) == 250


def test_the_rate_counts_only_weeks_since_the_first_completion() -> None:
    counts = {D("2023-10-02"): 260, D("2023-10-10"): 300, D("2023-10-17"): 50}
    assert readiness.weekly_rate(counts, today=TODAY) == 280  # (260 + 300) / 2


def test_in_the_first_week_the_rate_is_this_weeks_count_so_far() -> None:
    assert readiness.weekly_rate({D("2023-10-17"): 50}, today=TODAY) == 50


def test_with_no_completions_there_is_no_rate() -> None:
    assert readiness.weekly_rate({}, today=TODAY) is None
    assert readiness.weekly_rate({D("2023-10-30"): 5}, today=TODAY) is None


def test_a_quiet_week_inside_the_window_counts_as_zero() -> None:
    counts = {D("2023-09-19"): 200, D("2023-10-10"): 200}  # nothing in the weeks of 25 Sep and 2 Oct
    assert readiness.weekly_rate(counts, today=TODAY) == 100


def test_weekly_series_fills_empty_weeks() -> None:
    series = readiness.weekly_series(
        {D("2023-09-19"): 3, D("2023-09-21"): 2, D("2023-10-04"): 7}, until=TODAY
    )
    assert series == [
        (D("2023-09-18"), 5),
        (D("2023-09-25"), 0),
        (D("2023-10-02"), 7),
        (D("2023-10-09"), 0),
        (D("2023-10-16"), 0),
    ]


def test_weekly_series_can_start_earlier() -> None:
    series = readiness.weekly_series({}, until=D("2023-10-18"), since=D("2023-10-05"))
    assert series == [(D("2023-10-02"), 0), (D("2023-10-09"), 0), (D("2023-10-16"), 0)]


def test_finish_date() -> None:
    # 1000 people at 250 a week: 28 days; at 300 a week: 7000 / 300 = 23.3, so 24 days
    assert readiness.finish_date(remaining=1000, per_week=250, today=TODAY) == D("2023-11-15")
    assert readiness.finish_date(remaining=1000, per_week=300, today=TODAY) == D("2023-11-11")
    assert readiness.finish_date(remaining=0, per_week=None, today=TODAY) == TODAY
    assert readiness.finish_date(remaining=5, per_week=None, today=TODAY) is None
    assert readiness.finish_date(remaining=5, per_week=0, today=TODAY) is None


def test_projection_against_go_live() -> None:
    p = readiness.project(
        remaining=1000, weekly_counts=COUNTS, today=TODAY, go_live=D("2023-11-01"), capacity=300
    )
    assert p.rate == 250
    assert p.finish_at_rate == D("2023-11-15")
    assert p.finish_at_capacity == D("2023-11-11")
    assert p.days_left == 14
    assert not p.on_track_at_rate
    assert not p.on_track_at_capacity
    assert p.required_rate == 500  # 1000 people in 14 days
    assert not p.go_live_passed


def test_projection_on_track_when_capacity_is_enough() -> None:
    p = readiness.project(
        remaining=500, weekly_counts=COUNTS, today=TODAY, go_live=D("2023-11-01"), capacity=300
    )
    assert p.finish_at_rate == D("2023-11-01")  # 500 * 7 / 250 = 14 days: on go-live day itself
    assert p.on_track_at_rate
    assert p.finish_at_capacity == D("2023-10-30")  # ceil(3500 / 300) = 12 days
    assert p.on_track_at_capacity
    assert p.required_rate == 250


def test_projection_after_go_live() -> None:
    p = readiness.project(
        remaining=10, weekly_counts={}, today=D("2023-11-02"), go_live=D("2023-11-01"), capacity=300
    )
    assert p.go_live_passed
    assert p.required_rate is None
    assert p.rate is None
    assert p.finish_at_rate is None
    assert not p.on_track_at_rate
    assert p.days_left == -1


def test_breakdown() -> None:
    b = Breakdown(label="Bow", total=3, trained=2, booked=0)
    assert (b.untrained, b.not_booked, b.percent_trained) == (1, 1, 66)
    assert Breakdown(label="Empty", total=0, trained=0, booked=0).percent_trained == 0
    total = readiness.total_of([b, Breakdown(label="Hendon", total=7, trained=1, booked=4)])
    assert (total.total, total.trained, total.booked, total.not_booked) == (10, 3, 4, 3)


@pytest.mark.parametrize(
    ("not_booked", "free", "days_left", "places", "sessions", "per_week"),
    [
        (130, 45, 14, 85, 5, 3),  # 85 places / 20 = 4.25 -> 5 sessions; 5 in 2 weeks -> 2.5 -> 3 a week
        (40, 45, 14, 0, 0, 0),  # enough free places already
        (21, 0, 28, 21, 2, 1),
        (20, 0, 0, 20, 1, None),  # go-live today: too late to add sessions
    ],
)
def test_sessions_still_needed_per_site(
    not_booked: int, free: int, days_left: int, places: int, sessions: int, per_week: int | None
) -> None:
    plan = SitePlan(
        label="Bow", not_booked=not_booked, free_places=free, session_capacity=20, days_left=days_left
    )
    assert (plan.places_needed, plan.sessions_needed, plan.sessions_per_week) == (places, sessions, per_week)


def test_the_weekly_chart_carries_the_figures_and_the_capacity_line() -> None:
    weekly = [(date(2026, 11, 2), 40), (date(2026, 11, 9), 75)]
    chart = readiness.weekly_chart(weekly, capacity=300)["weekly"]
    assert chart["labels"] == ["02 Nov", "09 Nov"]
    assert chart["series"] == [
        {"label": "Completions", "data": [40, 75]},
        {"label": "Planned capacity", "data": [300, 300]},
    ]
    assert chart["target"] is True
    assert readiness.weekly_chart([], capacity=None)["weekly"] == {
        "labels": [],
        "series": [{"label": "Completions", "data": []}],
        "target": False,
    }
