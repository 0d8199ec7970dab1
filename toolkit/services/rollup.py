"""The dashboards' daily counts: a closed decision is counted once, in the transaction that closes it.

`rollup_add` is called by every service that closes a decision; `rollup_rebuild` recomputes the
table after a bulk seed or to check it. Both count with `toolkit.measures.measures_of`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.db import connection, transaction

from toolkit.measures import FIELDS, Key, count_rows, measures_of
from toolkit.models import DailyCount, Decision


def _upsert(counts: Mapping[Key, int]) -> None:
    """Add the counts (one INSERT ... ON CONFLICT, the same on PostgreSQL and SQLite)."""
    if not counts:
        return
    table = connection.ops.quote_name(DailyCount._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(counts))
    params: list[Any] = []
    for (day, element, site, measure), n in counts.items():
        params += [day, element, site, measure, n]
    with connection.cursor() as cursor:
        # Only the model's own table name and placeholders are formatted in; every value is a parameter.
        cursor.execute(
            f"INSERT INTO {table} (day, element_pk, site_pk, measure, count) VALUES {values} "  # noqa: S608
            "ON CONFLICT (day, element_pk, site_pk, measure) "
            f"DO UPDATE SET count = {table}.count + excluded.count",
            params,
        )


def rollup_add(decision: Decision) -> None:
    """Count a decision that has just closed (call inside the transaction that closes it)."""
    _upsert(count_rows([{name: getattr(decision, name) for name in FIELDS}]))


@transaction.atomic
def rollup_rebuild(*, batch: int = 5000) -> int:
    """Recompute every daily count from the closed decisions; returns how many were counted."""
    DailyCount.objects.all().delete()
    closed = Decision.objects.exclude(status=Decision.Status.IN_PROGRESS).order_by().values(*FIELDS)
    counts: Counter[Key] = Counter()
    total = 0
    for row in closed.iterator(chunk_size=batch):
        counts.update(measures_of(row))
        total += 1
    items = list(counts.items())
    for start in range(0, len(items), 500):
        _upsert(dict(items[start : start + 500]))
    return total
