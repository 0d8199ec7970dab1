"""Costing the floor-walker support plan against its budget: pure functions (no Django, no
database), so the budget page's figures can be checked against a small hand-computed plan
(tests/training/test_budget.py).

Definitions:
- one floor walker on one shift is one day at the day rate;
- days funded = budget / day rate, in whole days (rounded down);
- days used (recorded) = floor walkers on the rota for shifts on days before today;
- days planned (planned) = walkers per site per shift x sites x 3 shifts, for each day of each
  plan period from today to the plan's last day (a period runs until the next one starts);
- the senior consultant for challenges and escalations is a line of its own: days per week x
  the weeks from the plan's first day to its last, at the consultant's day rate (planned);
- projected spend = days used x day rate + days planned x day rate + the consultant line;
  remaining = budget - projected spend (below zero: an overspend).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

SHIFTS_PER_DAY = 3
PENNY = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class BudgetInputs:
    """The figures an administrator enters (training.models.SupportBudget)."""

    total: Decimal
    day_rate: Decimal
    consultant_day_rate: Decimal
    consultant_days_per_week: Decimal
    plan_ends_on: date


@dataclass(frozen=True)
class PlannedPeriod:
    """One plan period, clipped to the days being costed (both ends included)."""

    starts_on: date
    ends_on: date
    walkers_per_shift: int
    walkers_a_day: int
    days: int  # calendar days
    walker_days: int
    cost: Decimal


def plan_periods(
    plan: Sequence[tuple[date, int]], *, since: date, until: date, sites: int, day_rate: Decimal
) -> list[PlannedPeriod]:
    """The plan's periods between `since` and `until` (both included), each with its floor-walker
    days and their cost. Days before the first period need nobody."""
    ordered = sorted(plan)
    periods = []
    for index, (starts_on, per_shift) in enumerate(ordered):
        ends_on = ordered[index + 1][0] - timedelta(days=1) if index + 1 < len(ordered) else until
        first, last = max(starts_on, since), min(ends_on, until)
        if first > last:
            continue
        days = (last - first).days + 1
        a_day = per_shift * sites * SHIFTS_PER_DAY
        periods.append(
            PlannedPeriod(
                starts_on=first,
                ends_on=last,
                walkers_per_shift=per_shift,
                walkers_a_day=a_day,
                days=days,
                walker_days=a_day * days,
                cost=(a_day * days * day_rate).quantize(PENNY),
            )
        )
    return periods


@dataclass(frozen=True)
class SupportCosting:
    inputs: BudgetInputs
    today: date
    plan_starts_on: date | None
    days_used: int  # recorded
    whole_plan: list[PlannedPeriod]  # planned, from the plan's first day to its last
    from_today: list[PlannedPeriod]  # planned, from today to the plan's last day
    consultant_days: Decimal  # planned

    @property
    def days_funded(self) -> int:
        return int((self.inputs.total / self.inputs.day_rate).to_integral_value(rounding=ROUND_DOWN))

    @property
    def days_planned(self) -> int:
        """Floor-walker days still to come, from today to the plan's end."""
        return sum(p.walker_days for p in self.from_today)

    @property
    def days_in_whole_plan(self) -> int:
        return sum(p.walker_days for p in self.whole_plan)

    @property
    def days_projected(self) -> int:
        return self.days_used + self.days_planned

    @property
    def days_left_funded(self) -> int:
        """Funded days not yet used or planned (below zero: more planned than funded)."""
        return self.days_funded - self.days_projected

    @property
    def days_over_funded(self) -> int:
        return max(-self.days_left_funded, 0)

    @property
    def spent(self) -> Decimal:
        return (self.days_used * self.inputs.day_rate).quantize(PENNY)

    @property
    def planned_spend(self) -> Decimal:
        return sum((p.cost for p in self.from_today), Decimal("0.00"))

    @property
    def whole_plan_cost(self) -> Decimal:
        return sum((p.cost for p in self.whole_plan), Decimal("0.00"))

    @property
    def consultant_cost(self) -> Decimal:
        return (self.consultant_days * self.inputs.consultant_day_rate).quantize(PENNY)

    @property
    def projected(self) -> Decimal:
        return self.spent + self.planned_spend + self.consultant_cost

    @property
    def remaining(self) -> Decimal:
        """Budget left after the projected spend (below zero: the overspend)."""
        return self.inputs.total - self.projected

    @property
    def overspent(self) -> bool:
        return self.remaining < 0

    @property
    def overspend(self) -> Decimal:
        return max(-self.remaining, Decimal("0.00"))


def consultant_days(*, per_week: Decimal, since: date | None, until: date) -> Decimal:
    """The consultant's days from `since` to `until` (both included) at `per_week`, to a tenth."""
    if since is None or since > until:
        return Decimal("0.0")
    calendar_days = (until - since).days + 1
    return (per_week * calendar_days / 7).quantize(TENTH, rounding=ROUND_HALF_UP)


def support_costing(
    *, plan: Sequence[tuple[date, int]], inputs: BudgetInputs, days_used: int, today: date, sites: int
) -> SupportCosting:
    """Cost the taper plan to its end against the budget (see the module docstring)."""
    starts_on = min((day for day, _ in plan), default=None)
    end = inputs.plan_ends_on
    whole = (
        plan_periods(plan, since=starts_on, until=end, sites=sites, day_rate=inputs.day_rate)
        if starts_on is not None
        else []
    )
    ahead = plan_periods(plan, since=today, until=end, sites=sites, day_rate=inputs.day_rate)
    return SupportCosting(
        inputs=inputs,
        today=today,
        plan_starts_on=starts_on,
        days_used=days_used,
        whole_plan=whole,
        from_today=ahead,
        consultant_days=consultant_days(per_week=inputs.consultant_days_per_week, since=starts_on, until=end),
    )
