"""The readiness report: counts aggregated in the database, arithmetic in training.readiness.

A fixed number of queries whatever the size of the roster: the current course, three grouped
counts (by site, role, site and team), completions per day, and the free places in upcoming
sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from training import conf, readiness
from training.models import Booking, Completion, Course, Site, StaffMember, TrainingSession
from training.readiness import Breakdown, Projection, SitePlan
from training.selectors.roster import NO_TEAM


@dataclass(frozen=True)
class TeamRow:
    site: str
    site_slug: str
    team: str
    team_param: str
    untrained: int
    booked: int
    not_booked: int


@dataclass(frozen=True)
class SiteGoLiveStatus:
    """A site's trained share against the go-live threshold, and whether RCRP is live there."""

    site: Site
    figures: Breakdown
    threshold: int

    @property
    def meets_threshold(self) -> bool:
        return self.figures.meets(self.threshold)

    @property
    def is_live(self) -> bool:
        return self.site.is_live


@dataclass(frozen=True)
class ReadinessReport:
    course: Course | None
    today: date
    overall: Breakdown
    by_site: list[Breakdown]
    by_role: list[Breakdown]
    teams: list[TeamRow]
    weekly: list[tuple[date, int]]
    chart: dict[str, Any]  # Chart.js figures (readiness.weekly_chart)
    projection: Projection
    site_plans: list[SitePlan]
    session_capacity: int
    go_live_threshold: int
    site_go_live: list[SiteGoLiveStatus]

    @property
    def site_rows(self) -> list[tuple[Breakdown, SitePlan]]:
        return list(zip(self.by_site, self.site_plans, strict=True))

    @property
    def everyone_trained(self) -> bool:
        return self.overall.total > 0 and self.overall.untrained == 0


def _grouped(staff: QuerySet[StaffMember], course: Course | None, *fields: str) -> list[dict]:  # type: ignore[type-arg]
    if course is None:
        return list(staff.values(*fields).annotate(total=Count("pk")).order_by(*fields))
    trained = Exists(Completion.objects.filter(staff=OuterRef("pk"), course=course))
    booked = Exists(
        Booking.objects.filter(staff=OuterRef("pk"), status=Booking.Status.BOOKED, session__course=course)
    )
    return list(
        staff.values(*fields)
        .annotate(
            total=Count("pk"),
            trained=Count("pk", filter=Q(trained)),
            booked=Count("pk", filter=Q(booked) & ~Q(trained)),
        )
        .order_by(*fields)
    )


def readiness_get(
    *, today: date, now: datetime, go_live: date | None = None, capacity: int | None = None
) -> ReadinessReport:
    """Who is trained, booked and not booked (overall, by site, role, site and team), the weekly
    completions, the projection to go-live and the sessions each site still needs."""
    course = Course.objects.current()
    go_live = go_live or conf.go_live_date()
    capacity = capacity or conf.weekly_capacity()
    session_capacity = conf.session_capacity()
    active = StaffMember.objects.filter(active=True)

    def breakdown(row: dict, label: str, key: str = "") -> Breakdown:  # type: ignore[type-arg]
        return Breakdown(
            label=label,
            key=key,
            total=row["total"],
            trained=row.get("trained", 0),
            booked=row.get("booked", 0),
        )

    sites = {s.pk: s for s in Site.objects.all()}
    site_rows = {r["site"]: r for r in _grouped(active, course, "site")}
    by_site = [
        breakdown(site_rows.get(pk, {"total": 0}), site.name, site.slug)
        for pk, site in sorted(sites.items(), key=lambda item: item[1].name)
    ]
    by_role = [breakdown(r, r["role"]) for r in _grouped(active, course, "role")]
    teams = []
    for r in _grouped(active, course, "site", "team"):
        b = breakdown(r, r["team"])
        if not b.untrained:
            continue
        site = sites[r["site"]]
        teams.append(
            TeamRow(
                site=site.name,
                site_slug=site.slug,
                team=r["team"] or "No team",
                team_param=r["team"] or NO_TEAM,
                untrained=b.untrained,
                booked=b.booked,
                not_booked=b.not_booked,
            )
        )
    teams.sort(key=lambda t: (t.site, t.team))
    overall = readiness.total_of(by_site)

    per_day: dict[date, int] = {}
    if course is not None:
        per_day = dict(
            Completion.objects.filter(course=course)
            .values_list("completed_on")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("completed_on", "n")
        )
    # at least eight weeks on the chart, at most sixteen
    first = min(per_day, default=today)
    weekly = readiness.weekly_series(per_day, until=today, since=min(first, today - timedelta(weeks=7)))[-16:]
    chart = readiness.weekly_chart(weekly, capacity=capacity)
    projection = readiness.project(
        remaining=overall.untrained, weekly_counts=per_day, today=today, go_live=go_live, capacity=capacity
    )

    free: dict[int, int] = dict.fromkeys(sites, 0)
    if course is not None:
        upcoming = (
            TrainingSession.objects.filter(course=course, starts_at__gte=now)
            .annotate(taken=Count("bookings", filter=~Q(bookings__status=Booking.Status.CANCELLED)))
            .values_list("site_id", "capacity", "taken")
        )
        for site_id, places, taken in upcoming:
            free[site_id] = free.get(site_id, 0) + max(places - taken, 0)
    slug_to_pk = {s.slug: pk for pk, s in sites.items()}
    site_plans = [
        SitePlan(
            label=b.label,
            not_booked=b.not_booked,
            free_places=free.get(slug_to_pk[b.key], 0),
            session_capacity=session_capacity,
            days_left=projection.days_left,
        )
        for b in by_site
    ]
    threshold = conf.go_live_threshold_percent()
    site_go_live = [
        SiteGoLiveStatus(site=sites[slug_to_pk[b.key]], figures=b, threshold=threshold) for b in by_site
    ]
    return ReadinessReport(
        course=course,
        today=today,
        overall=overall,
        by_site=by_site,
        by_role=by_role,
        teams=teams,
        weekly=weekly,
        chart=chart,
        projection=projection,
        site_plans=site_plans,
        session_capacity=session_capacity,
        go_live_threshold=threshold,
        site_go_live=site_go_live,
    )


def site_go_live_list(*, course: Course | None) -> list[SiteGoLiveStatus]:
    """Every site with its trained share of the current course against the go-live threshold:
    the readiness page's figures (two queries: the sites, and one grouped count)."""
    threshold = conf.go_live_threshold_percent()
    rows = {r["site"]: r for r in _grouped(StaffMember.objects.filter(active=True), course, "site")}
    return [
        SiteGoLiveStatus(
            site=site,
            figures=Breakdown(
                label=site.name,
                key=site.slug,
                total=rows.get(site.pk, {}).get("total", 0),
                trained=rows.get(site.pk, {}).get("trained", 0),
                booked=rows.get(site.pk, {}).get("booked", 0),
            ),
            threshold=threshold,
        )
        for site in Site.objects.order_by("name")
    ]


def site_go_live_get(*, site: Site, course: Course | None) -> SiteGoLiveStatus:
    """One site's trained share against the threshold, counted as the readiness page counts (one
    query), from the site row as given (lock it first to count at the moment of a switch)."""
    (row,) = _grouped(StaffMember.objects.filter(active=True, site=site), course, "site") or [{"total": 0}]
    figures = Breakdown(
        label=site.name,
        key=site.slug,
        total=row["total"],
        trained=row.get("trained", 0),
        booked=row.get("booked", 0),
    )
    return SiteGoLiveStatus(site=site, figures=figures, threshold=conf.go_live_threshold_percent())
