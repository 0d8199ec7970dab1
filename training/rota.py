"""Floor-walker rota arithmetic: pure functions (no Django, no database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

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


@dataclass(frozen=True)
class Shortfall:
    """A shift that had fewer floor walkers on the rota than the plan needed."""

    day: date
    site: str
    shift: str
    planned: int
    on_rota: int

    @property
    def short(self) -> int:
        return self.planned - self.on_rota


def rota_shortfalls(
    plan: Sequence[tuple[date, int]],
    on_rota: Mapping[tuple[date, int, str], int],
    *,
    sites: Sequence[tuple[int, str]],
    shifts: Sequence[tuple[str, str]],
    since: date,
    until: date,
) -> list[Shortfall]:
    """Every shift from `since` up to (not including) `until` with fewer floor walkers on the rota
    (`on_rota`: (day, site id, shift) -> how many) than the plan needed, newest first. `sites`
    are (id, name) and `shifts` (value, label), each in display order."""
    found = []
    day = until - timedelta(days=1)
    while day >= since:
        needed = walkers_required(plan, day)
        if needed:
            for site_id, site_name in sites:
                for shift, shift_label in shifts:
                    have = on_rota.get((day, site_id, shift), 0)
                    if have < needed:
                        found.append(Shortfall(day, site_name, shift_label, needed, have))
        day -= timedelta(days=1)
    return found
