"""The record tells the truth: no silent drops, one decision per start, escalations that happen,
an s136 clock that outlives the page, re-assessment on new information, honest housekeeping."""

from __future__ import annotations

import datetime as dt
import uuid
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from policies import content
from policies import flow as engine
from policies.models import Element
from tests.toolkit.helpers import answer_data, start, start_call, start_scenario, walk
from toolkit import services
from toolkit.models import Decision, DecisionAnswer, Escalation, HandoverRecord
from toolkit.selectors import call_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gate_off")]


def scenario(slug: str, name_part: str) -> Any:
    return next(s for s in content.scenarios(slug) if name_part in s.name)


def give(decision: Decision, actor: Any, value: Any, *, step: int | None = None, position: int = 0) -> Any:
    state = call_state(Decision.objects.get(pk=decision.pk))
    question = state.node_at(position)
    assert isinstance(question, engine.Question)
    return services.decision_answer(
        reference=decision.reference,
        actor=actor,
        step=state.decision.step if step is None else step,
        position=position,
        question_id=question.id,
        raw_value=value,
    )


# --- 1. No answer is dropped silently ------------------------------------------------------------


def test_a_stale_post_with_the_recorded_value_is_a_harmless_repeat(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    assert give(decision, call_handler, "no", step=0).recorded
    repeat = give(decision, call_handler, "no", step=0)
    assert (repeat.recorded, repeat.conflict) == (False, False)
    assert DecisionAnswer.objects.count() == 1


def test_a_stale_post_with_another_value_is_a_conflict_showing_both(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    give(decision, call_handler, "no", step=0)  # tab A
    result = give(decision, call_handler, "yes", step=0)  # tab B, one step behind
    assert not result.recorded
    assert result.conflict
    assert result.clash is not None
    assert (result.clash.recorded_label, result.clash.posted_value) == ("No", "yes")
    assert result.clash.posted_label.startswith("Yes")
    assert DecisionAnswer.objects.count() == 1  # nothing recorded until the handler chooses


# --- 2. Start and deploy are idempotent and keep what was typed ---------------------------------------


def test_starting_twice_with_one_token_makes_one_decision(handler_client: Any, v1: Any) -> None:
    token = str(uuid.uuid4())
    first = start_call(handler_client, "welfare", token=token)
    second = start_call(handler_client, "welfare", token=token)
    assert first == second
    assert Decision.objects.count() == 1


def test_the_service_refuses_a_caller_type_that_is_not_a_choice(call_handler: Any, welfare: Any) -> None:
    with pytest.raises(ValidationError, match="Select who is calling"):
        start(call_handler, caller_type="martian")
    with pytest.raises(ValidationError, match="partner agency"):
        start(call_handler, caller_type="partner", partner_kind="")
    assert not Decision.objects.exists()


def test_deploy_from_the_start_page_keeps_what_was_typed_and_records_las(
    handler_client: Any, v1: Any, call_handler: Any
) -> None:
    earlier = start_call(handler_client, "welfare", ref="CAD 4321/26NOV26")
    element = Element.objects.get(slug="s136")
    token = str(uuid.uuid4())
    data = {
        "token": token,
        "deploy": "1",
        "incident_ref": "cad 4321/26nov26",
        "element": element.pk,
        "caller_type": "self",
        "override_reason": "Caller on a bridge",
        "las": "on",
    }
    assert handler_client.post("/toolkit/start/", data).status_code == 302
    assert handler_client.post("/toolkit/start/", data).status_code == 302  # double click
    [deploy] = Decision.objects.filter(override=True)
    assert (deploy.caller_type, deploy.element, deploy.incident_ref) == ("self", element, "CAD 4321/26NOV26")
    assert deploy.outcome_category == "DEPLOY"
    assert deploy.outcome_modifiers == ["LAS"]
    assert deploy.follows == earlier
    assert "CAD 4321/26NOV26" in deploy.record_text
    assert "RCRP RCRP" not in deploy.record_text
    assert "+LAS" in deploy.record_text
    assert deploy.override_reason == "Caller on a bridge"


def test_deploy_from_the_start_page_with_nothing_chosen_records_no_default_caller(
    handler_client: Any, v1: Any
) -> None:
    handler_client.post("/toolkit/start/", {"deploy": "1", "caller_type": "nonsense"})
    deploy = Decision.objects.get()
    assert deploy.caller_type == ""  # never "a member of the public" unless chosen
    assert deploy.get_caller_type_display() == ""
    assert deploy.record_text.startswith("RCRP call before its details, no incident reference: DEPLOY")


def test_deploy_now_page_is_idempotent_and_asks_for_las(handler_client: Any, v1: Any) -> None:
    page = handler_client.get("/toolkit/deploy/").content.decode()
    assert "Ambulance (LAS) needed too?" in page
    token = page.split('name="token" value="')[1].split('"')[0]
    data = {"token": token, "reason": "Knife", "las": "on", "incident_ref": "CAD 9/26NOV26"}
    handler_client.post("/toolkit/deploy/", data)
    handler_client.post("/toolkit/deploy/", data)
    deploy = Decision.objects.get()
    assert deploy.outcome_modifiers == ["LAS"]


def test_a_second_override_changes_nothing(handler_client: Any, v1: Any) -> None:
    decision = start_call(handler_client, "welfare")
    url = f"/toolkit/calls/{decision.reference}/override/"
    handler_client.post(url, {"reason": "First reason"})
    handler_client.post(url, {"reason": "Second reason", "las": "on"})
    decision.refresh_from_db()
    assert decision.override_reason == "First reason"
    assert decision.outcome_modifiers == []


# --- 3. Escalations do what the screen says -------------------------------------------------------------


def walk_partner_escalate(client: Any) -> Decision:
    case = scenario("welfare", "Partner disputes refusal")
    return walk(client, start_scenario(client, "welfare", case), case.answers)


def complete_partner_escalate(client: Any) -> Decision:
    """Walk the partner-escalate call and complete it before the supervisor answers."""
    decision = walk_partner_escalate(client)
    client.post(
        f"/toolkit/calls/{decision.reference}/complete/",
        {"step": decision.step, "caller_told": "yes", "before_answer": "yes"},
    )
    return decision


def test_an_escalate_outcome_raises_its_escalation_without_pressing_s(handler_client: Any, v1: Any) -> None:
    decision = walk_partner_escalate(handler_client)
    assert "ESCALATE" in decision.outcome_modifiers
    escalation = Escalation.objects.get(decision=decision)
    assert escalation.reason == Escalation.Reason.OUTCOME
    assert escalation.raised_by is None


def test_completing_with_an_unanswered_escalation_needs_one_confirmation(
    handler_client: Any, v1: Any
) -> None:
    decision = walk_partner_escalate(handler_client)
    url = f"/toolkit/calls/{decision.reference}/complete/"
    data = {"step": decision.step, "caller_told": "yes"}
    response = handler_client.post(url, data)
    assert response.status_code == 400
    assert "A supervisor has not answered yet" in response.content.decode()
    assert Decision.objects.get(pk=decision.pk).is_open
    assert handler_client.post(url, {**data, "before_answer": "yes"}).status_code == 302
    decision.refresh_from_db()
    assert decision.status == Decision.Status.COMPLETED
    assert decision.completed_before_answer
    page = handler_client.get(f"/toolkit/decisions/{decision.reference}/").content.decode()
    assert "Completed before the supervisor answered" in page


def test_a_deploy_answer_on_a_completed_no_police_call_opens_a_reassessment(
    client: Any, call_handler: Any, supervisor: Any, v1: Any
) -> None:
    client.force_login(call_handler)
    decision = complete_partner_escalate(client)
    escalation = Escalation.objects.get(decision=decision)
    client.force_login(supervisor)
    response = client.post(
        f"/toolkit/escalations/{escalation.pk}/answer/",
        {"response": "deploy", "note": "Ward now says a ligature was found"},
        follow=True,
    )
    body = response.content.decode()
    assert "The call was already completed" in body
    assert "sees it on their call now" not in body
    escalation.refresh_from_db()
    assert escalation.answered_after_completion
    reassessment = escalation.reassessment
    assert reassessment is not None
    assert (reassessment.follows, reassessment.handler, reassessment.is_open) == (
        decision,
        call_handler,
        True,
    )
    assert reassessment.outcome_category == "DEPLOY"
    assert reassessment.reassessment_opened_by == supervisor
    # The handler is alerted on My calls and on an open call page's live panel.
    client.force_login(call_handler)
    assert "Supervisor: deploy police" in client.get("/toolkit/my-calls/").content.decode()
    other = start_call(client, "awol", ref="CAD 77/26NOV26")
    panel = client.get(f"/toolkit/calls/{other.reference}/escalations/").content.decode()
    assert "A supervisor asks you to act" in panel
    # Both records show the change to police at the top.
    for d in (decision, reassessment):
        page = client.get(f"/toolkit/decisions/{d.reference}/").content.decode()
        assert "Re-assessed: police now attend" in page


def test_an_answer_on_a_completed_call_that_needs_no_reassessment_says_where_it_went(
    client: Any, call_handler: Any, supervisor: Any, v1: Any
) -> None:
    client.force_login(call_handler)
    decision = complete_partner_escalate(client)
    escalation = Escalation.objects.get(decision=decision)
    client.force_login(supervisor)
    body = client.post(
        f"/toolkit/escalations/{escalation.pk}/answer/", {"response": "uphold", "note": ""}, follow=True
    ).content.decode()
    assert "the handler will not see this on the call" in body
    assert Decision.objects.count() == 1


# --- 4. The s136 clock runs until the handover -------------------------------------------------------


def walk_s136_to_arrival(client: Any, arrival: str) -> Decision:
    case = next(s for s in content.scenarios("s136") if any("arriv" in k for k in s.answers))
    decision = start_scenario(client, "s136", case)
    url = f"/toolkit/calls/{decision.reference}/answer/"
    for _ in range(30):
        question = call_state(Decision.objects.get(pk=decision.pk)).question
        assert question is not None
        is_arrival = engine.Tag.POS_ARRIVAL in question.tags
        response = client.post(
            url, answer_data(decision, arrival if is_arrival else case.answers[question.id])
        )
        if is_arrival:
            assert response.status_code == 302, response.content.decode()[-800:]
            break
    decision.refresh_from_db()
    return decision


def finish(client: Any, decision: Decision) -> None:
    """Answer what is left with the first answer each time, then complete."""
    url = f"/toolkit/calls/{decision.reference}/"
    for _ in range(30):
        state = call_state(Decision.objects.get(pk=decision.pk))
        if state.question is None:
            break
        q = state.question
        value: Any = q.answers[0].value if q.kind.has_answers else [i.value for i in q.items] or "10:30"
        client.post(url + "answer/", answer_data(decision, value))
    decision.refresh_from_db()
    client.post(
        url + "complete/",
        {"step": decision.step, "caller_told": "yes", "before_answer": "yes"},
    )
    decision.refresh_from_db()
    assert not decision.is_open


def test_the_s136_clock_outlives_the_call_and_housekeeping_alone_raises_it(
    handler_client: Any, v1: Any
) -> None:
    # Yesterday at 10:00: the clock only ever goes back, so the session never idles out.
    t0 = (timezone.localtime() - dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(t0 + dt.timedelta(minutes=40), tick=False):
        decision = walk_s136_to_arrival(handler_client, "10:00")
        finish(handler_client, decision)
        assert Decision.objects.get(pk=decision.pk).pos_arrival_at == t0
    with time_machine.travel(t0 + dt.timedelta(minutes=61), tick=False):
        handler_client.get("/toolkit/my-calls/")  # pages never sweep
        assert not Escalation.objects.filter(reason=Escalation.Reason.HANDOVER_OVERDUE).exists()
        call_command("toolkit_housekeeping", stdout=StringIO())
    overdue = Escalation.objects.get(reason=Escalation.Reason.HANDOVER_OVERDUE)
    assert overdue.decision_id == decision.pk


def test_recording_the_handover_stops_the_clock(handler_client: Any, call_handler: Any, v1: Any) -> None:
    # Yesterday at 10:00: the clock only ever goes back, so the session never idles out.
    t0 = (timezone.localtime() - dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(t0 + dt.timedelta(minutes=30), tick=False):
        decision = walk_s136_to_arrival(handler_client, "10:00")
        finish(handler_client, decision)
        assert "Record the handover" in handler_client.get("/toolkit/my-calls/").content.decode()
        url = f"/toolkit/calls/{decision.reference}/handover/"
        refused = handler_client.post(url, {"kind": "handed_over", "at": "11:30"})
        assert refused.status_code == 400
        assert "cannot be in the future" in refused.content.decode()
        assert handler_client.post(url, {"kind": "handed_over", "at": "10:25"}).status_code == 302
    record = HandoverRecord.objects.get(decision=decision)
    assert record.occurred_at == t0 + dt.timedelta(minutes=25)
    with time_machine.travel(t0 + dt.timedelta(minutes=90), tick=False):
        call_command("toolkit_housekeeping", stdout=StringIO())
        assert not Escalation.objects.filter(reason=Escalation.Reason.HANDOVER_OVERDUE).exists()
        handler_client.force_login(call_handler)
        page = handler_client.get(f"/toolkit/decisions/{decision.reference}/").content.decode()
        assert "handover to health completed at 10:25 (25 minutes)" in page


def test_an_arrival_time_in_the_future_is_refused_on_the_question(handler_client: Any, v1: Any) -> None:
    # Yesterday at 10:00: the clock only ever goes back, so the session never idles out.
    t0 = (timezone.localtime() - dt.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(t0, tick=False):
        case = next(s for s in content.scenarios("s136") if any("arriv" in k for k in s.answers))
        decision = start_call(handler_client, "s136")
        url = f"/toolkit/calls/{decision.reference}/answer/"
        for _ in range(30):
            question = call_state(Decision.objects.get(pk=decision.pk)).question
            assert question is not None
            if engine.Tag.POS_ARRIVAL in question.tags:
                response = handler_client.post(url, answer_data(decision, "11:00"))
                assert response.status_code == 400
                assert "arrival time cannot be in the future" in response.content.decode()
                return
            handler_client.post(url, answer_data(decision, case.answers[question.id]))
    raise AssertionError("no arrival question reached")


def test_going_back_to_a_branch_without_an_arrival_clears_it(handler_client: Any, v1: Any) -> None:
    decision = walk_s136_to_arrival(handler_client, timezone.localtime().strftime("%H:%M"))
    assert decision.pos_arrival_at is not None
    first = call_state(decision).path[0]
    question = call_state(decision).node_at(0)
    assert isinstance(question, engine.Question)
    other = next(a.value for a in question.answers if a.value != first.value)
    handler_client.post(
        f"/toolkit/calls/{decision.reference}/answer/", answer_data(decision, other, position=0)
    )
    decision.refresh_from_db()
    assert decision.pos_arrival_at is None


# --- 5. Re-assessment on new information --------------------------------------------------------------


def test_new_information_starts_a_linked_decision_and_supersedes_the_earlier(
    handler_client: Any, v1: Any
) -> None:
    case = next(s for s in content.scenarios("welfare") if s.expected_category == "SIGNPOST")
    earlier = walk(handler_client, start_scenario(handler_client, "welfare", case), case.answers)
    handler_client.post(
        f"/toolkit/calls/{earlier.reference}/complete/", {"step": earlier.step, "caller_told": "yes"}
    )
    detail = handler_client.get(f"/toolkit/decisions/{earlier.reference}/").content.decode()
    assert "New information on this incident" in detail
    form = handler_client.get(f"/toolkit/start/?follows={earlier.reference}").content.decode()
    assert "re-assesses the decision" in form
    assert 'value="CAD 123/26NOV26"' in form
    token = form.split('name="token" value="')[1].split('"')[0]
    later = start_call(handler_client, "welfare", follows=str(earlier.reference), token=token)
    assert later.follows == earlier
    assert later.policy_version == v1["welfare"]
    question_page = handler_client.get(f"/toolkit/calls/{later.reference}/").content.decode()
    assert "Earlier decision on this incident" in question_page
    assert call_state(earlier).path[0].question_text in question_page
    # Re-assessed to deploy: both records say so at the top.
    handler_client.post(f"/toolkit/calls/{later.reference}/override/", {"reason": "Now has a knife"})
    for d in (earlier, later):
        page = handler_client.get(f"/toolkit/decisions/{d.reference}/").content.decode()
        assert "Re-assessed: police now attend" in page
    assert "Superseded by" in handler_client.get(f"/toolkit/decisions/{earlier.reference}/").content.decode()


# --- 6. My calls shows every open call ------------------------------------------------------------------


def test_my_calls_keeps_a_call_started_before_midnight(
    handler_client: Any, call_handler: Any, v1: Any
) -> None:
    night = timezone.localtime().replace(hour=23, minute=50, second=0, microsecond=0)
    with time_machine.travel(night, tick=False):
        handler_client.force_login(call_handler)
        decision = start_call(handler_client, "welfare")
    with time_machine.travel(night + dt.timedelta(minutes=20), tick=False):
        page = handler_client.get("/toolkit/my-calls/").content.decode()
    assert f"/toolkit/calls/{decision.reference}/" in page


def test_my_calls_shows_an_old_call_waiting_for_a_supervisor(
    handler_client: Any, call_handler: Any, v1: Any
) -> None:
    yesterday = timezone.now() - dt.timedelta(days=1)
    with time_machine.travel(yesterday, tick=False):
        handler_client.force_login(call_handler)
        decision = complete_partner_escalate(handler_client)
    handler_client.force_login(call_handler)
    page = handler_client.get("/toolkit/my-calls/").content.decode()
    assert f"/toolkit/decisions/{decision.reference}/" in page
    assert "Supervisor&#x27;s answer awaited" in page or "Supervisor's answer awaited" in page


def test_my_calls_is_one_query_for_its_rows(
    handler_client: Any, v1: Any, django_assert_num_queries: Any
) -> None:
    for i in range(3):
        start_call(handler_client, "welfare", ref=f"CAD {i}/26NOV26")
    handler_client.get("/toolkit/my-calls/")
    # session, the user with their roles and permissions, the rows
    with django_assert_num_queries(3):
        body = handler_client.get("/toolkit/my-calls/").content.decode()
    assert body.count("Resume<span") == 3


# --- 7. Housekeeping never calls a deploy abandoned ---------------------------------------------------


def test_housekeeping_closes_a_deploy_as_outcome_reached_not_completed(handler_client: Any, v1: Any) -> None:
    deploy = start_call(handler_client, "welfare")
    handler_client.post(f"/toolkit/calls/{deploy.reference}/answer/", answer_data(deploy, "yes"))
    empty = start_call(handler_client, "welfare", ref="CAD 5/26NOV26")
    out = StringIO()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=5), tick=False):
        call_command("toolkit_housekeeping", stdout=out)
    deploy.refresh_from_db()
    empty.refresh_from_db()
    assert deploy.outcome_category == "DEPLOY"
    assert deploy.status == Decision.Status.UNCONFIRMED
    assert deploy.get_status_display() == "Outcome reached, not completed"
    assert empty.status == Decision.Status.ABANDONED
    assert "calls abandoned: 1; outcome reached, not completed: 1" in out.getvalue()


# --- 10. Sessions stay honest ------------------------------------------------------------------------


def test_background_polls_do_not_keep_an_idle_session_alive(
    handler_client: Any, v1: Any, settings: Any
) -> None:
    decision = start_call(handler_client, "welfare")
    poll = f"/toolkit/calls/{decision.reference}/escalations/"
    t0 = timezone.now()
    idle = settings.SESSION_IDLE_MINUTES
    with time_machine.travel(t0, tick=False):
        assert handler_client.get(f"/toolkit/calls/{decision.reference}/").status_code == 200
    for minute in range(5, idle + 5, 5):  # the page polls on, nobody touches it
        with time_machine.travel(t0 + dt.timedelta(minutes=minute), tick=False):
            response = handler_client.get(poll, HTTP_HX_REQUEST="true")
    assert response.status_code == 204  # signed out: htmx is sent to the sign-in page
    assert response.headers["HX-Redirect"].startswith("/accounts/login/")
