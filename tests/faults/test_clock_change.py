"""The change between GMT and BST, and back: calls just before and after 01:00 UTC on the last
Sunday of March and of October.

tests/toolkit/test_dashboard.py has the October night either side of midnight
(test_days_are_london_days_across_the_clock_change); this adds March, the seconds either side of
01:00 UTC on both days and the London midnights around them, calls open across the change
(counted live), the time to decision across the change, and the answer times a call records and
the decision page shows (the repeated hour in October must not look as if time went backwards).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.policies.factories import element as element_of
from tests.policies.factories import published_v1
from tests.toolkit.helpers import answer_data, start_call
from tests.toolkit.test_dashboard import board, closed, counts
from tests.training.factories import site as make_site
from toolkit.models import Decision, DecisionAnswer
from toolkit.services.rollup import rollup_rebuild

pytestmark = pytest.mark.django_db

SPRING = dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)  # 01:00 GMT becomes 02:00 BST
AUTUMN = dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC)  # 02:00 BST becomes 01:00 GMT
SECOND = dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (SPRING, ["00:59:30 GMT", "02:00:30 BST"]),
        (AUTUMN, ["01:59:30 BST", "01:00:30 GMT"]),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_answers_either_side_of_the_change_keep_exact_times_shown_with_their_zone(
    client: Any,
    call_handler: Any,
    supervisor: Any,
    policy_owner: Any,
    second_policy_owner: Any,
    settings: Any,
    change: dt.datetime,
    shown: list[str],
) -> None:
    settings.TRAINING_GATE_MODE = "off"
    published_v1("welfare", author=policy_owner, approver=second_policy_owner, with_scenarios=False)
    client.force_login(call_handler)
    with time_machine.travel(change - dt.timedelta(seconds=90), tick=False):
        decision = start_call(client, "welfare")
    url = f"/toolkit/calls/{decision.reference}/answer/"
    for moment, value in (
        (change - dt.timedelta(seconds=30), "no"),
        (change + dt.timedelta(seconds=30), "none"),
    ):
        with time_machine.travel(moment, tick=False):
            assert client.post(url, answer_data(decision, value)).status_code == 302

    times = list(
        DecisionAnswer.objects.filter(decision=decision)
        .order_by("sequence")
        .values_list("answered_at", flat=True)
    )
    assert times == [change - dt.timedelta(seconds=30), change + dt.timedelta(seconds=30)]

    client.force_login(supervisor)
    page = client.get(f"/toolkit/decisions/{decision.reference}/").content.decode()
    rows = re.findall(
        r'<td class="govuk-table__cell">(\d\d:\d\d:\d\d[^<]*)</td>\s*'
        r'<td class="govuk-table__cell">(\d+) s</td>',
        page,
    )
    # In the order given, each with its zone (in October 01:00:30 GMT comes after 01:59:30 BST),
    # and 60 s on each question: never an hour more or less.
    assert rows == [(shown[0], "60"), (shown[1], "60")]
    # The start, too, with its zone (in October's repeated hour the clock time alone is ambiguous).
    started = timezone.localtime(change - dt.timedelta(seconds=90))
    assert re.search(rf"Started</dt><dd[^>]*>[^<]*{started:%H:%M:%S} {started.tzname()}</dd>", page)


def _open(handler: Any, started: dt.datetime) -> Decision:
    """A call still open, counted live by the dashboard."""
    return Decision.objects.create(
        handler=handler,
        element=element_of("welfare"),
        site=make_site("lambeth"),
        started_at=started,
        outcome_category="SIGNPOST",
        outcome_reached_at=started + dt.timedelta(seconds=45),
    )


@pytest.mark.parametrize(
    ("change", "closed_at", "open_at", "expected"),
    [
        (
            SPRING,
            [
                dt.datetime(2026, 3, 28, 23, 59, 59, tzinfo=dt.UTC),  # 23:59:59 GMT Saturday
                SPRING - SECOND,  # 00:59:59 GMT Sunday
                SPRING,  # 02:00:00 BST Sunday, one second later
                dt.datetime(2026, 3, 29, 22, 59, 59, tzinfo=dt.UTC),  # 23:59:59 BST Sunday
                dt.datetime(2026, 3, 29, 23, 0, tzinfo=dt.UTC),  # 00:00 BST Monday
            ],
            SPRING + dt.timedelta(seconds=15),  # open across the change
            [("Sat 28 Mar 2026", 1), ("Sun 29 Mar 2026", 4), ("Mon 30 Mar 2026", 1)],
        ),
        (
            AUTUMN,
            [
                dt.datetime(2026, 10, 24, 22, 59, 59, tzinfo=dt.UTC),  # 23:59:59 BST Saturday
                dt.datetime(2026, 10, 24, 23, 0, tzinfo=dt.UTC),  # 00:00 BST Sunday
                AUTUMN - SECOND,  # 01:59:59 BST Sunday
                AUTUMN,  # 01:00:00 GMT Sunday, one second later
                dt.datetime(2026, 10, 25, 23, 59, 59, tzinfo=dt.UTC),  # 23:59:59 GMT Sunday
                dt.datetime(2026, 10, 26, 0, 0, tzinfo=dt.UTC),  # 00:00 GMT Monday
            ],
            AUTUMN + dt.timedelta(seconds=15),
            [("Sat 24 Oct 2026", 1), ("Sun 25 Oct 2026", 5), ("Mon 26 Oct 2026", 1)],
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_daily_buckets_are_london_days_either_side_of_the_change(
    call_handler: Any,
    change: dt.datetime,
    closed_at: list[dt.datetime],
    open_at: dt.datetime,
    expected: list[tuple[str, int]],
) -> None:
    for started in closed_at:
        # Each reaches its outcome 45 s after it started, across the change for the one at 00:59:59.
        closed(call_handler, started)
    _open(call_handler, open_at)
    first, last = timezone.localdate(closed_at[0]), timezone.localdate(closed_at[-1])  # Saturday, Monday
    result = board(date_from=first, date_to=last)
    assert [(b.label, b.decisions) for b in result.buckets] == expected
    assert result.open_calls == 1
    assert 40 <= result.total.median_seconds <= 50  # 45 s each: never an hour more or less
    # The rebuild (in SQL on PostgreSQL) puts every decision on the same London day.
    incremental = counts()
    assert rollup_rebuild() == len(closed_at)
    assert counts() == incremental
    assert [(b.label, b.decisions) for b in board(date_from=first, date_to=last).buckets] == expected
