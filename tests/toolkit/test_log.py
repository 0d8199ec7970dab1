"""The decision log: every filter, who sees what, keyset pages that stay put while decisions arrive,
the streamed CSV export, and pinned query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from policies.models import Element
from tests.policies.factories import published_v1
from tests.training.factories import site as make_site
from toolkit.models import Decision, Escalation, Review
from toolkit.selectors.log import EXPORT_COLUMNS, Cursor, log_export_rows
from toolkit.services import review_standing_rebuild
from training.models import StaffMember

URL = "/toolkit/decisions/"
EXPORT = "/toolkit/decisions/export.csv"
T0 = timezone.make_aware(dt.datetime(2026, 11, 20, 12, 0))
_count = itertools.count(1)


def make(handler: Any, **fields: Any) -> Decision:
    """A completed decision with just the fields the log reads."""
    n = next(_count)
    values: dict[str, Any] = {
        "handler": handler,
        "incident_ref": f"CAD {n}/20NOV26",
        "caller_type": "public",
        "status": Decision.Status.COMPLETED,
        "started_at": T0 + dt.timedelta(minutes=n),
        "completed_at": T0 + dt.timedelta(minutes=n, seconds=30),
        "outcome_id": "o_x",
        "outcome_category": "SIGNPOST",
        "outcome_modifiers": [],
    }
    values.update(fields)
    return Decision.objects.create(**values)


def on_site(user: Any, slug: str) -> None:
    StaffMember.objects.create(
        staff_number=user.staff_number, full_name=user.display_name, site=make_site(slug), role="x", user=user
    )


def refs(response: Any) -> set[str]:
    body = response.content.decode()
    return {ref for ref in Decision.objects.values_list("incident_ref", flat=True) if f">{ref}<" in body}


@pytest.fixture
def world(
    db: None, call_handler: Any, second_call_handler: Any, policy_owner: Any, second_policy_owner: Any
) -> dict[str, Any]:
    welfare = published_v1("welfare", author=policy_owner, approver=second_policy_owner, with_scenarios=False)
    awol = published_v1("awol", author=policy_owner, approver=second_policy_owner, with_scenarios=False)
    lambeth, hendon = make_site("lambeth"), make_site("hendon")
    base = make(call_handler, element=welfare.element, policy_version=welfare, site=lambeth)
    w = {
        "base": base,
        "date": make(
            call_handler, element=welfare.element, site=lambeth, started_at=T0 + dt.timedelta(days=3)
        ),
        "site": make(call_handler, element=welfare.element, site=hendon),
        "element": make(call_handler, element=awol.element, policy_version=awol, site=lambeth),
        "category": make(call_handler, element=welfare.element, site=lambeth, outcome_category="DEPLOY"),
        "modifier": make(
            call_handler,
            element=welfare.element,
            site=lambeth,
            outcome_category="DEPLOY",
            outcome_modifiers=["LAS"],
        ),
        "handler": make(second_call_handler, element=welfare.element, site=lambeth),
        "caller": make(
            call_handler, element=welfare.element, site=lambeth, caller_type="partner", partner_kind="gp"
        ),
        "override": make(
            call_handler, element=welfare.element, site=lambeth, override=True, outcome_category="DEPLOY"
        ),
        "escalated": make(call_handler, element=welfare.element, site=lambeth),
        "status": make(call_handler, element=welfare.element, site=lambeth, status=Decision.Status.ABANDONED),
    }
    w["reassessed"] = make(call_handler, element=welfare.element, site=lambeth, follows=base)
    w["reviewed_minor"] = make(call_handler, element=welfare.element, site=lambeth)
    w["reviewed_twice"] = make(call_handler, element=welfare.element, site=lambeth)
    reviewer = second_call_handler
    Review.objects.create(decision=w["reviewed_minor"], reviewer=reviewer, verdict="minor", reviewed_at=T0)
    Review.objects.create(decision=w["reviewed_twice"], reviewer=reviewer, verdict="major", reviewed_at=T0)
    later = T0 + dt.timedelta(hours=1)
    Review.objects.create(
        decision=w["reviewed_twice"], reviewer=reviewer, verdict="compliant", reviewed_at=later
    )
    review_standing_rebuild()  # the reviews were written directly, not by review_record
    Escalation.objects.create(
        decision=w["escalated"], reason="partner_dispute", raised_by=call_handler, raised_at=T0
    )
    w["welfare"], w["awol"], w["lambeth"], w["hendon"] = welfare, awol, lambeth, hendon
    return w


FILTERS = [
    ({"date_from": "2026-11-23", "date_to": "2026-11-23"}, {"date"}),
    ({"element": "awol"}, {"element"}),
    ({"category": "DEPLOY"}, {"category", "modifier", "override"}),
    ({"modifier": "LAS"}, {"modifier"}),
    ({"handler": "h1002"}, {"handler"}),
    ({"caller_type": "partner"}, {"caller"}),
    ({"partner_kind": "gp"}, {"caller"}),
    ({"overridden": "yes"}, {"override"}),
    ({"escalated": "yes"}, {"escalated"}),
    ({"reassessed": "yes"}, {"reassessed"}),
    ({"version": "1", "element": "awol"}, {"element"}),
    ({"status": "abandoned"}, {"status"}),
    ({"reviewed": "yes"}, {"reviewed_minor", "reviewed_twice"}),
    ({"verdict": "minor"}, {"reviewed_minor"}),
    ({"verdict": "compliant"}, {"reviewed_twice"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS, ids=[",".join(q) for q, _ in FILTERS])
def test_each_filter_finds_what_it_names(
    client: Any, supervisor: Any, world: dict[str, Any], query: dict[str, str], expected: set[str]
) -> None:
    client.force_login(supervisor)
    response = client.get(URL, query)
    assert response.status_code == 200
    assert refs(response) == {world[name].incident_ref for name in expected}


def test_the_site_and_incident_filters(client: Any, supervisor: Any, world: dict[str, Any]) -> None:
    client.force_login(supervisor)
    assert refs(client.get(URL, {"site": world["hendon"].pk})) == {world["site"].incident_ref}
    ref = world["base"].incident_ref
    assert refs(client.get(URL, {"incident_ref": ref.lower()})) == {ref}
    every = refs(client.get(URL, {"escalated": "no", "overridden": "no", "reassessed": "no"}))
    assert world["escalated"].incident_ref not in every
    assert world["base"].incident_ref in every


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "26/13/2026"}, "Enter the first date as a real date"),
        (
            {"date_from": "2026-11-25", "date_to": "2026-11-24"},
            "The last date must be the same as or after the first date",
        ),
        ({"version": "two"}, "Enter the policy version as a whole number"),
        ({"category": "MAYBE"}, "Select a valid choice"),
    ],
)
def test_bad_filters_are_a_clear_400(
    client: Any, supervisor: Any, world: dict[str, Any], query: dict[str, str], message: str
) -> None:
    client.force_login(supervisor)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get(EXPORT, query).status_code == 400


def test_who_sees_what(
    client: Any,
    call_handler: Any,
    second_call_handler: Any,
    floor_walker: Any,
    auditor: Any,
    world: dict[str, Any],
) -> None:
    everything = set(Decision.objects.values_list("incident_ref", flat=True))
    client.force_login(call_handler)
    assert refs(client.get(URL)) == everything - {world["handler"].incident_ref}
    client.force_login(second_call_handler)
    assert refs(client.get(URL)) == {world["handler"].incident_ref}
    client.force_login(floor_walker)
    assert refs(client.get(URL)) == set()  # no staff record: no site, nothing
    on_site(floor_walker, "hendon")
    assert refs(client.get(URL)) == {world["site"].incident_ref}
    client.force_login(auditor)
    assert refs(client.get(URL)) == everything


def test_keyset_pages_stay_put_while_new_decisions_arrive(
    client: Any, supervisor: Any, call_handler: Any, db: None
) -> None:
    made = [make(call_handler, started_at=T0 + dt.timedelta(seconds=i // 2)) for i in range(130)]  # ties too
    client.force_login(supervisor)
    seen: list[str] = []
    response = client.get(URL)
    for _ in range(5):
        page = response.context["page"]
        seen += [d.incident_ref for d in page.rows]
        make(call_handler, started_at=timezone.now())  # a new call arrives between pages
        if page.older is None:
            break
        response = client.get(URL, {"after": page.older.encode()})
    newest_first = [d.incident_ref for d in sorted(made, key=lambda d: (d.started_at, d.pk), reverse=True)]
    assert seen == newest_first  # every original decision once, in order, none shifted
    # Going back a page gives the page before it.
    second = client.get(URL, {"after": Cursor.of(made[-50]).encode()}).context["page"]
    back = client.get(URL, {"before": second.newer.encode()}).context["page"]
    assert [d.pk for d in back.rows][-1] == made[-50].pk


def test_review_filtered_pages_are_read_from_the_review_standing_and_stay_put(
    client: Any, supervisor: Any, call_handler: Any, second_call_handler: Any, db: None
) -> None:
    made = [make(call_handler, started_at=T0 + dt.timedelta(seconds=i // 2)) for i in range(130)]  # ties too
    unreviewed = [make(call_handler, started_at=T0 + dt.timedelta(seconds=i)) for i in range(0, 200, 3)]
    for i, decision in enumerate(made):
        Review.objects.create(
            decision=decision, reviewer=second_call_handler, verdict="compliant" if i % 2 else "minor"
        )
    review_standing_rebuild()
    client.force_login(supervisor)
    for query, expected in (
        ({"reviewed": "yes"}, made),
        ({"verdict": "minor"}, made[::2]),
        ({"reviewed": "no"}, unreviewed),
    ):
        seen: list[int] = []
        response = client.get(URL, query)
        while True:
            page = response.context["page"]
            seen += [d.pk for d in page.rows]
            if page.older is None:
                break
            response = client.get(URL, {**query, "after": page.older.encode()})
        assert seen == [d.pk for d in sorted(expected, key=lambda d: (d.started_at, d.pk), reverse=True)]
        with CaptureQueriesContext(connection) as queries:
            back = client.get(URL, {**query, "before": page.newer.encode()}).context["page"]
        # A reviewed-only page's ids are read in the standing's order, so its index drives the scan.
        page_sql = next(q["sql"] for q in queries if "LIMIT 51" in q["sql"])
        standing_order = '."decision_id" ASC LIMIT 51' in page_sql  # the standing's (started_at, decision)
        assert standing_order == (query != {"reviewed": "no"})
        assert [d.pk for d in back.rows] == seen[-len(page.rows) - 50 : -len(page.rows)]


def test_a_garbled_cursor_is_the_first_page(client: Any, supervisor: Any, world: dict[str, Any]) -> None:
    client.force_login(supervisor)
    for cursor in ("not-base64!", "aGVsbG8", "x" * 500):
        response = client.get(URL, {"after": cursor})
        assert response.status_code == 200
        assert response.context["page"].first


def test_the_export_streams_every_matching_decision(
    client: Any, supervisor: Any, world: dict[str, Any]
) -> None:
    client.force_login(supervisor)
    response = client.get(EXPORT, {"category": "DEPLOY"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"].startswith('attachment; filename="decisions-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    by_ref = {
        row[EXPORT_COLUMNS.index("incident_ref")]: dict(zip(EXPORT_COLUMNS, row, strict=True))
        for row in rows[1:]
    }
    assert set(by_ref) == {world[n].incident_ref for n in ("category", "modifier", "override")}
    las = by_ref[world["modifier"].incident_ref]
    assert (las["outcome_modifiers"], las["site"], las["handler"], las["element"]) == (
        "+LAS",
        "Lambeth",
        "h1001",
        "welfare",
    )
    assert by_ref[world["override"].incident_ref]["override"] == "yes"


def test_the_export_reads_keyset_chunks_that_miss_and_repeat_nothing(
    call_handler: Any, second_call_handler: Any, db: None
) -> None:
    made = [make(call_handler, started_at=T0 + dt.timedelta(seconds=i // 3)) for i in range(20)]  # ties
    Escalation.objects.create(decision=made[4], reason="unsure", raised_by=call_handler, raised_at=T0)
    rows = list(log_export_rows(Decision.objects.all(), chunk=4))  # 20 rows: chunks end inside ties
    refs_in_order = [row[EXPORT_COLUMNS.index("incident_ref")] for row in rows]
    newest_first = sorted(made, key=lambda d: (d.started_at, d.pk), reverse=True)
    assert refs_in_order == [d.incident_ref for d in newest_first]
    escalated = {
        row[EXPORT_COLUMNS.index("incident_ref")]
        for row in rows
        if row[EXPORT_COLUMNS.index("escalated")] == "yes"
    }
    assert escalated == {made[4].incident_ref}
    assert all(len(row) == len(EXPORT_COLUMNS) for row in rows)


def test_the_export_is_scoped_like_the_list(
    client: Any, second_call_handler: Any, world: dict[str, Any]
) -> None:
    client.force_login(second_call_handler)
    body = b"".join(client.get(EXPORT).streaming_content).decode()
    assert len(body.strip().splitlines()) == 2  # the header and their one decision
    assert world["handler"].incident_ref in body


def test_the_list_page_takes_a_fixed_number_of_queries(
    client: Any, supervisor: Any, call_handler: Any, world: dict[str, Any], django_assert_num_queries: Any
) -> None:
    client.force_login(supervisor)
    client.get(URL)  # warm the session
    # session, user with permissions, sites, elements, the page: however many rows and filters.
    with django_assert_num_queries(5):
        client.get(URL, {"category": "SIGNPOST", "escalated": "no"})
    for _ in range(60):
        make(call_handler, element=Element.objects.get(slug="welfare"), site=world["lambeth"])
    with django_assert_num_queries(5):
        response = client.get(URL)
    assert len(response.context["page"].rows) == 50
