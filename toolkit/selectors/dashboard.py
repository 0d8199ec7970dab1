"""Outcome dashboards: decisions, outcomes, deployment rate, overrides, escalations, re-assessments
and time to decision, by day, week or month, element and site; and deployments against the
pre-go-live baseline beside Humberside's reported results. Reads only.

Closed decisions come from the daily counts (`DailyCount`, kept in the transaction that closes
each decision); open calls in the range are counted live from the decisions themselves, with
the same `measures_of`, so the figures are exact at any moment. Escalations are in the daily
counts too, by the London day they were raised, counted in the transaction that raises each.
Whole weeks and months are read from their own rows (kept beside the day rows), the days at the
edges of the range from the day rows: 2,000,000 decisions over two years are about 245,000 day
rows, which take a second to add up, but some 20,000 rows in the weeks and months (joining every
escalation to its decision to count them took two). Five queries whatever the range.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import DateField, Q, Sum, Value
from django.db.models.functions import Replace, TruncDay, TruncMonth, TruncWeek

from policies import flow as engine
from toolkit.measures import ESCALATION, FIELDS, SECONDS_BUCKETS, SLOWER, Key, count_rows
from toolkit.models import DailyCount, Decision, DeploymentBaseline
from toolkit.selectors.log import midnight

PERIODS = {"day": "Day", "week": "Week (from Monday)", "month": "Month"}
MAX_BUCKETS = {"day": 100, "week": 160, "month": 120}
CATEGORY_ORDER = [*[str(c) for c in engine.CATEGORIES], ""]
CATEGORY_NAMES = {**{str(c): label for c, label in engine.CATEGORY_LABELS.items()}, "": "No outcome reached"}
DEPLOYED = {str(c) for c in engine.POLICE_ATTEND}
# Humberside's reported change in deployments after RCRP, by element slug (domain.md §11: reported
# over three years, no public source found; MPS policy owners to confirm).
HUMBERSIDE = {"welfare": -80, "awol": -28, "s136": -28}
HUMBERSIDE_OVERALL = -8
HUMBERSIDE_NOTE = (
    "Reported for Humberside over three years: 80% fewer concern-for-welfare deployments, 28% fewer "
    "AWOL or missing and section 136 deployments, 8% less demand overall. No public source has been "
    "found for these figures; treat them as a guide, not a target."
)


@dataclass(frozen=True)
class DashboardFilter:
    date_from: dt.date
    date_to: dt.date
    period: str = "day"
    element: int | None = None  # the element's pk
    site: int | None = None

    @property
    def start(self) -> dt.datetime:
        return midnight(self.date_from)

    @property
    def end(self) -> dt.datetime:
        return midnight(self.date_to + dt.timedelta(days=1))


def bucket_of(day: dt.date, period: str) -> dt.date:
    """The first day of the day, week (Monday) or month that `day` falls in."""
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def buckets_between(start: dt.date, end: dt.date, period: str) -> list[dt.date]:
    """Every bucket from the one holding `start` to the one holding `end`, in order."""
    found, day = [], bucket_of(start, period)
    while day <= end:
        found.append(day)
        if period == "month":
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        else:
            day += dt.timedelta(days=7 if period == "week" else 1)
    return found


def median_seconds(histogram: Mapping[str, int]) -> float | None:
    """The median of a time-to-decision histogram, interpolated within its bucket (None if empty)."""
    total = sum(histogram.values())
    if not total:
        return None
    half, seen, lower = total / 2, 0, 0
    for bound in SECONDS_BUCKETS:
        n = histogram.get(str(bound), 0)
        if n and seen + n >= half:
            return lower + (bound - lower) * (half - seen) / n
        seen, lower = seen + n, bound
    return float(SECONDS_BUCKETS[-1])  # beyond the last bound: shown as "over an hour"


@dataclass
class Figures:
    """The figures of one bucket, element or site (or the whole range)."""

    label: str
    decisions: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    modifiers: Counter[str] = field(default_factory=Counter)
    overrides: int = 0
    reassessments: int = 0
    escalations: int = 0
    seconds: Counter[str] = field(default_factory=Counter)

    def add(self, measure: str, n: int) -> None:
        kind, _, value = measure.partition(":")
        if kind == "decisions":
            self.decisions += n
        elif kind == "category":
            self.categories[value] += n
        elif kind == "modifier":
            self.modifiers[value] += n
        elif kind == "override":
            self.overrides += n
        elif kind == "reassessment":
            self.reassessments += n
        elif kind == "seconds":
            self.seconds[value] += n
        elif kind == ESCALATION:
            self.escalations += n

    @property
    def modifier_rows(self) -> list[tuple[str, int]]:
        return sorted(self.modifiers.items())

    @property
    def with_outcome(self) -> int:
        return self.decisions - self.categories.get("", 0)

    @property
    def deployed(self) -> int:
        return sum(n for category, n in self.categories.items() if category in DEPLOYED)

    @property
    def deployment_rate(self) -> float | None:
        """Percentage of the decisions that reached an outcome where police attend."""
        return round(100 * self.deployed / self.with_outcome, 1) if self.with_outcome else None

    @property
    def median_seconds(self) -> float | None:
        return median_seconds(self.seconds)

    @property
    def over_an_hour(self) -> bool:
        return bool(self.seconds.get(SLOWER)) and self.seconds[SLOWER] * 2 >= sum(self.seconds.values())

    @property
    def median_text(self) -> str:
        """The median time to decision in words ("1 min 20 s"), or a dash when none reached one."""
        seconds = self.median_seconds
        if seconds is None:
            return "\u2013"
        if self.over_an_hour:
            return "over an hour"
        whole = round(seconds)
        return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"

    def category_counts(self) -> list[int]:
        return [self.categories.get(c, 0) for c in CATEGORY_ORDER]


@dataclass(frozen=True)
class BaselineRow:
    element: str
    months: int  # calendar months of the range with a baseline figure for the same month
    baseline: float  # the baseline's deployments over those months (part months pro rata)
    actual: int
    humberside: int | None

    @property
    def change(self) -> float | None:
        return round(100 * (self.actual - self.baseline) / self.baseline, 1) if self.baseline else None


@dataclass
class Dashboard:
    chosen: DashboardFilter
    buckets: list[Figures]
    total: Figures
    by_element: list[Figures]
    by_site: list[Figures]
    baseline: list[BaselineRow] | None  # None when a site is chosen (the baseline is the whole Met's)
    modifiers: list[str]
    open_calls: int

    def chart_data(self) -> dict[str, Any]:
        """What the charts draw (the tables on the page show the same figures)."""
        labels = [b.label for b in self.buckets]
        return {
            "outcomes": {
                "labels": labels,
                "series": [
                    {"label": CATEGORY_NAMES[c], "data": [b.categories.get(c, 0) for b in self.buckets]}
                    for c in CATEGORY_ORDER
                ],
                "stacked": True,
            },
            "rate": {
                "labels": labels,
                "series": [
                    {"label": "Deployment rate (%)", "data": [b.deployment_rate for b in self.buckets]}
                ],
                "type": "line",
            },
            "baseline": {
                "labels": [row.element for row in self.baseline or []],
                "series": [
                    {
                        "label": "Baseline deployments",
                        "data": [round(r.baseline) for r in self.baseline or []],
                    },
                    {"label": "Deployments in the range", "data": [r.actual for r in self.baseline or []]},
                ],
            },
        }


def _label(day: dt.date, period: str) -> str:
    if period == "month":
        return f"{day:%b %Y}"
    if period == "week":
        return f"w/c {day:%d %b %Y}"
    return f"{day:%a %d %b %Y}"


def _live_open(chosen: DashboardFilter) -> Counter[Key]:
    """The open calls in the range, counted as they stand (they join the daily counts on closing)."""
    qs = Decision.objects.filter(
        status=Decision.Status.IN_PROGRESS, started_at__gte=chosen.start, started_at__lt=chosen.end
    )
    if chosen.element:
        qs = qs.filter(element_id=chosen.element)
    if chosen.site:
        qs = qs.filter(site_id=chosen.site)
    return count_rows(qs.order_by().values(*FIELDS))


def _span_end(start: dt.date, span: str) -> dt.date:
    if span == "week":
        return start + dt.timedelta(days=6)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _counts(chosen: DashboardFilter, span: str, measures: Iterable[str] = ()) -> Any:
    """The daily counts of the range, as few rows as will do: the week or month rows of the weeks
    or months wholly in it (dated their first day), and the day rows of the days at its edges that
    are not (every day row when `span` is "day"). Filtered by element, site and `measures`; the
    `name` annotation is the measure without the span's prefix."""
    wanted = list(measures)
    parts, whole = [], []
    for start in buckets_between(chosen.date_from, chosen.date_to, span):
        end = start if span == "day" else _span_end(start, span)
        if span != "day" and start >= chosen.date_from and end <= chosen.date_to:
            whole.append(start)
        else:
            parts.append(Q(day__gte=max(start, chosen.date_from), day__lte=min(end, chosen.date_to)))
    conditions = []
    if parts:
        daily = Q(*parts, _connector=Q.OR) & ~Q(measure__contains="/")
        conditions.append(daily & Q(measure__in=wanted) if wanted else daily)
    if whole:
        names = (
            Q(measure__in=[f"{span}/{m}" for m in wanted]) if wanted else Q(measure__startswith=f"{span}/")
        )
        conditions.append(Q(day__in=whole) & names)
    qs = DailyCount.objects.filter(Q(*conditions, _connector=Q.OR))
    if chosen.element:
        qs = qs.filter(element_pk=chosen.element)
    if chosen.site:
        qs = qs.filter(site_pk=chosen.site)
    return qs.order_by().annotate(name=Replace("measure", Value(f"{span}/"), Value("")))


TRUNC = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def dashboard_get(
    chosen: DashboardFilter, *, elements: Mapping[int, Any], sites: Mapping[int, Any]
) -> Dashboard:
    """Every figure of the dashboard for the filter; `elements` and `sites` name them by pk."""
    period = chosen.period
    buckets = {
        day: Figures(_label(day, period)) for day in buckets_between(chosen.date_from, chosen.date_to, period)
    }
    total = Figures("All")
    by_element: dict[int, Figures] = {}
    by_site: dict[int, Figures] = {}
    element_months: dict[tuple[dt.date, int], int] = defaultdict(int)

    def element_row(pk: int) -> Figures:
        return by_element.setdefault(
            pk, Figures(getattr(elements.get(pk), "title", "Deploy, no element chosen"))
        )

    def site_row(pk: int) -> Figures:
        return by_site.setdefault(pk, Figures(getattr(sites.get(pk), "name", "No site")))

    # Three small aggregates of a few thousand rows (two years by month: about 20,000).
    counts = _counts(chosen, period)
    bucket = TRUNC[period]("day", output_field=DateField())
    for day, measure, n in (
        counts.annotate(bucket=bucket).values_list("bucket", "name").annotate(n=Sum("count"))
    ):
        buckets[day].add(measure, n)
        total.add(measure, n)
    for element, site, measure, n in counts.values_list("element_pk", "site_pk", "name").annotate(
        n=Sum("count")
    ):
        element_row(element).add(measure, n)
        site_row(site).add(measure, n)
    police = [f"category:{c}" for c in sorted(DEPLOYED)]
    monthly = _counts(chosen, "month", police).annotate(month=TruncMonth("day", output_field=DateField()))
    for month, element, n in monthly.values_list("month", "element_pk").annotate(n=Sum("count")):
        element_months[month, element] += n

    live = _live_open(chosen)
    for (day, element, site, measure), n in live.items():
        buckets[bucket_of(day, period)].add(measure, n)
        total.add(measure, n)
        element_row(element).add(measure, n)
        site_row(site).add(measure, n)
        if measure in police:
            element_months[day.replace(day=1), element] += n

    baseline = None if chosen.site else _baseline(chosen, element_months, elements)
    modifiers = sorted(total.modifiers)
    return Dashboard(
        chosen=chosen,
        buckets=list(buckets.values()),
        total=total,
        by_element=[by_element[pk] for pk in sorted(by_element, key=lambda pk: by_element[pk].label)],
        by_site=[by_site[pk] for pk in sorted(by_site, key=lambda pk: by_site[pk].label)],
        baseline=baseline,
        modifiers=modifiers,
        open_calls=live_open_count(live),
    )


def live_open_count(live: Counter[Key]) -> int:
    return sum(n for (_, _, _, measure), n in live.items() if measure == "decisions")


def _baseline(
    chosen: DashboardFilter, element_months: Mapping[tuple[dt.date, int], int], elements: Mapping[int, Any]
) -> list[BaselineRow]:
    """Per element with a baseline: deployments in the range against the baseline for the same
    calendar months (the most recent baseline year for each; part months pro rata; one query)."""
    months = [(m, _share(m, chosen)) for m in buckets_between(chosen.date_from, chosen.date_to, "month")]
    qs = DeploymentBaseline.objects.filter(month__lt=chosen.date_from).order_by("month")
    if chosen.element:
        qs = qs.filter(element_id=chosen.element)
    latest: dict[tuple[int, int], int] = {}
    for entry in qs.values("element_id", "month", "deployments"):
        latest[entry["element_id"], entry["month"].month] = entry["deployments"]  # later years win
    rows = []
    for pk in sorted({pk for pk, _ in latest}, key=lambda pk: getattr(elements.get(pk), "order", 0)):
        compared = [(m, share) for m, share in months if (pk, m.month) in latest]
        if not compared:
            continue
        rows.append(
            BaselineRow(
                element=getattr(elements.get(pk), "title", "?"),
                months=len(compared),
                baseline=sum(latest[pk, m.month] * share for m, share in compared),
                actual=sum(element_months.get((m, pk), 0) for m, _ in compared),
                humberside=HUMBERSIDE.get(getattr(elements.get(pk), "slug", "")),
            )
        )
    return rows


def _share(month: dt.date, chosen: DashboardFilter) -> float:
    """The share of the calendar month that the chosen range covers."""
    days = calendar.monthrange(month.year, month.month)[1]
    first = max(month, chosen.date_from)
    last = min(month.replace(day=days), chosen.date_to)
    return ((last - first).days + 1) / days


def baseline_list() -> Iterable[DeploymentBaseline]:
    return DeploymentBaseline.objects.select_related("element", "recorded_by").order_by(
        "element__order", "-month"
    )
