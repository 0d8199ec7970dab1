"""The live call's services: persistence, integrity, override, escalations, s136 timer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from policies import flow as engine
from rcrp.accounts.models import AuditEvent
from tests.toolkit.helpers import start
from toolkit import services
from toolkit.models import Decision, DecisionAnswer, DecisionNote, Escalation
from toolkit.selectors import call_state
from toolkit.services.override import NO_REASON
from toolkit.services.s136 import time_today

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("gate_off")]


def give(
    decision: Decision, actor: Any, value: Any, *, position: int | None = None, step: int | None = None
) -> services.StepResult:
    decision.refresh_from_db()
    state = call_state(decision)
    pos = len(state.path) if position is None else position
    question = state.node_at(pos)
    chosen = question.answer(value) if question.kind.has_answers else None
    return services.decision_answer(
        reference=decision.reference,
        actor=actor,
        step=decision.step if step is None else step,
        position=pos,
        question_id=question.id,
        raw_value=value,
        note="noted" if chosen is not None and chosen.needs_note else "",
    )


def test_start_pins_the_published_version_its_hash_and_the_engine(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    assert decision.policy_version == welfare
    assert decision.content_hash == welfare.content_hash == engine.content_hash(welfare.document)
    assert decision.engine_version == engine.ENGINE_VERSION
    assert decision.status == Decision.Status.IN_PROGRESS
    event = AuditEvent.objects.get(action="toolkit.decision.started")
    assert event.actor == call_handler
    assert event.data["new"]["version"] == 1


def test_start_without_a_published_policy_is_a_clear_error(call_handler: Any, agencies: None) -> None:
    with pytest.raises(ValidationError, match="no published policy"):
        start(call_handler)


def test_each_answer_is_stored_with_its_wording_label_and_time(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    first = call_state(decision).question
    moment = timezone.now() - dt.timedelta(seconds=5)
    with time_machine.travel(moment, tick=False):
        assert give(decision, call_handler, "no").recorded
    stored = DecisionAnswer.objects.get(decision=decision)
    assert stored.question_id == first.id
    assert stored.question_text == first.text
    assert stored.value == "no"
    assert stored.value_label == first.answer("no").label
    assert stored.answered_at == moment
    decision.refresh_from_db()
    assert decision.step == 1


def test_a_double_submitted_answer_is_stored_once(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    assert give(decision, call_handler, "no", step=0).recorded
    repeat = give(decision, call_handler, "no", step=0, position=0)
    assert not repeat.recorded
    assert not repeat.conflict
    assert DecisionAnswer.objects.filter(decision=decision).count() == 1


def test_two_tabs_cannot_fork_the_call(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    give(decision, call_handler, "no", step=0)  # tab A answers the first question
    stale = give(decision, call_handler, "no", step=0, position=1)  # tab B still shows the old step
    assert stale.conflict
    assert DecisionAnswer.objects.filter(decision=decision).count() == 1


def test_changing_an_answer_keeps_the_superseded_one(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    give(decision, call_handler, "no")
    give(decision, call_handler, "none")
    give(decision, call_handler, "no", position=0)  # change the first answer
    decision.refresh_from_db()
    state = call_state(decision)
    assert len(state.history) == 3
    assert [a.sequence for a in state.path] == [3]
    assert {a.sequence for a in state.superseded} == {1, 2}


def test_an_answer_that_asserts_immediate_danger_deploys(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    give(decision, call_handler, "yes")
    decision.refresh_from_db()
    assert decision.outcome_category == "DEPLOY"
    assert decision.script_shown
    assert "RCRP" in decision.record_text


def test_an_invalid_answer_is_refused_with_the_govuk_message(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    question = call_state(decision).question
    with pytest.raises(ValidationError, match="Select an answer"):
        services.decision_answer(
            reference=decision.reference,
            actor=call_handler,
            step=0,
            position=0,
            question_id=question.id,
            raw_value="maybe",
        )
    assert not DecisionAnswer.objects.exists()


def test_override_deploys_from_any_question_even_without_a_reason(call_handler: Any, welfare: Any) -> None:
    decision = start(call_handler)
    give(decision, call_handler, "no")
    services.decision_override(reference=decision.reference, actor=call_handler, reason="  ")
    decision.refresh_from_db()
    assert decision.override
    assert decision.outcome_category == "DEPLOY"
    assert decision.override_reason == NO_REASON
    assert AuditEvent.objects.filter(action="toolkit.decision.overridden").exists()
    # Once deploying, further answers cannot undo it.
    assert give(decision, call_handler, "no").conflict


@override_settings(TRAINING_GATE_MODE="block")
def test_block_mode_refuses_to_start_but_never_the_override(
    call_handler: Any, welfare: Any, monkeypatch: Any
) -> None:
    from training import gate

    monkeypatch.setattr(gate, "_reasons", lambda user: ["You have not completed the RCRP course."])
    with pytest.raises(PermissionDenied, match="not completed"):
        start(call_handler)
    decision = services.decision_start_override(
        actor=call_handler, reason="Knife seen", incident_ref="CAD 9/26NOV26"
    )
    assert decision.override
    assert decision.outcome_category == "DEPLOY"


@override_settings(TRAINING_GATE_MODE="warn")
def test_warn_mode_starts_the_call_and_records_the_warning(
    call_handler: Any, welfare: Any, monkeypatch: Any
) -> None:
    from training import gate

    monkeypatch.setattr(gate, "_reasons", lambda user: ["You have not completed the RCRP course."])
    decision = start(call_handler)
    assert decision.training_warning == "You have not completed the RCRP course."


def test_a_no_police_outcome_needs_the_caller_told_confirmation(call_handler: Any, v1: Any) -> None:
    from policies import content

    scenario = next(s for s in content.scenarios("welfare") if s.expected_category == "SIGNPOST")
    decision = start(call_handler)
    while (question := call_state(decision).question) is not None:
        give(decision, call_handler, scenario.answers[question.id])
        decision.refresh_from_db()
    assert decision.no_police
    with pytest.raises(ValidationError, match="told the caller"):
        services.decision_complete(
            reference=decision.reference, actor=call_handler, step=decision.step, caller_told=False
        )
    result = services.decision_complete(
        reference=decision.reference,
        actor=call_handler,
        step=decision.step,
        caller_told=True,
        receiving_agency_ref="111-42",
    )
    assert result.recorded
    decision.refresh_from_db()
    assert decision.status == Decision.Status.COMPLETED
    assert decision.caller_told is True
    assert decision.receiving_agency_ref == "111-42"
    # Completing twice (a double click) records once.
    assert not services.decision_complete(
        reference=decision.reference, actor=call_handler, step=decision.step, caller_told=True
    ).recorded


def completed(call_handler: Any) -> Decision:
    decision = start(call_handler)
    give(decision, call_handler, "yes")
    decision.refresh_from_db()
    services.decision_complete(
        reference=decision.reference, actor=call_handler, step=decision.step, caller_told=False
    )
    return Decision.objects.get(pk=decision.pk)


def test_completed_decisions_and_answers_cannot_change_through_the_models(
    call_handler: Any, welfare: Any
) -> None:
    decision = completed(call_handler)
    decision.outcome_category = "SIGNPOST"
    with pytest.raises(ValidationError):
        decision.save()
    with pytest.raises(ValidationError):
        decision.delete()
    answer = decision.answers.get()
    answer.value = "no"
    with pytest.raises(ValidationError):
        answer.save()
    with pytest.raises(ValidationError):
        DecisionAnswer.objects.filter(pk=answer.pk).update(value="no")
    with pytest.raises(ValidationError, match="already completed"):
        give(decision, call_handler, "no", position=0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL only")
def test_postgresql_refuses_raw_changes_to_completed_decisions(call_handler: Any, welfare: Any) -> None:
    decision = completed(call_handler)
    answer = decision.answers.get()
    for sql, pk in (
        ("UPDATE toolkit_decision SET outcome_category = 'SIGNPOST' WHERE id = %s", decision.pk),
        ("DELETE FROM toolkit_decision WHERE id = %s", decision.pk),
        ("UPDATE toolkit_decisionanswer SET value = '\"no\"' WHERE id = %s", answer.pk),
        ("DELETE FROM toolkit_decisionanswer WHERE id = %s", answer.pk),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql, [pk])
    assert Decision.objects.get(pk=decision.pk).outcome_category == "DEPLOY"


def test_a_correction_is_a_new_linked_record(call_handler: Any, welfare: Any) -> None:
    decision = completed(call_handler)
    note = services.decision_note_add(
        decision=decision, actor=call_handler, kind="correction", text="Caller was a GP"
    )
    assert note.decision == decision
    assert DecisionNote.objects.count() == 1
    with pytest.raises(ValidationError):
        services.decision_note_add(decision=decision, actor=call_handler, kind="note", text="  ")


def test_new_information_links_to_the_earlier_decision(call_handler: Any, welfare: Any) -> None:
    first = completed(call_handler)
    second = start(call_handler, incident_ref=first.incident_ref)
    assert second.follows == first


def test_escalation_is_raised_claimed_and_answered(call_handler: Any, supervisor: Any, welfare: Any) -> None:
    decision = start(call_handler)
    escalation = services.escalation_raise(
        reference=decision.reference, actor=call_handler, reason="unsure", note="Partner insists"
    )
    assert escalation.is_open
    services.escalation_claim(escalation=escalation, actor=supervisor)
    services.escalation_answer(escalation=escalation, actor=supervisor, response="deploy", note="Send them")
    escalation.refresh_from_db()
    assert (escalation.claimed_by, escalation.answered_by, escalation.response) == (
        supervisor,
        supervisor,
        "deploy",
    )
    with pytest.raises(ValidationError, match="already been answered"):
        services.escalation_answer(escalation=escalation, actor=supervisor, response="uphold", note="")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "toolkit.escalation.raised",
        "toolkit.escalation.claimed",
        "toolkit.escalation.answered",
    } <= actions


def test_s136_handover_raises_one_escalation_at_60_minutes(call_handler: Any, v1: Any) -> None:
    from policies import content

    scenario = next(s for s in content.scenarios("s136") if any("arriv" in k for k in s.answers))
    t0 = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(t0, tick=False):
        decision = start(call_handler, slug="s136")
        while (question := call_state(decision).question) is not None:
            arrival = engine.Tag.POS_ARRIVAL in question.tags
            assert give(
                decision, call_handler, "10:00" if arrival else scenario.answers[question.id]
            ).recorded
            decision.refresh_from_db()
            if arrival:
                break
        assert decision.pos_arrival_at == t0
    with time_machine.travel(t0 + dt.timedelta(minutes=59), tick=False):
        assert services.handover_overdue_sweep() == 0
    with time_machine.travel(t0 + dt.timedelta(minutes=60), tick=False):
        assert services.handover_overdue_sweep() == 1
        assert services.handover_overdue_sweep() == 0
    escalation = Escalation.objects.get(decision=decision)
    assert escalation.raised_at == t0 + dt.timedelta(minutes=60)
    assert escalation.reason == Escalation.Reason.HANDOVER_OVERDUE
    assert escalation.raised_by is None


def test_an_arrival_time_just_before_midnight_is_taken_as_yesterday() -> None:
    now = timezone.make_aware(dt.datetime(2026, 11, 26, 0, 20))
    assert time_today("23:50", now) == timezone.make_aware(dt.datetime(2026, 11, 25, 23, 50))
    assert time_today("00:05", now) == timezone.make_aware(dt.datetime(2026, 11, 26, 0, 5))


def test_an_arrival_time_in_the_future_is_refused() -> None:
    now = timezone.make_aware(dt.datetime(2026, 11, 26, 14, 0))
    assert time_today("14:01", now) == timezone.make_aware(dt.datetime(2026, 11, 26, 14, 1))  # clock skew
    with pytest.raises(ValidationError, match="cannot be in the future"):
        time_today("15:00", now)


def test_untouched_calls_are_marked_abandoned(call_handler: Any, welfare: Any) -> None:
    t0 = timezone.now()
    with time_machine.travel(t0, tick=False):
        stale = start(call_handler)
    with time_machine.travel(t0 + dt.timedelta(hours=3), tick=False):
        fresh = start(call_handler, incident_ref="CAD 2/26NOV26")
        assert services.decisions_close_stale(older_than=dt.timedelta(hours=2)) == {
            "abandoned": 1,
            "unconfirmed": 0,
        }
    assert Decision.objects.get(pk=stale.pk).status == Decision.Status.ABANDONED
    assert Decision.objects.get(pk=fresh.pk).status == Decision.Status.IN_PROGRESS
