"""The toolkit's pages through real URLs: the permission ladder, errors, resume, query counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import override_settings

from tests.toolkit.conftest import ELEMENTS
from tests.toolkit.helpers import answer_data, start_call, start_scenario, walk
from toolkit.models import Decision, DecisionAnswer, Escalation
from toolkit.selectors import call_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gate_off")]


def test_start_page_lists_each_element_with_its_description(handler_client: Any, v1: Any) -> None:
    body = handler_client.get("/toolkit/start/").content.decode()
    for title in (
        "Concern for welfare",
        "Walkouts and AWOL",
        "Section 136 handover",
        "Transport in a mental health crisis",
    ):
        assert title in body
    assert "Immediate risk — deploy police now" in body


def test_deep_link_prefills_element_and_incident(handler_client: Any, v1: Any) -> None:
    body = handler_client.get("/toolkit/start/?element=s136&ref=cad 77/26nov26").content.decode()
    assert 'value="CAD 77/26NOV26"' in body
    s136 = v1["s136"].element_id
    radios = [tag for tag in re.findall(r"<input\b[^>]*>", body) if 'name="element"' in tag]
    checked = [re.search(r'value="([^"]*)"', tag)[1] for tag in radios if re.search(r"\bchecked\b", tag)]
    assert len(radios) == 4
    assert checked == [str(s136)]


def test_start_form_errors_are_a_400_with_an_error_summary(handler_client: Any, v1: Any) -> None:
    response = handler_client.post("/toolkit/start/", {"incident_ref": "nonsense"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Select what the call is about" in body
    assert "Enter the incident reference in the right format" in body
    assert not Decision.objects.exists()


def test_no_incident_reference_needs_a_reason(handler_client: Any, v1: Any) -> None:
    response = handler_client.post(
        "/toolkit/start/", {"element": v1["welfare"].element_id, "caller_type": "public"}
    )
    assert response.status_code == 400
    assert "Enter the incident reference, or say why there is none yet" in response.content.decode()
    decision = start_call(handler_client, "welfare", ref="", incident_ref_missing_reason="CAD system down")
    assert decision.incident_ref_missing_reason == "CAD system down"


def test_partner_caller_needs_the_kind_of_partner(handler_client: Any, v1: Any) -> None:
    data = {"element": v1["welfare"].element_id, "caller_type": "partner", "incident_ref": "CAD 1/26NOV26"}
    assert (
        "Select which partner agency is calling"
        in handler_client.post("/toolkit/start/", data).content.decode()
    )
    decision = start_call(handler_client, "welfare", caller_type="partner", partner_kind="gp")
    assert decision.partner_kind == "gp"


def test_question_page_shows_one_question_override_and_supervisor(handler_client: Any, v1: Any) -> None:
    decision = start_call(handler_client, "welfare")
    body = handler_client.get(f"/toolkit/calls/{decision.reference}/").content.decode()
    assert body.count('name="question_id"') == 1
    assert "Immediate risk — deploy police now" in body
    assert "Ask a supervisor" in body
    assert 'data-key="1"' in body


def test_reloading_mid_call_resumes_at_the_same_question(handler_client: Any, v1: Any) -> None:
    decision = start_call(handler_client, "welfare")
    url = f"/toolkit/calls/{decision.reference}/"
    handler_client.post(url + "answer/", answer_data(decision, "no"))
    first = handler_client.get(url).content.decode()
    again = handler_client.get(url).content.decode()
    assert 'value="q_crime"' in first
    assert 'value="q_crime"' in again
    assert "My calls" in handler_client.get("/toolkit/my-calls/").content.decode()
    assert (
        f"/toolkit/calls/{decision.reference}/" in handler_client.get("/toolkit/my-calls/").content.decode()
    )


def test_a_double_submitted_answer_is_stored_once(handler_client: Any, v1: Any) -> None:
    decision = start_call(handler_client, "welfare")
    data = answer_data(decision, "no")
    url = f"/toolkit/calls/{decision.reference}/answer/"
    assert handler_client.post(url, data).status_code == 302
    assert handler_client.post(url, data).status_code == 302
    assert DecisionAnswer.objects.filter(decision=decision).count() == 1


def test_a_stale_tab_with_a_different_answer_sees_both_and_can_record_its_own(
    handler_client: Any, v1: Any
) -> None:
    decision = start_call(handler_client, "welfare")
    url = f"/toolkit/calls/{decision.reference}/answer/"
    stale = answer_data(decision, "no")
    handler_client.post(url, stale)  # tab A: "No"
    handler_client.post(url, answer_data(decision, "none"))
    stale["answer"] = "yes"  # tab B, a step behind: "Yes"
    response = handler_client.post(url, stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "answered differently in another tab" in body
    recorded = body.split('id="clash-recorded"')[1].split("</td>")[0]
    posted = body.split('id="clash-posted"')[1].split("</td>")[0]
    assert "No" in recorded
    assert "Yes" in posted
    assert DecisionAnswer.objects.filter(decision=decision).count() == 2  # nothing recorded yet
    # One click records tab B's answer: a change at that question, the later answer superseded.
    decision.refresh_from_db()
    mine = {"step": decision.step, "position": 0, "question_id": stale["question_id"], "kind": stale["kind"]}
    assert handler_client.post(url, {**mine, "answer": "yes"}).status_code == 302
    path = call_state(Decision.objects.get(pk=decision.pk)).path
    assert [a.value for a in path] == ["yes"]


def test_a_stale_tab_whose_question_left_the_call_is_told_its_answer_was_not_recorded(
    handler_client: Any, v1: Any
) -> None:
    decision = start_call(handler_client, "welfare")
    url = f"/toolkit/calls/{decision.reference}/answer/"
    handler_client.post(url, answer_data(decision, "no"))
    behind = answer_data(decision, "none")  # tab B shows the second question
    handler_client.post(url, answer_data(decision, "yes", position=0))  # tab A changes the first
    response = handler_client.post(url, behind, follow=True)
    body = response.content.decode()
    assert "was not recorded" in body
    assert "moved on in another tab" in body


def test_an_unanswered_question_is_a_400_with_the_error_linked_to_the_first_answer(
    handler_client: Any, v1: Any
) -> None:
    decision = start_call(handler_client, "welfare")
    data = answer_data(decision, "")
    response = handler_client.post(f"/toolkit/calls/{decision.reference}/answer/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert '<a href="#id_answer_1">Select an answer</a>' in body
    assert 'id="id_answer_1"' in body


def test_garbage_posts_never_500(handler_client: Any, v1: Any) -> None:
    decision = start_call(handler_client, "welfare")
    url = f"/toolkit/calls/{decision.reference}/answer/"
    for data in (
        {},
        {"position": "x"},
        {"position": "99", "step": "0", "question_id": "q_x"},
        {"step": "zz", "position": "0"},
    ):
        response = handler_client.post(url, data)
        assert response.status_code in {302, 400}, data
    assert (
        handler_client.post(f"/toolkit/calls/{decision.reference}/complete/", {"step": "x"}).status_code
        == 302
    )


def test_override_page_deploys_in_one_step(handler_client: Any, v1: Any) -> None:
    decision = start_call(handler_client, "welfare")
    url = f"/toolkit/calls/{decision.reference}/override/"
    assert "In a few words" in handler_client.get(url).content.decode()
    response = handler_client.post(url, {"reason": "Sounds of a struggle"}, follow=True)
    body = response.content.decode()
    assert "Deploy police" in body
    decision.refresh_from_db()
    assert decision.override
    assert decision.override_reason == "Sounds of a struggle"


def test_deploy_now_without_a_call(handler_client: Any, v1: Any) -> None:
    response = handler_client.post(
        "/toolkit/deploy/", {"reason": "Weapon mentioned", "incident_ref": "cad 5/26nov26"}
    )
    decision = Decision.objects.get()
    assert response.url == f"/toolkit/calls/{decision.reference}/"
    assert decision.incident_ref == "CAD 5/26NOV26"
    assert decision.outcome_category == "DEPLOY"


def test_completing_a_signpost_needs_the_confirmation(handler_client: Any, v1: Any) -> None:
    from policies import content

    scenario = next(s for s in content.scenarios("welfare") if s.expected_category == "SIGNPOST")
    decision = walk(handler_client, start_call(handler_client, "welfare"), scenario.answers)
    url = f"/toolkit/calls/{decision.reference}/"
    body = handler_client.get(url).content.decode()
    assert "Read this to the caller" in body
    assert "Record for the command-and-control log" in body
    response = handler_client.post(url + "complete/", {"step": decision.step})
    assert response.status_code == 400
    assert "Confirm you have told the caller" in response.content.decode()
    response = handler_client.post(url + "complete/", {"step": decision.step, "caller_told": "yes"})
    assert response.url == f"/toolkit/decisions/{decision.reference}/"
    # A completed call is read-only: its call page sends you to the decision.
    assert handler_client.get(url).url == f"/toolkit/decisions/{decision.reference}/"


def test_a_handler_gets_404_on_another_handlers_call_and_decision(
    client: Any, call_handler: Any, second_call_handler: Any, v1: Any
) -> None:
    client.force_login(call_handler)
    decision = start_call(client, "welfare")
    client.force_login(second_call_handler)
    for url in (
        f"/toolkit/calls/{decision.reference}/",
        f"/toolkit/decisions/{decision.reference}/",
        f"/toolkit/calls/{decision.reference}/override/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/toolkit/calls/{decision.reference}/answer/", answer_data(decision, "no")).status_code
        == 404
    )
    assert not DecisionAnswer.objects.exists()


def test_supervisors_and_auditors_read_any_decision(
    client: Any, call_handler: Any, supervisor: Any, auditor: Any, v1: Any
) -> None:
    client.force_login(call_handler)
    decision = start_call(client, "welfare")
    for reader in (supervisor, auditor):
        client.force_login(reader)
        response = client.get(f"/toolkit/decisions/{decision.reference}/")
        assert response.status_code == 200
        assert decision.content_hash in response.content.decode()
    client.force_login(auditor)
    assert client.get("/toolkit/decisions/").status_code == 200
    response = client.post(f"/toolkit/decisions/{decision.reference}/notes/", {"kind": "note", "text": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("/toolkit/start/", "call_handler", "trainer"),
        ("/toolkit/my-calls/", "call_handler", "auditor"),
        ("/toolkit/escalations/", "floor_walker", "call_handler"),
        ("/toolkit/decisions/", "auditor", "trainer"),
    ],
)
def test_permission_ladder(
    client: Any, request: pytest.FixtureRequest, v1: Any, url: str, allowed: str, refused: str
) -> None:
    assert client.get(url).status_code == 302
    client.force_login(request.getfixturevalue(refused))
    assert client.get(url).status_code == 403
    client.force_login(request.getfixturevalue(allowed))
    assert client.get(url).status_code == 200


def statements(run: Any) -> list[str]:
    """The SQL statements `run()` sends, leaving out transaction brackets (BEGIN, SAVEPOINT...)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        run()
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].split()[0] in {"SELECT", "INSERT", "UPDATE", "DELETE"}
    ]


def test_question_page_and_answer_post_run_a_small_fixed_number_of_queries(
    handler_client: Any, v1: Any, django_assert_num_queries: Any
) -> None:
    decision = start_call(handler_client, "welfare")
    url = f"/toolkit/calls/{decision.reference}/"
    handler_client.post(url + "answer/", answer_data(decision, "no"))
    handler_client.get(url)  # warm the parsed-flow cache, as any running server has
    # session, the user with their roles and permissions, the decision (with element, version,
    # site, its answers and whether it has escalations; none here, so no escalation query)
    with django_assert_num_queries(3):
        assert handler_client.get(url).status_code == 200
    data = answer_data(decision, "none")
    # session, the user with their roles and permissions, then in one transaction: lock the
    # decision and read its answers, insert the answer, update the decision
    sent = statements(lambda: handler_client.post(url + "answer/", data))
    assert len(sent) == 5, "\n".join(sent)


def test_escalation_list_is_one_query_for_the_rows(
    client: Any, call_handler: Any, supervisor: Any, v1: Any, django_assert_num_queries: Any
) -> None:
    from toolkit import services

    client.force_login(call_handler)
    for i in range(3):
        decision = start_call(client, "welfare", ref=f"CAD {i}/26NOV26")
        services.escalation_raise(reference=decision.reference, actor=call_handler, reason="unsure")
    client.force_login(supervisor)
    client.get("/toolkit/escalations/rows/")
    # session, the user with their roles and permissions, the rows (no sweep: housekeeping alone writes)
    with django_assert_num_queries(3):
        body = client.get("/toolkit/escalations/rows/").content.decode()
    assert body.count("data-escalation=") == 3


def test_supervisor_answer_reaches_the_handlers_call(
    client: Any, call_handler: Any, supervisor: Any, v1: Any
) -> None:
    client.force_login(call_handler)
    decision = start_call(client, "welfare")
    response = client.post(
        f"/toolkit/calls/{decision.reference}/escalate/", {"reason": "partner_dispute", "note": "GP insists"}
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    client.force_login(supervisor)
    assert "GP insists" in client.get("/toolkit/escalations/").content.decode()
    assert client.post(f"/toolkit/escalations/{escalation.pk}/claim/").status_code == 302
    response = client.post(
        f"/toolkit/escalations/{escalation.pk}/answer/",
        {"response": "advise", "note": "Ask about a key holder"},
    )
    assert response.status_code == 302
    client.force_login(call_handler)
    status = client.get(f"/toolkit/calls/{decision.reference}/escalations/").content.decode()
    assert "Ask about a key holder" in status


def test_the_v1_scenarios_walked_through_the_views_number_at_least_32() -> None:
    from policies import content

    assert sum(len(content.scenarios(slug)) for slug in ELEMENTS) >= 32


@override_settings(TRAINING_GATE_MODE="off")
@pytest.mark.parametrize("slug", ELEMENTS)  # one test per element, so parallel runs share them out
def test_every_policy_scenario_reaches_its_outcome_through_the_views(
    late_evening: None, handler_client: Any, v1: Any, slug: str
) -> None:
    from policies import content

    scenarios = content.scenarios(slug)
    count = 0
    for scenario in scenarios:
        decision = start_scenario(handler_client, slug, scenario)
        decision = walk(handler_client, decision, scenario.answers)
        assert decision.outcome_category == scenario.expected_category, (slug, scenario.name)
        assert decision.outcome_id == scenario.expected_outcome, (slug, scenario.name)
        assert decision.agency_key == scenario.expected_agency, (slug, scenario.name)
        count += 1
    assert count == len(scenarios) > 0


def test_s136_page_shows_the_timer_and_raises_one_escalation_at_60_minutes(
    handler_client: Any, v1: Any
) -> None:
    import datetime as dt
    from io import StringIO

    import time_machine
    from django.core.management import call_command
    from django.utils import timezone

    from policies import content
    from policies import flow as engine

    scenario = next(s for s in content.scenarios("s136") if any(k for k in s.answers if "arriv" in k))
    # Yesterday at 10:00: the clock only ever goes back, so the session never idles out.
    t0 = (timezone.localtime() - dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(t0, tick=False):
        decision = start_call(handler_client, "s136")
        url = f"/toolkit/calls/{decision.reference}/"
        # Answer up to and including the arrival time at the place of safety.
        from toolkit.selectors import call_state

        for _ in range(30):
            decision.refresh_from_db()
            question = call_state(decision).question
            assert question is not None
            value = "10:00" if engine.Tag.POS_ARRIVAL in question.tags else scenario.answers[question.id]
            handler_client.post(url + "answer/", answer_data(decision, value))
            if engine.Tag.POS_ARRIVAL in question.tags:
                break
        decision.refresh_from_db()
        assert decision.pos_arrival_at == t0
        assert "s136 handover" in handler_client.get(url + "escalations/").content.decode()
    with time_machine.travel(t0 + dt.timedelta(minutes=59), tick=False):
        assert "Overdue" not in handler_client.get(url + "escalations/").content.decode()
        assert not Escalation.objects.exists()
        assert handler_client.get(url).status_code == 200  # the handler is still at work: renews the session
    with time_machine.travel(t0 + dt.timedelta(minutes=60, seconds=1), tick=False):
        body = handler_client.get(url + "escalations/").content.decode()
        assert "Overdue" in body
        assert not Escalation.objects.exists()  # a GET never writes: the sweep is housekeeping's
        call_command("toolkit_housekeeping", stdout=StringIO())
        call_command("toolkit_housekeeping", stdout=StringIO())
    escalation = Escalation.objects.get()
    assert escalation.reason == Escalation.Reason.HANDOVER_OVERDUE


def test_housekeeping_command_abandons_stale_calls(handler_client: Any, v1: Any) -> None:
    import datetime as dt
    from io import StringIO

    import time_machine
    from django.core.management import call_command
    from django.utils import timezone

    decision = start_call(handler_client, "welfare")
    out = StringIO()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=5), tick=False):
        call_command("toolkit_housekeeping", stdout=out)
    assert "calls abandoned: 1" in out.getvalue()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.ABANDONED
    assert handler_client.get(f"/toolkit/calls/{decision.reference}/").status_code == 302
