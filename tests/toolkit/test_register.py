"""The challenges and escalations register: the partner's words, our answer, who decided and how
long it took; s136 handovers past 60 minutes; the per-partner summary; exports; query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.policies.factories import element as element_of
from tests.training.factories import site as make_site
from toolkit import services
from toolkit.models import Decision, Escalation, HandoverRecord
from toolkit.selectors.register import HANDOVER_COLUMNS, OVERDUE_SHOWN, REGISTER_COLUMNS

URL = "/toolkit/register/"
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    """The register's "still running" minutes are counted to now: keep now where the data put it."""
    with time_machine.travel(NOW, tick=False):
        yield


def decision(handler: Any, **fields: Any) -> Decision:
    values: dict[str, Any] = {
        "handler": handler,
        "status": Decision.Status.COMPLETED,
        "started_at": NOW - dt.timedelta(hours=2),
        "completed_at": NOW - dt.timedelta(hours=1),
        "element": element_of("welfare"),
        "site": make_site("lambeth"),
    }
    values.update(fields)
    return Decision.objects.create(**values)


@pytest.fixture
def register(db: None, call_handler: Any, supervisor: Any) -> dict[str, Any]:
    refused = decision(
        call_handler,
        incident_ref="CAD 1/01DEC26",
        caller_type="partner",
        partner_kind="gp",
        outcome_category="REFUSE_REDIRECT",
        agency_name="The GP practice",
    )
    challenged = Escalation.objects.create(
        decision=refused,
        reason="partner_dispute",
        note="She said he will kill himself tonight",
        raised_by=call_handler,
        raised_at=NOW - dt.timedelta(minutes=90),
    )
    services.escalation_answer(
        escalation=challenged,
        actor=supervisor,
        response="uphold",
        note="No evidence of a plan",
        decided_by="inspector",
        now=NOW - dt.timedelta(minutes=78),
    )
    overturned_call = decision(
        call_handler,
        incident_ref="CAD 2/01DEC26",
        caller_type="partner",
        partner_kind="gp",
        outcome_category="REFUSE_REDIRECT",
    )
    overturned = Escalation.objects.create(
        decision=overturned_call,
        reason="partner_dispute",
        note="Knife seen",
        raised_by=call_handler,
        raised_at=NOW - dt.timedelta(minutes=50),
    )
    services.escalation_answer(
        escalation=overturned,
        actor=supervisor,
        response="deploy",
        note="",
        now=NOW - dt.timedelta(minutes=45),
    )
    decision(
        call_handler,
        incident_ref="CAD 3/01DEC26",
        caller_type="partner",
        partner_kind="nhs_trust",
        outcome_category="DEPLOY",
    )
    waiting_call = decision(
        call_handler, incident_ref="CAD 4/01DEC26", status=Decision.Status.IN_PROGRESS, completed_at=None
    )
    Escalation.objects.create(
        decision=waiting_call,
        reason="unsure",
        raised_by=call_handler,
        raised_at=NOW - dt.timedelta(minutes=5),
    )
    s136 = element_of("s136")
    long_one = decision(
        call_handler,
        element=s136,
        incident_ref="CAD 5/01DEC26",
        pos_arrival_at=NOW - dt.timedelta(minutes=150),
    )
    HandoverRecord.objects.create(
        decision=long_one,
        kind="inspector",
        occurred_at=NOW - dt.timedelta(minutes=60),
        recorded_by=supervisor,
    )
    running = decision(
        call_handler,
        element=s136,
        incident_ref="CAD 6/01DEC26",
        pos_arrival_at=NOW - dt.timedelta(minutes=70),
    )
    decision(
        call_handler,
        element=s136,
        incident_ref="CAD 7/01DEC26",
        pos_arrival_at=NOW - dt.timedelta(minutes=30),
    )
    decision(
        call_handler, element=s136, incident_ref="CAD 8/01DEC26", pos_arrival_at=NOW - dt.timedelta(hours=40)
    )
    return {"challenged": challenged, "overturned": overturned, "long": long_one, "running": running}


def test_the_register_shows_the_partners_words_our_answer_who_decided_and_the_time(
    client: Any, supervisor: Any, register: dict[str, Any]
) -> None:
    client.force_login(supervisor)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "She said he will kill himself tonight" in body
    assert "No evidence of a plan" in body
    assert "Uphold the decision (Duty inspector)" in body
    assert "after 12 min" in body
    assert "Not answered" in body
    overdue = response.context["overdue"]
    assert overdue.total == 2
    assert [(h.decision.incident_ref, h.minutes, h.running) for h in overdue.rows] == [
        ("CAD 5/01DEC26", 90, False),
        ("CAD 6/01DEC26", 70, True),
    ]
    partners = {p.partner_kind: p for p in response.context["partners"]}
    gp = partners["gp"]
    assert (gp.requests, gp.refusals, gp.challenges, gp.upheld, gp.overturned) == (2, 2, 2, 1, 1)
    trust = partners["nhs_trust"]
    assert (trust.requests, trust.refusals, trust.challenges) == (1, 0, 0)


def test_the_register_exports(client: Any, auditor: Any, register: dict[str, Any]) -> None:
    client.force_login(auditor)
    response = client.get("/toolkit/register/escalations.csv")
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0]) == REGISTER_COLUMNS
    first = dict(zip(REGISTER_COLUMNS, rows[-1], strict=True))  # oldest last
    assert (first["stated_risk"], first["response"], first["decided_by"], first["minutes_to_resolve"]) == (
        "She said he will kill himself tonight",
        "Uphold the decision",
        "Duty inspector",
        "12",
    )
    assert len(rows) == 4
    summary = list(
        csv.reader(
            io.StringIO(b"".join(client.get("/toolkit/register/partners.csv").streaming_content).decode())
        )
    )
    assert summary[0] == ["partner_kind", "requests", "refusals", "challenges", "upheld", "overturned"]
    assert ["GP", "2", "2", "2", "1", "1"] in summary
    handovers = list(
        csv.reader(
            io.StringIO(b"".join(client.get("/toolkit/register/handovers.csv").streaming_content).decode())
        )
    )
    assert tuple(handovers[0]) == HANDOVER_COLUMNS
    assert [(r[2], r[4], r[5]) for r in handovers[1:]] == [
        ("CAD 5/01DEC26", "90", "Duty inspector agreed officers could leave"),
        ("CAD 6/01DEC26", "70", "Still running"),
    ]


def test_the_register_filters_by_element_and_date(
    client: Any, supervisor: Any, register: dict[str, Any]
) -> None:
    client.force_login(supervisor)
    response = client.get(URL, {"element": "s136"})
    assert response.context["page"].rows == []
    assert [h.decision.incident_ref for h in response.context["overdue"].rows] == [
        "CAD 5/01DEC26",
        "CAD 6/01DEC26",
    ]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    later = client.get(URL, {"date_from": tomorrow})
    assert later.context["page"].rows == []
    assert later.context["partners"] == []
    bad = client.get(URL, {"date_from": "yesterday"})
    assert bad.status_code == 400
    assert "Enter the first date as a real date" in bad.content.decode()


def test_answering_records_who_decided(register: dict[str, Any], supervisor: Any, call_handler: Any) -> None:
    overturned = Escalation.objects.get(pk=register["overturned"].pk)
    assert overturned.decided_by == "supervisor"  # the default: the supervisor answering
    assert overturned.reassessment is not None  # a deploy on a completed refusal re-opens it
    fresh = Escalation.objects.create(decision=register["long"], reason="unsure", raised_by=call_handler)
    with pytest.raises(ValidationError):
        services.escalation_answer(
            escalation=fresh, actor=supervisor, response="uphold", note="", decided_by="chief"
        )
    assert Escalation.objects.get(pk=fresh.pk).is_open


def test_the_register_takes_a_fixed_number_of_queries(
    client: Any, supervisor: Any, register: dict[str, Any], django_assert_num_queries: Any
) -> None:
    client.force_login(supervisor)
    client.get(URL)
    # session, user with permissions, sites, elements, the page, the handovers and their count, the
    # partner summary (2).
    with django_assert_num_queries(9):
        client.get(URL)


def test_the_page_shows_the_longest_handovers_and_the_csv_has_them_all(
    client: Any, supervisor: Any, call_handler: Any, db: None
) -> None:
    s136 = element_of("s136")
    for minutes in range(61, 61 + OVERDUE_SHOWN + 5):
        decision(
            call_handler,
            element=s136,
            incident_ref=f"CAD {minutes}/01DEC26",
            pos_arrival_at=NOW - dt.timedelta(minutes=minutes),
        )
    client.force_login(supervisor)
    response = client.get(URL)
    overdue = response.context["overdue"]
    assert (overdue.total, len(overdue.rows)) == (OVERDUE_SHOWN + 5, OVERDUE_SHOWN)
    assert overdue.rows[0].minutes == 60 + OVERDUE_SHOWN + 5  # longest first
    assert f"The {OVERDUE_SHOWN} longest of {OVERDUE_SHOWN + 5}." in response.content.decode()
    body = b"".join(client.get("/toolkit/register/handovers.csv").streaming_content).decode()
    assert len(body.strip().splitlines()) == 1 + OVERDUE_SHOWN + 5
