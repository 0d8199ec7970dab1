"""The decision as evidence: time on each question, the other decisions on the incident, the
evidence bundle whose hash a requester can recompute, and the access log of every reading."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from policies import content
from tests.toolkit.helpers import answer_data, start_scenario
from toolkit.models import Decision, DecisionAccess
from toolkit.selectors import call_state

pytestmark = pytest.mark.usefixtures("gate_off")
LONDON = ZoneInfo("Europe/London")


def canonical_sha256(document: Any) -> str:
    """The bundle's hash, recomputed here without the application's code."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def completed(handler_client: Any, call_handler: Any, v2: Any) -> Decision:
    """A welfare call answered a minute per question, completed, with a note."""
    case = next(
        s for s in content.scenarios("welfare", 2) if s.name == "Man beaten up in a park, lying unconscious"
    )
    moment = dt.datetime(2026, 11, 26, 14, 0, tzinfo=LONDON)
    with time_machine.travel(moment, tick=False) as clock:
        decision = start_scenario(handler_client, "welfare", case)
        url = f"/toolkit/calls/{decision.reference}/answer/"
        while True:
            decision.refresh_from_db()
            if decision.has_outcome:
                break
            clock.shift(dt.timedelta(seconds=75))
            question = call_state(decision).question
            assert question is not None
            data = answer_data(decision, case.answers[question.id])
            assert handler_client.post(url, data).status_code == 302
        handler_client.post(f"/toolkit/calls/{decision.reference}/complete/", {"step": decision.step})
        handler_client.post(
            f"/toolkit/decisions/{decision.reference}/notes/",
            {"kind": "note", "text": "Officers on scene 14:09"},
        )
    handler_client.force_login(call_handler)  # the session idled out when the clock jumped back to now
    decision.refresh_from_db()
    assert decision.status == "completed"
    return decision


def test_the_bundle_hash_can_be_recomputed_and_names_the_policy_hash(
    handler_client: Any, completed: Decision
) -> None:
    response = handler_client.get(f"/toolkit/decisions/{completed.reference}/evidence.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="decision-{completed.reference}.json"'
    document = json.loads(response.content)
    assert document["sha256"] == canonical_sha256(document["content"])
    policy = document["content"]["policy"]
    version = completed.policy_version
    assert policy["content_hash"] == version.content_hash == canonical_sha256(version.document)
    assert policy["version"] == 2
    answers = document["content"]["answers"]
    assert [a["seconds_on_question"] for a in answers] == [75] * len(answers)
    assert document["content"]["outcome"]["modifiers"] == ["LAS"]
    assert document["content"]["notes"][0]["text"] == "Officers on scene 14:09"
    # The print view carries the same hash; the bundle is the same however often it is asked for.
    page = handler_client.get(f"/toolkit/decisions/{completed.reference}/evidence/").content.decode()
    assert document["sha256"] in page
    again = json.loads(handler_client.get(f"/toolkit/decisions/{completed.reference}/evidence.json").content)
    assert again["sha256"] == document["sha256"]
    # A correction is a new record, so the bundle (and its hash) changes.
    handler_client.post(
        f"/toolkit/decisions/{completed.reference}/notes/", {"kind": "correction", "text": "Time was 14:10"}
    )
    later = json.loads(handler_client.get(f"/toolkit/decisions/{completed.reference}/evidence.json").content)
    assert later["sha256"] != document["sha256"]
    assert later["sha256"] == canonical_sha256(later["content"])


def test_the_decision_page_shows_time_on_each_question_and_the_incident(
    handler_client: Any, completed: Decision
) -> None:
    earlier = Decision.objects.create(
        handler=completed.handler,
        incident_ref=completed.incident_ref,
        started_at=completed.started_at - dt.timedelta(hours=1),
        status=Decision.Status.COMPLETED,
        completed_at=completed.started_at,
        outcome_category="SIGNPOST",
    )
    page = handler_client.get(f"/toolkit/decisions/{completed.reference}/").content.decode()
    assert "On the question" in page
    assert ">75 s<" in page
    assert f'href="/toolkit/decisions/{earlier.reference}/"' in page
    assert "(earlier)" in page


def test_every_reading_is_in_the_access_log_and_auditors_search_it(
    client: Any, handler_client: Any, call_handler: Any, supervisor: Any, auditor: Any, completed: Decision
) -> None:
    before = DecisionAccess.objects.count()
    base = f"/toolkit/decisions/{completed.reference}/"
    handler_client.get(base)
    handler_client.get(base + "evidence/")
    handler_client.get(base + "evidence.json")
    b"".join(handler_client.get("/toolkit/decisions/export.csv", {"category": "DEPLOY"}).streaming_content)
    rows = list(DecisionAccess.objects.order_by("pk"))[before:]
    assert [(r.user, r.kind, r.decision_id) for r in rows] == [
        (call_handler, "page", completed.pk),
        (call_handler, "evidence", completed.pk),
        (call_handler, "evidence_json", completed.pk),
        (call_handler, "export", None),
    ]
    assert rows[-1].detail == "category=DEPLOY"
    # A supervisor's reading is logged as theirs.
    client.force_login(supervisor)
    client.get(base)
    client.force_login(auditor)
    response = client.get(
        "/toolkit/access-log/", {"staff_number": "h1001", "reference": str(completed.reference)}
    )
    assert response.status_code == 200
    shown = response.context["page"].rows
    assert {r.kind for r in shown} == {"page", "evidence", "evidence_json"}
    assert all(r.user == call_handler for r in shown)
    by_supervisor = (
        client.get("/toolkit/access-log/", {"staff_number": supervisor.staff_number}).context["page"].rows
    )
    assert [(r.kind, r.decision_id) for r in by_supervisor] == [("page", completed.pk)]
    assert client.get("/toolkit/access-log/", {"reference": "not-a-uuid"}).status_code == 400


def test_an_unreadable_decision_is_neither_shown_nor_logged(
    client: Any, second_call_handler: Any, completed: Decision
) -> None:
    client.force_login(second_call_handler)
    before = DecisionAccess.objects.count()
    for suffix in ("", "evidence/", "evidence.json"):
        assert client.get(f"/toolkit/decisions/{completed.reference}/{suffix}").status_code == 404
    assert DecisionAccess.objects.count() == before


def test_access_rows_are_append_only(completed: Decision, call_handler: Any) -> None:
    from django.core.exceptions import ValidationError

    row = DecisionAccess.objects.create(decision=completed, user=call_handler, kind="page")
    row.detail = "edited"
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
