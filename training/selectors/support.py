"""Reads about policy acknowledgements, the floor-walker rota and plan, and the support log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from policies.models import PolicyVersion
from rcrp.accounts.errors import NotFound
from rcrp.accounts.models import User
from training import readiness
from training.models import (
    PolicyAcknowledgement,
    RotaAssignment,
    RotaPlanPeriod,
    Shift,
    Site,
    SupportLogEntry,
)
from training.rota import SHIFT_HOURS, walkers_required


def _with_perm(codename: str) -> Q:
    """Users whose roles grant accounts.<codename> (roles are the only way permissions are given)."""
    return Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label="accounts")


def users_who_take_calls() -> QuerySet[User]:
    """Active users whose roles let them take calls (who must acknowledge policy changes)."""
    return (
        User.objects.filter(is_active=True).filter(_with_perm("take_calls") | Q(is_superuser=True)).distinct()
    )


def floor_walker_choices() -> QuerySet[User]:
    """Active users who can support the floor (floor walkers, supervisors, administrators)."""
    return (
        User.objects.filter(is_active=True)
        .filter(_with_perm("support_floor") | Q(is_superuser=True))
        .distinct()
        .order_by("display_name")
    )


def acknowledgement_list_pending(*, user: User) -> list[PolicyVersion]:
    """Published versions that need acknowledging and this user has not yet acknowledged."""
    if not user.has_perm("accounts.take_calls"):
        return []
    return list(
        PolicyVersion.objects.published()
        .filter(acknowledgement_required=True)
        .exclude(Exists(PolicyAcknowledgement.objects.filter(policy_version=OuterRef("pk"), user=user)))
        .select_related("element")
        .order_by("element__order", "number")
    )


def acknowledgement_list_for_user(*, user: User) -> list[PolicyAcknowledgement]:
    """What this user has acknowledged, newest first."""
    return list(
        PolicyAcknowledgement.objects.filter(user=user).select_related("policy_version__element")[:50]
    )


@dataclass(frozen=True)
class AcknowledgementRow:
    version: PolicyVersion
    acknowledged: int
    expected: int

    @property
    def outstanding(self) -> int:
        return max(self.expected - self.acknowledged, 0)


def acknowledgement_overview() -> list[AcknowledgementRow]:
    """Each version that needed acknowledging, with how many call handlers have done so."""
    callers = users_who_take_calls()
    expected = callers.count()
    versions = (
        PolicyVersion.objects.filter(acknowledgement_required=True)
        .exclude(published_at__isnull=True)
        .select_related("element")
        .annotate(acked=Count("acknowledgements", filter=Q(acknowledgements__user__in=callers)))
        .order_by("-published_at")
    )
    return [AcknowledgementRow(version=v, acknowledged=v.acked, expected=expected) for v in versions]


@dataclass(frozen=True)
class AcknowledgementDetail:
    version: PolicyVersion
    acknowledged: list[PolicyAcknowledgement]
    outstanding: list[User]


def acknowledgement_get_detail(*, pk: int) -> AcknowledgementDetail:
    """Who acknowledged a version and when, and which call handlers have not (NotFound if the
    version never needed acknowledging)."""
    version = (
        PolicyVersion.objects.select_related("element").filter(acknowledgement_required=True, pk=pk).first()
    )
    if version is None:
        raise NotFound("No such policy version to acknowledge")
    acknowledged = list(
        version.acknowledgements.select_related("user__staff_record__site").order_by("-acknowledged_at")
    )
    outstanding = list(
        users_who_take_calls()
        .exclude(Exists(PolicyAcknowledgement.objects.filter(policy_version=version, user=OuterRef("pk"))))
        .select_related("staff_record__site")
        .order_by("display_name")
    )
    return AcknowledgementDetail(version=version, acknowledged=acknowledged, outstanding=outstanding)


@dataclass(frozen=True)
class RotaCell:
    site: Site
    shift: str
    shift_label: str
    required: int
    assigned: list[RotaAssignment]

    @property
    def gap(self) -> int:
        return max(self.required - len(self.assigned), 0)


@dataclass(frozen=True)
class RotaDay:
    day: date
    required_per_shift: int
    cells: list[RotaCell]

    @property
    def required(self) -> int:
        return sum(c.required for c in self.cells)

    @property
    def assigned(self) -> int:
        return sum(len(c.assigned) for c in self.cells)


def rota_week(*, start: date) -> list[RotaDay]:
    """Seven days from the Monday of `start`: for each site and shift, who is on and how many the
    plan needs (three queries)."""
    monday = readiness.week_start(start)
    days = [monday + timedelta(days=i) for i in range(7)]
    sites = list(Site.objects.order_by("name"))
    plan = list(RotaPlanPeriod.objects.values_list("starts_on", "walkers_per_shift"))
    assignments: dict[tuple[date, int, str], list[RotaAssignment]] = {}
    for a in (
        RotaAssignment.objects.filter(date__range=(days[0], days[-1]))
        .select_related("floor_walker")
        .order_by("floor_walker__display_name")
    ):
        assignments.setdefault((a.date, a.site_id, a.shift), []).append(a)
    week = []
    for day in days:
        needed = walkers_required(plan, day)
        cells = [
            RotaCell(
                site=site,
                shift=shift.value,
                shift_label=f"{shift.label} ({SHIFT_HOURS[shift.value]})",
                required=needed,
                assigned=assignments.get((day, site.pk, shift.value), []),
            )
            for site in sites
            for shift in Shift
        ]
        week.append(RotaDay(day=day, required_per_shift=needed, cells=cells))
    return week


def rota_plan_list() -> list[RotaPlanPeriod]:
    return list(RotaPlanPeriod.objects.order_by("starts_on"))


def rota_assignment_get(*, pk: int) -> RotaAssignment:
    """One rota assignment with its site and floor walker, or NotFound."""
    assignment = RotaAssignment.objects.select_related("site", "floor_walker").filter(pk=pk).first()
    if assignment is None:
        raise NotFound("No such rota assignment")
    return assignment


def rota_plan_period_get(*, pk: int) -> RotaPlanPeriod:
    """One period of the floor-walker plan, or NotFound."""
    period = RotaPlanPeriod.objects.filter(pk=pk).first()
    if period is None:
        raise NotFound("No such plan period")
    return period


@dataclass(frozen=True)
class SupportSummary:
    since: date
    total: int
    with_decision: int
    by_topic: list[tuple[str, int]]
    by_site: list[tuple[str, int]]
    by_shift: list[tuple[str, int]]
    by_week: list[tuple[date, int]]
    handlers_helped: int
    recent: list[SupportLogEntry]


def support_summary(*, since: date, today: date) -> SupportSummary:
    """Support given since a date, counted by topic, site, shift and week (in the database),
    with the latest 25 entries."""
    entries = SupportLogEntry.objects.filter(occurred_at__date__gte=since)
    topics = dict(SupportLogEntry.Topic.choices)
    shifts = dict(Shift.choices)
    by_topic = Counter(
        dict(entries.values_list("topic").annotate(n=Count("pk")).order_by().values_list("topic", "n"))
    )
    by_site = dict(
        entries.values_list("site__name").annotate(n=Count("pk")).order_by().values_list("site__name", "n")
    )
    by_shift = Counter(
        dict(entries.values_list("shift").annotate(n=Count("pk")).order_by().values_list("shift", "n"))
    )
    per_day = dict(
        entries.values_list("occurred_at__date")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("occurred_at__date", "n")
    )
    totals = entries.aggregate(
        total=Count("pk"),
        with_decision=Count("pk", filter=~Q(decision_reference="")),
        handlers=Count("handler", distinct=True),
    )
    return SupportSummary(
        since=since,
        total=totals["total"],
        with_decision=totals["with_decision"],
        by_topic=[(label, by_topic[key]) for key, label in topics.items() if by_topic[key]],
        by_site=[(s.name, by_site.get(s.name, 0)) for s in Site.objects.order_by("name")],
        by_shift=[(label, by_shift[key]) for key, label in shifts.items()],
        by_week=readiness.weekly_series(per_day, since=since, until=today),
        handlers_helped=totals["handlers"],
        recent=list(
            entries.select_related("floor_walker", "handler", "site").order_by("-occurred_at", "-pk")[:25]
        ),
    )


def support_list_for_walker(*, user: User, limit: int = 10) -> list[SupportLogEntry]:
    """The floor walker's own latest entries."""
    return list(
        SupportLogEntry.objects.filter(floor_walker=user)
        .select_related("handler", "site")
        .order_by("-occurred_at")[:limit]
    )
