"""The dashboards' daily counts: a closed decision is counted once, in the transaction that closes it.

`rollup_add` is called by every service that closes a decision, `rollup_add_escalation` by every
service that raises an escalation; `rollup_rebuild` recomputes the
table after a bulk seed or to check it. Both count with `toolkit.measures.measures_of`; on
PostgreSQL the rebuild runs as one INSERT ... SELECT that states the same rules in SQL (2,000,000
decisions in seconds rather than minutes), and a test checks it gives exactly the same rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from toolkit.measures import (
    ESCALATION,
    FIELDS,
    SECONDS_BUCKETS,
    SLOWER,
    SPANS,
    Key,
    count_rows,
    escalation_key,
    measures_of,
    with_spans,
)
from toolkit.models import DailyCount, Decision, Escalation


def _upsert(counts: Mapping[Key, int]) -> None:
    """Add the counts, and their week and month rows (one INSERT ... ON CONFLICT, the same on
    PostgreSQL and SQLite)."""
    if not counts:
        return
    counts = with_spans(counts)
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
    """Count a decision that has just closed (call inside the transaction that closes it); a
    practice call is never counted."""
    if decision.practice:
        return
    _upsert(count_rows([{name: getattr(decision, name) for name in FIELDS}]))


def rollup_add_escalation(escalation: Escalation) -> None:
    """Count an escalation that has just been raised (call inside the transaction that raises it)."""
    decision = escalation.decision
    _upsert({escalation_key(escalation.raised_at, decision.element_id, decision.site_id): 1})


def _live_escalations() -> Any:
    """The escalations of live decisions (practice calls raise none, and are not counted anyway)."""
    return Escalation.objects.filter(decision__in=Decision.objects.all())


@transaction.atomic
def rollup_rebuild(*, batch: int = 5000, in_sql: bool | None = None) -> int:
    """Recompute every daily count from the closed decisions; returns how many were counted.

    `in_sql` (default: on PostgreSQL) counts in the database instead of in Python.
    """
    DailyCount.objects.all().delete()
    if connection.vendor == "postgresql" if in_sql is None else in_sql:
        return _rebuild_in_sql()
    closed = Decision.objects.exclude(status=Decision.Status.IN_PROGRESS).order_by().values(*FIELDS)
    counts: Counter[Key] = Counter()
    total = 0
    for row in closed.iterator(chunk_size=batch):
        counts.update(measures_of(row))
        total += 1
    raised = _live_escalations().values_list("raised_at", "decision__element_id", "decision__site_id")
    for raised_at, element_id, site_id in raised.iterator(chunk_size=batch):
        counts[escalation_key(raised_at, element_id, site_id)] += 1
    items = list(counts.items())
    for start in range(0, len(items), 500):
        _upsert(dict(items[start : start + 500]))
    return total


def _rebuild_in_sql() -> int:
    """`measures_of` in SQL (PostgreSQL), over exactly the decisions the Python rebuild reads: the
    London day the decision started, its element and site (0 for none), and one row per measure:
    "decisions", "category:<category>" (blank too), each "modifier:<m>" of the list, "override",
    "reassessment" (follows another), and "seconds:<bucket>" from start to outcome where one was
    reached: the smallest bound the seconds do not exceed, else "more"."""
    closed = Decision.objects.exclude(status=Decision.Status.IN_PROGRESS).order_by().values(*FIELDS)
    source, params = closed.query.sql_with_params()
    seconds = "extract(epoch FROM d.outcome_reached_at - d.started_at)"
    buckets = " ".join(f"WHEN {seconds} <= {bound} THEN '{bound}'" for bound in SECONDS_BUCKETS)
    counts = connection.ops.quote_name(DailyCount._meta.db_table)
    with connection.cursor() as cursor:
        # Only the model's table name, the ORM's own SQL and the bucket bounds are formatted in.
        cursor.execute(
            f"""
            INSERT INTO {counts} (day, element_pk, site_pk, measure, count)
            SELECT (d.started_at AT TIME ZONE %s)::date, COALESCE(d.element_id, 0),
                   COALESCE(d.site_id, 0), m.measure, count(*)
            FROM ({source}) AS d
            CROSS JOIN LATERAL (
                SELECT 'decisions'
                UNION ALL SELECT 'category:' || d.outcome_category
                UNION ALL SELECT 'modifier:' || x.modifier
                    FROM jsonb_array_elements_text(
                        CASE WHEN jsonb_typeof(d.outcome_modifiers) = 'array' THEN d.outcome_modifiers
                             ELSE '[]'::jsonb END) AS x(modifier)
                UNION ALL SELECT 'override' WHERE d.override
                UNION ALL SELECT 'reassessment' WHERE d.follows_id IS NOT NULL
                UNION ALL SELECT 'seconds:' || CASE {buckets} ELSE '{SLOWER}' END
                    WHERE d.outcome_reached_at IS NOT NULL
            ) AS m(measure)
            GROUP BY 1, 2, 3, 4
            """,  # noqa: S608
            [settings.TIME_ZONE, *params],
        )
        escalations = _live_escalations().values("raised_at", "decision__element_id", "decision__site_id")
        source, params = escalations.query.sql_with_params()
        cursor.execute(
            f"""
            INSERT INTO {counts} (day, element_pk, site_pk, measure, count)
            SELECT (e.raised_at AT TIME ZONE %s)::date, COALESCE(e.element_id, 0), COALESCE(e.site_id, 0),
                   %s, count(*)
            FROM ({source}) AS e (raised_at, element_id, site_id)
            GROUP BY 1, 2, 3
            """,  # noqa: S608
            [settings.TIME_ZONE, ESCALATION, *params],
        )
        # The week and month rows: the day rows summed (a day row's measure has no "/").
        starts = ", ".join(f"('{span}', date_trunc('{span}', c.day)::date)" for span in SPANS)
        cursor.execute(
            f"""
            INSERT INTO {counts} (day, element_pk, site_pk, measure, count)
            SELECT s.start, c.element_pk, c.site_pk, s.span || '/' || c.measure, sum(c.count)
            FROM {counts} c CROSS JOIN LATERAL (VALUES {starts}) AS s (span, start)
            WHERE strpos(c.measure, '/') = 0
            GROUP BY 1, 2, 3, 4
            """  # noqa: S608
        )
        cursor.execute(f"SELECT coalesce(sum(count), 0) FROM {counts} WHERE measure = 'decisions'")  # noqa: S608
        return int(cursor.fetchone()[0])
