"""Readiness arithmetic: pure functions over counts and dates (no Django, no database).

The selectors count in the database; everything here is hand-checkable maths so the figures on
the readiness page can be tested against small worked examples (tests/training/test_readiness.py).

Definitions used throughout:
- trained: completed the current course version;
- booked: not trained, with an open booking on a session;
- not booked: neither (these are who still need a place);
- the current weekly rate is the mean of completions over the last `window` whole weeks
  (Monday to Sunday) before this week, counting only weeks since the first completion; in the
  first week of training it is this week's count so far.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

RATE_WINDOW_WEEKS = 4


def week_start(day: date) -> date:
    """The Monday of the week containing `day`."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Breakdown:
    """Counts for one group of staff (a site, a role, a team, or everyone)."""

    label: str
    total: int
    trained: int
    booked: int
    key: str = ""

    @property
    def not_booked(self) -> int:
        return self.total - self.trained - self.booked

    @property
    def untrained(self) -> int:
        return self.total - self.trained

    @property
    def percent_trained(self) -> int:
        """Whole percent, rounded down (so 100% means everyone)."""
        return (self.trained * 100) // self.total if self.total else 0

    @property
    def trained_share(self) -> Decimal:
        return trained_share(trained=self.trained, total=self.total)

    def meets(self, threshold_percent: int) -> bool:
        return meets_threshold(trained=self.trained, total=self.total, threshold_percent=threshold_percent)


def trained_share(*, trained: int, total: int) -> Decimal:
    """Percent trained to one decimal place, rounded down (so 100.0 means everyone); 0 of nobody."""
    if not total:
        return Decimal("0.0")
    return (Decimal(trained) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def meets_threshold(*, trained: int, total: int, threshold_percent: int) -> bool:
    """At least `threshold_percent` of `total` trained, compared exactly (no rounding); a site
    with no staff never meets it."""
    return total > 0 and trained * 100 >= threshold_percent * total


def total_of(groups: Iterable[Breakdown], label: str = "All staff") -> Breakdown:
    groups = list(groups)
    return Breakdown(
        label=label,
        total=sum(g.total for g in groups),
        trained=sum(g.trained for g in groups),
        booked=sum(g.booked for g in groups),
    )


def weekly_series(
    counts: Mapping[date, int], *, until: date, since: date | None = None
) -> list[tuple[date, int]]:
    """Completions per week from the first week with any (or `since`) to the week of `until`,
    with empty weeks filled in as 0. Keys of `counts` are any day in the week."""
    by_week: dict[date, int] = {}
    for day, n in counts.items():
        by_week[week_start(day)] = by_week.get(week_start(day), 0) + n
    starts = [w for w, n in by_week.items() if n]
    first = week_start(since) if since else (min(starts) if starts else week_start(until))
    last = week_start(until)
    series = []
    week = first
    while week <= last:
        series.append((week, by_week.get(week, 0)))
        week += timedelta(days=7)
    return series


def weekly_rate(counts: Mapping[date, int], *, today: date, window: int = RATE_WINDOW_WEEKS) -> float | None:
    """Completions per week at the current pace, or None before the first completion."""
    by_week: dict[date, int] = {}
    for day, n in counts.items():
        if day <= today:
            by_week[week_start(day)] = by_week.get(week_start(day), 0) + n
    started = [w for w, n in by_week.items() if n]
    if not started:
        return None
    first = min(started)
    this_week = week_start(today)
    weeks = [this_week - timedelta(days=7 * i) for i in range(1, window + 1)]
    weeks = [w for w in weeks if w >= first]
    if not weeks:
        return float(by_week.get(this_week, 0))
    return sum(by_week.get(w, 0) for w in weeks) / len(weeks)


def finish_date(*, remaining: int, per_week: float | None, today: date) -> date | None:
    """The day the last of `remaining` people is trained at `per_week`; None if never."""
    if remaining <= 0:
        return today
    if not per_week or per_week <= 0:
        return None
    return today + timedelta(days=math.ceil(remaining * 7 / per_week))


@dataclass(frozen=True)
class Projection:
    today: date
    go_live: date
    remaining: int
    rate: float | None
    capacity: int
    finish_at_rate: date | None
    finish_at_capacity: date | None

    @property
    def days_left(self) -> int:
        return (self.go_live - self.today).days

    @property
    def go_live_passed(self) -> bool:
        return self.days_left < 0

    @property
    def on_track_at_rate(self) -> bool:
        return self.finish_at_rate is not None and self.finish_at_rate <= self.go_live

    @property
    def on_track_at_capacity(self) -> bool:
        return self.finish_at_capacity is not None and self.finish_at_capacity <= self.go_live

    @property
    def required_rate(self) -> int | None:
        """People a week needed from today to finish by go-live (None once go-live has passed)."""
        if self.remaining <= 0:
            return 0
        if self.days_left <= 0:
            return None
        return math.ceil(self.remaining * 7 / self.days_left)

    @property
    def rate_rounded(self) -> int | None:
        return None if self.rate is None else round(self.rate)


def project(
    *,
    remaining: int,
    weekly_counts: Mapping[date, int],
    today: date,
    go_live: date,
    capacity: int,
    window: int = RATE_WINDOW_WEEKS,
) -> Projection:
    """When will everyone be trained, at the current rate and at planned capacity?"""
    rate = weekly_rate(weekly_counts, today=today, window=window)
    return Projection(
        today=today,
        go_live=go_live,
        remaining=remaining,
        rate=rate,
        capacity=capacity,
        finish_at_rate=finish_date(remaining=remaining, per_week=rate, today=today),
        finish_at_capacity=finish_date(remaining=remaining, per_week=capacity, today=today),
    )


@dataclass(frozen=True)
class SitePlan:
    """What one site still has to schedule to train everyone by go-live."""

    label: str
    not_booked: int
    free_places: int
    session_capacity: int
    days_left: int

    @property
    def places_needed(self) -> int:
        """Places beyond those already scheduled: staff without a booking minus free places."""
        return max(self.not_booked - self.free_places, 0)

    @property
    def sessions_needed(self) -> int:
        return math.ceil(self.places_needed / self.session_capacity) if self.session_capacity > 0 else 0

    @property
    def sessions_per_week(self) -> int | None:
        """Sessions a week to add from today (None once go-live has passed)."""
        if not self.sessions_needed:
            return 0
        if self.days_left <= 0:
            return None
        return math.ceil(self.sessions_needed * 7 / self.days_left)


def weekly_chart(weekly: list[tuple[date, int]], *, capacity: int | None) -> dict[str, object]:
    """What the Chart.js bar chart draws: completions per week, and the planned capacity as a
    dashed line (static/js/charts.js). The page's table shows the same figures."""
    labels = [f"{week:%d %b}" for week, _ in weekly]
    series: list[dict[str, object]] = [{"label": "Completions", "data": [n for _, n in weekly]}]
    if capacity:
        series.append({"label": "Planned capacity", "data": [capacity] * len(weekly)})
    return {"weekly": {"labels": labels, "series": series, "target": bool(capacity)}}
