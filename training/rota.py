"""Floor-walker rota arithmetic: pure functions (no Django, no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

# MetCC's three shifts by local start hour: early 07:00, late 15:00, night 23:00 (to 07:00).
SHIFT_HOURS = {"early": "07:00 to 15:00", "late": "15:00 to 23:00", "night": "23:00 to 07:00"}


def shift_at(moment: datetime) -> str:
    """The shift a local time falls in (a night shift runs past midnight)."""
    clock = moment.time()
    if time(7) <= clock < time(15):
        return "early"
    if time(15) <= clock < time(23):
        return "late"
    return "night"


def walkers_required(plan: Sequence[tuple[date, int]], day: date) -> int:
    """Floor walkers needed per site per shift on `day`: the latest plan period starting on or
    before it (0 before the first period: no support planned)."""
    needed = 0
    for starts_on, per_shift in sorted(plan):
        if starts_on > day:
            break
        needed = per_shift
    return needed
