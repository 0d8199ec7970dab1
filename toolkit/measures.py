"""What a decision counts towards on the outcome dashboards (pure: no database).

The incremental daily counts (`services.rollup.rollup_add`), their rebuild, and the dashboards'
live count of open calls all use `measures_of`, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.utils import timezone

# Upper bounds (seconds) of the time-to-decision histogram: every 10 s to two minutes, then wider.
SECONDS_BUCKETS = (*range(10, 121, 10), 150, 180, 240, 300, 420, 600, 900, 1800, 3600)
SLOWER = "more"
FIELDS = (
    "started_at",
    "element_id",
    "site_id",
    "outcome_category",
    "outcome_modifiers",
    "override",
    "follows_id",
    "outcome_reached_at",
)
Key = tuple[dt.date, int, int, str]


def seconds_bucket(seconds: float) -> str:
    """The histogram bucket a time to decision falls in ("60" holds 50 < s <= 60)."""
    for bound in SECONDS_BUCKETS:
        if seconds <= bound:
            return str(bound)
    return SLOWER


def measures_of(row: Mapping[str, Any]) -> Iterator[Key]:
    """Every (day, element, site, measure) a decision counts one towards (`row` holds FIELDS)."""
    day = timezone.localdate(row["started_at"], timezone.get_default_timezone())
    where = (day, row["element_id"] or 0, row["site_id"] or 0)
    yield (*where, "decisions")
    yield (*where, f"category:{row['outcome_category']}")
    for modifier in row["outcome_modifiers"] or ():
        yield (*where, f"modifier:{modifier}")
    if row["override"]:
        yield (*where, "override")
    if row["follows_id"]:
        yield (*where, "reassessment")
    if row["outcome_reached_at"]:
        seconds = (row["outcome_reached_at"] - row["started_at"]).total_seconds()
        yield (*where, f"seconds:{seconds_bucket(seconds)}")


def count_rows(rows: Iterable[Mapping[str, Any]]) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for row in rows:
        counts.update(measures_of(row))
    return counts
