"""Floor-walker rota arithmetic (no database)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from training.rota import shift_at, walkers_required


@pytest.mark.parametrize(
    ("clock", "shift"),
    [
        ("06:59", "night"),
        ("07:00", "early"),
        ("14:59", "early"),
        ("15:00", "late"),
        ("22:59", "late"),
        ("23:00", "night"),
        ("00:30", "night"),
    ],
)
def test_shift_at(clock: str, shift: str) -> None:
    assert shift_at(datetime.fromisoformat(f"2023-11-01T{clock}")) == shift


PLAN = [(date(2023, 11, 1), 2), (date(2024, 2, 1), 1), (date(2024, 5, 1), 0)]


@pytest.mark.parametrize(
    ("day", "needed"),
    [
        (date(2023, 10, 31), 0),  # before the plan starts
        (date(2023, 11, 1), 2),  # 18 a day across 3 sites x 3 shifts
        (date(2024, 1, 31), 2),
        (date(2024, 2, 1), 1),
        (date(2024, 5, 1), 0),  # six months on: support ends
    ],
)
def test_walkers_required_follows_the_latest_period(day: date, needed: int) -> None:
    assert walkers_required(PLAN, day) == needed
    assert walkers_required(list(reversed(PLAN)), day) == needed
