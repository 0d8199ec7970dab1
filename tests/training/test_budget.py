"""Costing the floor-walker plan against its budget, and the shifts short of the plan: the pure
arithmetic in training.budget and training.rota, against small hand-computed examples (no
database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from training.budget import BudgetInputs, consultant_days, plan_periods, support_costing
from training.rota import Shortfall, rota_shortfalls

D = date.fromisoformat
PLAN = [(D("2024-01-01"), 2), (D("2024-01-08"), 1), (D("2024-01-15"), 0)]
INPUTS = BudgetInputs(
    total=Decimal("100000"),
    day_rate=Decimal("700"),
    consultant_day_rate=Decimal("1000"),
    consultant_days_per_week=Decimal("2"),
    plan_ends_on=D("2024-01-21"),
)


def test_the_costing_of_a_small_plan_matches_the_hand_count() -> None:
    """A three-week plan across 3 sites x 3 shifts, costed on Friday 5 January 2024.

    Plan: 2 per site per shift from Mon 1 Jan (18 a day), 1 from Mon 8 Jan (9 a day), 0 from
    Mon 15 Jan; the last day of support is Sun 21 Jan. Budget £100,000 at £700 a day; the
    consultant 2 days a week at £1,000. The rota recorded 70 floor-walker days before today
    (1 to 4 January planned 4 x 18 = 72: two short).

    - days funded: 100,000 / 700 = 142.86, so 142 whole days;
    - used (recorded): 70 days x £700 = £49,000;
    - planned from today: 5 to 7 Jan, 3 days x 18 = 54; 8 to 14 Jan, 7 x 9 = 63;
      15 to 21 Jan, 7 x 0 = 0; in all 117 days x £700 = £81,900;
    - the whole plan: 7 x 18 = 126, 63 and 0: 189 days, £132,300;
    - the consultant: 1 to 21 Jan is 21 days, 3 weeks x 2 = 6 days x £1,000 = £6,000;
    - projected: 49,000 + 81,900 + 6,000 = £136,900; 187 floor-walker days against 142 funded
      (45 over); remaining 100,000 - 136,900 = -£36,900, an overspend of £36,900.
    """
    costing = support_costing(plan=PLAN, inputs=INPUTS, days_used=70, today=D("2024-01-05"), sites=3)
    assert costing.days_funded == 142
    assert costing.spent == Decimal("49000.00")
    assert [(p.starts_on, p.ends_on, p.walkers_a_day, p.days, p.walker_days) for p in costing.from_today] == [
        (D("2024-01-05"), D("2024-01-07"), 18, 3, 54),
        (D("2024-01-08"), D("2024-01-14"), 9, 7, 63),
        (D("2024-01-15"), D("2024-01-21"), 0, 7, 0),
    ]
    assert costing.days_planned == 117
    assert costing.planned_spend == Decimal("81900.00")
    assert [p.walker_days for p in costing.whole_plan] == [126, 63, 0]
    assert costing.days_in_whole_plan == 189
    assert costing.whole_plan_cost == Decimal("132300.00")
    assert costing.consultant_days == Decimal("6.0")
    assert costing.consultant_cost == Decimal("6000.00")
    assert costing.projected == Decimal("136900.00")
    assert costing.days_projected == 187
    assert costing.days_left_funded == -45
    assert costing.days_over_funded == 45
    assert costing.remaining == Decimal("-36900.00")
    assert costing.overspent
    assert costing.overspend == Decimal("36900.00")


def test_a_plan_within_budget_has_money_left() -> None:
    inputs = BudgetInputs(
        total=Decimal("1500000"),
        day_rate=Decimal("706"),
        consultant_day_rate=Decimal("706"),
        consultant_days_per_week=Decimal("0"),
        plan_ends_on=D("2024-01-21"),
    )
    costing = support_costing(plan=PLAN, inputs=inputs, days_used=0, today=D("2024-01-01"), sites=3)
    assert costing.days_funded == 2124  # 1,500,000 / 706 = 2,124.6
    assert costing.projected == Decimal(189 * 706)
    assert not costing.overspent
    assert costing.remaining == Decimal(1_500_000 - 189 * 706)
    assert costing.overspend == 0


def test_after_the_plan_ends_nothing_more_is_planned() -> None:
    costing = support_costing(plan=PLAN, inputs=INPUTS, days_used=189, today=D("2024-02-01"), sites=3)
    assert costing.from_today == []
    assert costing.days_planned == 0
    assert costing.projected == Decimal(189 * 700 + 6000)


def test_with_no_plan_there_is_nothing_planned_and_no_consultant() -> None:
    costing = support_costing(plan=[], inputs=INPUTS, days_used=0, today=D("2024-01-05"), sites=3)
    assert costing.plan_starts_on is None
    assert costing.whole_plan == []
    assert costing.consultant_days == 0
    assert costing.projected == 0


def test_plan_periods_before_the_first_period_need_nobody() -> None:
    periods = plan_periods(PLAN, since=D("2023-12-25"), until=D("2024-01-02"), sites=3, day_rate=Decimal(1))
    assert [(p.starts_on, p.ends_on, p.walker_days) for p in periods] == [
        (D("2024-01-01"), D("2024-01-02"), 36)
    ]


def test_consultant_days_are_counted_to_a_tenth() -> None:
    # 1 to 10 January is 10 days: 2.5 a week x 10 / 7 = 3.571..., so 3.6 days
    assert consultant_days(per_week=Decimal("2.5"), since=D("2024-01-01"), until=D("2024-01-10")) == Decimal(
        "3.6"
    )
    assert consultant_days(per_week=Decimal("2"), since=None, until=D("2024-01-10")) == 0


def test_shortfalls_are_the_past_shifts_with_fewer_on_the_rota_than_planned() -> None:
    """Two sites, two shifts, 1 to 3 January at 2 per site per shift (nothing planned from 3 Jan):
    on 1 Jan Bow early had 1 and Bow late none; on 2 Jan everything was covered; 3 January needs
    nobody, and today (4 January) is not past yet."""
    plan = [(D("2024-01-01"), 2), (D("2024-01-03"), 0)]
    on_rota = {
        (D("2024-01-01"), 1, "early"): 1,
        (D("2024-01-01"), 2, "early"): 2,
        (D("2024-01-01"), 2, "late"): 3,
        (D("2024-01-02"), 1, "early"): 2,
        (D("2024-01-02"), 1, "late"): 2,
        (D("2024-01-02"), 2, "early"): 2,
        (D("2024-01-02"), 2, "late"): 2,
    }
    found = rota_shortfalls(
        plan,
        on_rota,
        sites=[(1, "Bow"), (2, "Hendon")],
        shifts=[("early", "Early"), ("late", "Late")],
        since=D("2024-01-01"),
        until=D("2024-01-04"),
    )
    assert found == [
        Shortfall(D("2024-01-01"), "Bow", "Early", 2, 1),
        Shortfall(D("2024-01-01"), "Bow", "Late", 2, 0),
    ]
    assert [s.short for s in found] == [1, 2]
