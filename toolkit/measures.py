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
# Escalations are counted by the London day they were raised, with their decision's element and site.
ESCALATION = "escalation"
# Beside each day's rows, its week's (day = the Monday) and its month's (day = the 1st) hold the same
# counts summed, as "week/<measure>" and "month/<measure>": a long range reads a few thousand rows.
SPANS = ("week", "month")
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


def escalation_key(raised_at: dt.datetime, element_id: int | None, site_id: int | None) -> Key:
    """The (day, element, site, measure) an escalation counts one towards."""
    day = timezone.localdate(raised_at, timezone.get_default_timezone())
    return (day, element_id or 0, site_id or 0, ESCALATION)


def span_start(day: dt.date, span: str) -> dt.date:
    """The Monday of the day's week, or the 1st of its month."""
    return day - dt.timedelta(days=day.weekday()) if span == "week" else day.replace(day=1)


def with_spans(counts: Mapping[Key, int]) -> Counter[Key]:
    """The daily counts and, summed, their week and month rows."""
    out: Counter[Key] = Counter(counts)
    for (day, element, site, measure), n in counts.items():
        for span in SPANS:
            out[span_start(day, span), element, site, f"{span}/{measure}"] += n
    return out


def count_rows(rows: Iterable[Mapping[str, Any]]) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for row in rows:
        counts.update(measures_of(row))
    return counts
