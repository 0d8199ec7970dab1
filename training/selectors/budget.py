"""Reads for the support plan against its budget: the figures entered, the rota as recorded, the
plan, and the arithmetic in training.budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count

from training.budget import BudgetInputs, SupportCosting, support_costing
from training.models import RotaAssignment, RotaPlanPeriod, Shift, Site, SupportBudget
from training.rota import Shortfall, rota_shortfalls

BUDGET_HISTORY_SHOWN = 10


@dataclass(frozen=True)
class SupportBudgetReport:
    today: date
    budget: SupportBudget | None  # the figures that apply (the newest entry)
    earlier: list[SupportBudget]  # the entries before it, newest first
    plan: list[RotaPlanPeriod]
    sites: int
    days_used: int  # recorded: floor walkers on the rota for shifts before today
    costing: SupportCosting | None  # None until a budget is entered
    shortfalls: list[Shortfall]  # recorded against planned: past shifts short of the plan

    @property
    def plan_starts_on(self) -> date | None:
        return self.plan[0].starts_on if self.plan else None

    @property
    def short_days(self) -> int:
        """Floor-walker days the rota was short of the plan on past shifts."""
        return sum(s.short for s in self.shortfalls)


def support_budget_current() -> SupportBudget | None:
    """The support budget's figures that apply (the newest entry), or None before any."""
    return SupportBudget.objects.select_related("entered_by").order_by("-entered_at", "-pk").first()


def support_budget_report(*, today: date) -> SupportBudgetReport:
    """The budget page: days funded, used and planned, the projected spend to the plan's end, and
    the past shifts with fewer floor walkers on the rota than planned. Four queries whatever the
    length of the plan or the rota (the budget entries, the plan, the sites, one grouped count)."""
    entries = list(
        SupportBudget.objects.select_related("entered_by").order_by("-entered_at", "-pk")[
            : BUDGET_HISTORY_SHOWN + 1
        ]
    )
    budget = entries[0] if entries else None
    plan = list(RotaPlanPeriod.objects.order_by("starts_on"))
    sites = list(Site.objects.order_by("name").values_list("pk", "name"))
    on_rota = {
        (day, site_id, shift): n
        for day, site_id, shift, n in RotaAssignment.objects.filter(date__lt=today)
        .values_list("date", "site_id", "shift")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("date", "site_id", "shift", "n")
    }
    days_used = sum(on_rota.values())
    pairs = [(p.starts_on, p.walkers_per_shift) for p in plan]
    costing = None
    until = today
    if budget is not None:
        inputs = BudgetInputs(
            total=budget.total,
            day_rate=budget.day_rate,
            consultant_day_rate=budget.consultant_day_rate,
            consultant_days_per_week=budget.consultant_days_per_week,
            plan_ends_on=budget.plan_ends_on,
        )
        costing = support_costing(
            plan=pairs, inputs=inputs, days_used=days_used, today=today, sites=len(sites)
        )
        until = min(today, budget.plan_ends_on + timedelta(days=1))
    shortfalls = (
        rota_shortfalls(
            pairs, on_rota, sites=sites, shifts=Shift.choices, since=plan[0].starts_on, until=until
        )
        if plan
        else []
    )
    return SupportBudgetReport(
        today=today,
        budget=budget,
        earlier=entries[1:],
        plan=plan,
        sites=len(sites),
        days_used=days_used,
        costing=costing,
        shortfalls=shortfalls,
    )
