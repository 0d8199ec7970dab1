"""Outcome dashboards: daily counts kept exact as decisions close, open calls counted live, London
days across the clock change, week and month buckets, the baseline (entered and imported) against
Humberside's figures, bad filters and files, and a pinned query count."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from policies.models import Element
from rcrp.accounts.models import AuditEvent
from tests.policies.factories import element as element_of
from tests.toolkit.test_services import completed
from tests.training.factories import site as make_site
from toolkit import services
from toolkit.measures import seconds_bucket
from toolkit.models import DailyCount, Decision, DeploymentBaseline, Escalation
from toolkit.selectors.dashboard import DashboardFilter, dashboard_get, median_seconds
from toolkit.services.housekeeping import decisions_close_stale
from toolkit.services.rollup import rollup_add, rollup_add_escalation, rollup_rebuild

URL = "/toolkit/dashboard/"
LONDON = ZoneInfo("Europe/London")
_count = itertools.count(1)


def at(day: str, time: str = "12:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LONDON)


def closed(handler: Any, started: dt.datetime, **fields: Any) -> Decision:
    """A closed decision, counted as the closing services count it."""
    values: dict[str, Any] = {
        "handler": handler,
        "incident_ref": f"CAD {next(_count)}/01NOV26",
        "status": Decision.Status.COMPLETED,
        "started_at": started,
        "completed_at": started + dt.timedelta(minutes=5),
        "outcome_reached_at": started + dt.timedelta(seconds=45),
        "outcome_category": "SIGNPOST",
        "element": element_of("welfare"),
        "site": make_site("lambeth"),
    }
    values.update(fields)
    decision = Decision.objects.create(**values)
    rollup_add(decision)
    return decision


def counts() -> list[tuple[Any, ...]]:
    return sorted(DailyCount.objects.values_list("day", "element_pk", "site_pk", "measure", "count"))


def board(**chosen: Any) -> Any:
    return dashboard_get(
        DashboardFilter(**chosen),
        elements={e.pk: e for e in Element.objects.all()},
        sites={s.pk: s for s in make_site("lambeth").__class__.objects.all()},
    )


def test_every_service_that_closes_a_call_counts_it_once_and_the_rebuild_agrees(
    call_handler: Any, welfare: Any, gate_off: None
) -> None:
    completed(call_handler)  # walked and completed through the services
    services.decision_start_not_health(actor=call_handler, what="crime", las=True)
    stale = Decision.objects.create(
        handler=call_handler,
        element=element_of("welfare"),
        started_at=timezone.now() - dt.timedelta(hours=6),
        last_activity_at=timezone.now() - dt.timedelta(hours=6),
    )
    assert decisions_close_stale(older_than=dt.timedelta(hours=4))["abandoned"] == 1
    incremental = counts()
    totals: dict[str, int] = {}
    for *_, measure, n in incremental:
        totals[measure] = totals.get(measure, 0) + n
    assert totals["decisions"] == 3
    assert totals["category:"] == 1  # the abandoned call reached no outcome
    modifiers = [m for d in Decision.objects.all() for m in d.outcome_modifiers]
    assert "LAS" in modifiers  # the not-a-health-call route with +LAS
    assert {m: n for m, n in totals.items() if m.startswith("modifier:")} == {
        f"modifier:{m}": modifiers.count(m) for m in modifiers
    }
    assert rollup_rebuild() == 3
    assert counts() == incremental
    stale.refresh_from_db()
    assert stale.status == Decision.Status.ABANDONED


def test_the_figures_count_outcomes_modifiers_overrides_reassessments_escalations_and_open_calls(
    call_handler: Any,
) -> None:
    day = "2026-11-10"
    first = closed(call_handler, at(day, "09:00"), outcome_category="DEPLOY", outcome_modifiers=["LAS"])
    closed(call_handler, at(day, "09:10"), outcome_category="DEPLOY", override=True)
    closed(call_handler, at(day, "09:20"), follows=first, outcome_reached_at=at(day, "09:22"))
    closed(call_handler, at(day, "09:30"), outcome_category="", outcome_reached_at=None)
    closed(call_handler, at("2026-11-11", "10:00"), outcome_category="JOINT", site=make_site("hendon"))
    rollup_add_escalation(  # counted as the services that raise escalations count them
        Escalation.objects.create(
            decision=first, reason="unsure", raised_by=call_handler, raised_at=at(day, "09:05")
        )
    )
    # An open call is counted live, as it stands, and is not in the daily counts.
    Decision.objects.create(
        handler=call_handler,
        element=element_of("welfare"),
        site=make_site("lambeth"),
        started_at=at("2026-11-11", "11:00"),
        outcome_category="DEPLOY",
        outcome_reached_at=at("2026-11-11", "11:01"),
    )
    result = board(date_from=dt.date(2026, 11, 10), date_to=dt.date(2026, 11, 11))
    total = result.total
    assert total.decisions == 6
    assert result.open_calls == 1
    assert total.categories == {"DEPLOY": 3, "SIGNPOST": 1, "": 1, "JOINT": 1}
    assert total.modifiers == {"LAS": 1}
    assert (total.overrides, total.reassessments, total.escalations) == (1, 1, 1)
    assert total.deployment_rate == 80.0  # 4 of the 5 that reached an outcome
    assert [b.decisions for b in result.buckets] == [4, 2]
    assert {row.label: row.decisions for row in result.by_site} == {"Lambeth": 5, "Hendon": 1}
    # 45 s four times, 60 s once (the open call), 120 s once: the median is in the 50 s bucket.
    assert 40 <= total.median_seconds <= 50


def test_days_are_london_days_across_the_clock_change(call_handler: Any) -> None:
    # 00:30 on the Sunday the clocks go back (BST) is 23:30 UTC the day before.
    closed(call_handler, dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC))
    # 00:30 the day after is GMT: 00:30 UTC, the same London date.
    closed(call_handler, dt.datetime(2026, 10, 26, 0, 30, tzinfo=dt.UTC))
    result = board(date_from=dt.date(2026, 10, 24), date_to=dt.date(2026, 10, 26))
    assert [(b.label, b.decisions) for b in result.buckets] == [
        ("Sat 24 Oct 2026", 0),
        ("Sun 25 Oct 2026", 1),
        ("Mon 26 Oct 2026", 1),
    ]
    assert rollup_rebuild() == 2
    assert [
        b.decisions for b in board(date_from=dt.date(2026, 10, 24), date_to=dt.date(2026, 10, 26)).buckets
    ] == [
        0,
        1,
        1,
    ]


def test_weeks_start_on_monday_and_months_on_the_first(call_handler: Any) -> None:
    for day in ("2026-11-01", "2026-11-02", "2026-11-08", "2026-11-09", "2026-12-01"):
        closed(call_handler, at(day))
    weeks = board(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 12, 1), period="week").buckets
    assert [(b.label, b.decisions) for b in weeks][:3] == [
        ("w/c 26 Oct 2026", 1),
        ("w/c 02 Nov 2026", 2),
        ("w/c 09 Nov 2026", 1),
    ]
    months = board(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 12, 1), period="month").buckets
    assert [(b.label, b.decisions) for b in months] == [("Nov 2026", 4), ("Dec 2026", 1)]


def test_the_median_is_read_from_the_histogram() -> None:
    assert median_seconds({}) is None
    assert seconds_bucket(10) == "10"
    assert seconds_bucket(10.5) == "20"
    assert seconds_bucket(4000) == "more"
    assert median_seconds({"60": 1}) == 55  # one decision in the 50-60 s bucket: its middle
    assert median_seconds({"10": 2, "60": 2}) == 10  # half are at or under 10 s
    assert median_seconds({"10": 1, "20": 1, "30": 2}) == 20  # the second of four ends at 20 s


def test_deployments_against_the_baseline_for_the_same_months_beside_humberside(
    call_handler: Any, administrator: Any
) -> None:
    welfare = element_of("welfare")
    for month, n in ((dt.date(2025, 10, 1), 100), (dt.date(2025, 11, 1), 60)):
        services.baseline_set(element=welfare, month=month, deployments=n, actor=administrator)
    closed(call_handler, at("2026-10-20"), outcome_category="DEPLOY")
    closed(call_handler, at("2026-11-03"), outcome_category="JOINT")
    closed(call_handler, at("2026-11-04"), outcome_category="SIGNPOST")
    # All of October (100) and half of November (15 of 30 days: 30).
    result = board(date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 11, 15))
    (row,) = result.baseline
    assert (row.element, row.months, row.baseline, row.actual) == (welfare.title, 2, 130.0, 2)
    assert row.change == round(100 * (2 - 130) / 130, 1)
    assert row.humberside == -80
    # The baseline is the whole Met's: with a site chosen there is no comparison.
    assert (
        board(
            date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 11, 15), site=make_site("bow").pk
        ).baseline
        is None
    )


def test_the_dashboard_page_shows_the_figures_with_tables_and_chart_data(
    client: Any, supervisor: Any, call_handler: Any
) -> None:
    closed(call_handler, at("2026-11-10"), outcome_category="DEPLOY", outcome_modifiers=["LAS"])
    client.force_login(supervisor)
    response = client.get(URL, {"date_from": "2026-11-09", "date_to": "2026-11-11"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="outcomes-table"' in body
    assert 'id="element-table"' in body
    assert 'id="site-table"' in body
    assert re.search(r"Tue 10 Nov 2026</th>\s*<td[^>]*>1</td>", body)
    assert '<script id="chart-data" type="application/json">' in body
    assert 'data-chart="outcomes"' in body
    assert "vendor/chartjs/chart.umd.min.js" in body
    assert "+LAS" in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-11-10", "date_to": "2026-11-01"}, "The last date must be the same as or after"),
        ({"date_from": "2999-01-01"}, "The last date must be the same as or after"),
        ({"date_from": "2020-01-01", "date_to": "2026-11-01"}, "Show a range this long by week or month"),
        ({"period": "fortnight"}, "Select a valid choice"),
        ({"date_from": "2026-02-30"}, "Enter the first date as a real date"),
        ({"element": "nope"}, "Select a valid choice"),
    ],
)
def test_bad_filters_are_a_clear_400(
    client: Any, supervisor: Any, query: dict[str, str], message: str
) -> None:
    client.force_login(supervisor)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_dashboard_takes_a_fixed_number_of_queries(
    client: Any, supervisor: Any, call_handler: Any, administrator: Any, django_assert_num_queries: Any
) -> None:
    for day in ("2026-11-01", "2026-11-05", "2026-11-09"):
        closed(call_handler, at(day), outcome_category="DEPLOY")
    services.baseline_set(
        element=element_of("welfare"), month=dt.date(2025, 11, 1), deployments=9, actor=administrator
    )
    client.force_login(supervisor)
    client.get(URL)  # warm the session
    query = {"date_from": "2026-11-01", "date_to": "2026-11-30", "period": "week"}
    # session, user with permissions, elements, sites; the counts by bucket, by element and site, and the
    # deployments by month (escalations included); open calls; baseline: whatever the range and
    # however many decisions
    with django_assert_num_queries(9):
        assert client.get(URL, query).status_code == 200
    for day in ("2026-11-12", "2026-11-20"):
        closed(call_handler, at(day), outcome_category="SIGNPOST", site=make_site("bow"))
    with django_assert_num_queries(9):
        assert client.get(URL, query).status_code == 200


# --- the baseline: entered by an administrator, or imported ------------------------------------


def upload(client: Any, text: str) -> Any:
    return client.post(
        "/toolkit/dashboard/baseline/import/",
        {"file": SimpleUploadedFile("baseline.csv", text.encode(), content_type="text/csv")},
    )


def test_an_administrator_enters_a_month_and_a_second_entry_replaces_it_audited(
    client: Any, administrator: Any
) -> None:
    welfare = element_of("welfare")
    client.force_login(administrator)
    data = {"element": welfare.pk, "month": "2023-04", "deployments": "1566"}
    assert client.post("/toolkit/dashboard/baseline/enter/", data).status_code == 302
    assert (
        client.post("/toolkit/dashboard/baseline/enter/", data | {"deployments": "1500"}).status_code == 302
    )
    entry = DeploymentBaseline.objects.get()
    assert (entry.month, entry.deployments, entry.recorded_by) == (dt.date(2023, 4, 1), 1500, administrator)
    events = AuditEvent.objects.filter(action="toolkit.baseline.set").order_by("pk")
    assert [e.data["old"] for e in events] == [None, 1566]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"month": "April 2023", "deployments": "3"}, "Enter a real month that is not in the future"),
        ({"month": "2099-01", "deployments": "3"}, "is in the future"),
        ({"month": "2023-13", "deployments": "3"}, "Enter a real month"),
        ({"month": "2023-04", "deployments": "-1"}, "Enter 0 or more deployments"),
        ({"month": "2023-04", "deployments": "9" * 400}, "Enter 1,000,000 or fewer deployments"),
        ({"month": "2023-04", "deployments": "lots"}, "as a whole number"),
    ],
)
def test_a_bad_entry_is_a_clear_400_and_saves_nothing(
    client: Any, administrator: Any, data: dict[str, str], message: str
) -> None:
    client.force_login(administrator)
    response = client.post(
        "/toolkit/dashboard/baseline/enter/", {"element": element_of("welfare").pk, **data}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DeploymentBaseline.objects.exists()


def test_an_import_with_bad_rows_lists_every_one_by_line_and_changes_nothing(
    client: Any, administrator: Any
) -> None:
    element_of("welfare")
    element_of("s136")
    client.force_login(administrator)
    response = upload(
        client,
        "element,month,deployments\n"
        "welfare,2023-04,1210\n"
        "nonsense,2023-04,3\n"
        "s136,2023-4,x\n"
        "welfare,2023-04,7\n",
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported: 3 rows are wrong" in body
    assert "element “nonsense” is not one of" in body
    assert re.search(r">3</td><td[^>]*>element", body)
    assert "month “2023-4” is not a month written like 2023-04; deployments “x” is not a whole number" in body
    assert "welfare 2023-04 is also on line 2" in body
    assert not DeploymentBaseline.objects.exists()


def test_a_good_import_upserts_every_month_audited(client: Any, administrator: Any) -> None:
    welfare, s136 = element_of("welfare"), element_of("s136")
    services.baseline_set(element=welfare, month=dt.date(2023, 4, 1), deployments=1, actor=administrator)
    client.force_login(administrator)
    response = upload(client, "Deployments,Element,Month\n1210,welfare,2023-04\n\n305,S136,2023-05\n")
    assert response.status_code == 302
    assert set(DeploymentBaseline.objects.values_list("element", "month", "deployments", "source")) == {
        (welfare.pk, dt.date(2023, 4, 1), 1210, "imported"),
        (s136.pk, dt.date(2023, 5, 1), 305, "imported"),
    }
    event = AuditEvent.objects.get(action="toolkit.baseline.imported")
    assert event.data["new"] == {"file": "baseline.csv", "rows": 2, "replaced": 1}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The selected file is empty"),
        ("element,month\nwelfare,2023-04\n", "the header is missing deployments"),
        ("element,month,deployments\n", "has a header row but no figures"),
        ("\x00\x01binary", "contains binary data"),
    ],
)
def test_an_unreadable_file_is_a_clear_400(client: Any, administrator: Any, text: str, message: str) -> None:
    element_of("welfare")
    client.force_login(administrator)
    response = upload(client, text)
    assert response.status_code == 400
    assert message in response.content.decode()
