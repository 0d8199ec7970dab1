"""The live call's writes: start, answer, deploy override, complete, and notes on a decision.

Each answer is stored in one transaction with the decision row locked, so two tabs, a double
click or a retried request can never record twice or fork the call: every form carries the
decision's `step`. A POST whose step is stale records nothing: when it repeats what is recorded
it is harmless; otherwise it is a conflict the handler sees, never a silent drop. Starting a call
and deploying from the start page carry a one-time token, so a retry finds the decision it made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from policies import flow as engine
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from toolkit.models import Decision, DecisionAnswer, DecisionNote, Escalation
from toolkit.selectors import (
    HANDOVER_LIMIT,
    CallState,
    answer_pairs,
    call_state,
    decision_facts,
    decision_get_for_handler,
    value_label,
)
from toolkit.services.escalations import escalation_raise_for_outcome
from toolkit.services.outcome import outcome_set
from toolkit.services.override import OUTCOME_FIELDS, apply_override
from toolkit.services.practice import practice_clock_fact, practice_result_record
from toolkit.services.rollup import rollup_add
from toolkit.services.s136 import time_today


@dataclass(frozen=True)
class AnswerClash:
    """A stale answer that differs from the one recorded for the same question: shown side by side."""

    position: int
    question_id: str
    question_text: str
    kind: str
    recorded_label: str
    recorded_note: str
    recorded_at: dt.datetime
    posted_value: str | list[str] | dict[str, str]
    posted_label: str
    posted_note: str


@dataclass(frozen=True)
class StepResult:
    """What happened to a POST: recorded, a harmless repeat, or refused because the call moved on."""

    recorded: bool
    conflict: bool = False
    message: str = ""
    clash: AnswerClash | None = None


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _lock_open_call(*, reference: UUID, actor: User) -> Decision:
    """The actor's own call, locked for this transaction (NotFound for anyone else's), if still open."""
    fresh = decision_get_for_handler(user=actor, reference=reference, lock=True)
    if not fresh.is_open:
        raise ValidationError(
            "This call is already completed. Start a new call or add a note to the decision."
        )
    return fresh


# --- Answering ------------------------------------------------------------------------------------------


def _stored(value: engine.AnswerValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _stale(state: CallState, *, position: int, question_id: str, raw_value: object, note: str) -> StepResult:
    """A POST from a page the call has moved past: a harmless repeat, or a conflict to show."""
    recorded = state.path[position] if 0 <= position < len(state.path) else None
    question = state.flow.get(question_id) if state.flow is not None else None
    if recorded is not None and recorded.question_id == question_id and isinstance(question, engine.Question):
        try:
            value, clean_note = engine.clean_answer(question, raw_value, note)
        except engine.InvalidAnswer:
            value, clean_note = None, note
        if value is not None and _stored(value) == recorded.value and clean_note == recorded.note:
            return StepResult(recorded=False)  # the same answer again: double click, refresh, retry
        if value is not None:
            return StepResult(
                recorded=False,
                conflict=True,
                message="This question was answered differently in another tab or window.",
                clash=AnswerClash(
                    position=position,
                    question_id=question_id,
                    question_text=recorded.question_text,
                    kind=str(question.kind),
                    recorded_label=recorded.value_label,
                    recorded_note=recorded.note,
                    recorded_at=recorded.answered_at,
                    posted_value=_stored(value),
                    posted_label=value_label(question, value),
                    posted_note=clean_note,
                ),
            )
    what = question.text if isinstance(question, engine.Question) else "the question"
    posted = ""
    if isinstance(question, engine.Question):
        try:
            posted = value_label(question, engine.clean_answer(question, raw_value, note)[0])
        except engine.InvalidAnswer:
            posted = ""
    return StepResult(
        recorded=False,
        conflict=True,
        message=(
            f"Your answer{f' “{posted}”' if posted else ''} to “{what}” was not recorded: this call "
            "moved on in another tab or window. Check the question below and answer again if it "
            "still applies."
        ),
    )


def _arrival(state: CallState, position: int, question: engine.Question, value: Any, now: dt.datetime) -> Any:
    """The s136 arrival time on the path after this answer: kept, newly given, or cleared."""
    assert state.flow is not None
    for earlier in state.path[:position]:
        node = state.flow.get(earlier.question_id)
        if isinstance(node, engine.Question) and engine.Tag.POS_ARRIVAL in node.tags:
            return state.decision.pos_arrival_at
    if engine.Tag.POS_ARRIVAL in question.tags and isinstance(value, str):
        return time_today(value, now, what="The arrival time")
    return None  # went back to a branch without an arrival time


@transaction.atomic
def decision_answer(
    *,
    reference: UUID,
    actor: User,
    step: int,
    position: int,
    question_id: str,
    raw_value: object,
    note: str = "",
    now: dt.datetime | None = None,
) -> StepResult:
    """Record one answer at `position` of the path (a change when earlier than the end).

    Raises ValidationError with the GOV.UK message when the answer itself is not acceptable.
    A POST with a stale `step` records nothing: see `_stale`. An outcome carrying +ESCALATE
    raises its escalation here, in the same transaction.
    """
    now = _now(now)
    decision = _lock_open_call(reference=reference, actor=actor)
    state = call_state(decision)
    if step != decision.step:
        return _stale(state, position=position, question_id=question_id, raw_value=raw_value, note=note)
    if decision.override:
        return StepResult(
            recorded=False, conflict=True, message="Police are being deployed on this call (override)."
        )
    in_path = state.flow is not None and 0 <= position <= len(state.path)
    expected = state.node_at(position) if in_path else None
    if not isinstance(expected, engine.Question) or expected.id != question_id:
        return StepResult(
            recorded=False, conflict=True, message="That question is no longer part of this call."
        )
    assert state.flow is not None
    try:
        value, note = engine.clean_answer(expected, raw_value, note, language=state.flow.language)
    except engine.InvalidAnswer as error:
        raise ValidationError(error.message, code="invalid_answer") from None
    arrival = _arrival(state, position, expected, value, now)
    answer = DecisionAnswer.objects.create(
        decision=decision,
        sequence=len(state.history) + 1,
        position=position,
        question_id=expected.id,
        question_text=expected.text,
        value=_stored(value),
        value_label=value_label(expected, value),
        note=note,
        answered_at=now,
        answered_by=actor,
    )
    if arrival != decision.pos_arrival_at:
        decision.arrival_elapsed = ""  # a new (or no) arrival: the clock is read again when needed
    decision.pos_arrival_at = arrival
    walked = _walk_with_clock(state.flow, decision, answer_pairs([*state.path[:position], answer]), now)
    decision.step += 1
    decision.last_activity_at = now
    outcome_set(decision, walked, now)
    decision.save(
        update_fields=["step", "last_activity_at", "pos_arrival_at", "arrival_elapsed", *OUTCOME_FIELDS]
    )
    if walked.outcome is not None and engine.Modifier.ESCALATE in decision.outcome_modifiers:
        escalation_raise_for_outcome(decision=decision, outcome_title=walked.outcome.title, now=now)
    return StepResult(recorded=True)


def _walk_with_clock(
    flow: engine.Flow, decision: Decision, pairs: list[tuple[str, engine.AnswerValue]], now: dt.datetime
) -> engine.Walk:
    """Walk the answers; when the walk reaches the question the s136 clock answers, read the
    clock once from the recorded arrival (stored, so the walk replays the same) and walk on."""
    walked = engine.walk(flow, pairs, decision_facts(decision))
    node = walked.node
    waiting_for_clock = (
        isinstance(node, engine.Question)
        and node.bound_to == "arrival_elapsed"
        and not decision.arrival_elapsed
    )
    card_clock = practice_clock_fact(decision)
    if waiting_for_clock and card_clock:
        decision.arrival_elapsed = card_clock  # practice: the card says how long since arrival
        walked = engine.walk(flow, pairs, decision_facts(decision))
    elif waiting_for_clock and decision.pos_arrival_at is not None:
        over = now - decision.pos_arrival_at >= HANDOVER_LIMIT
        decision.arrival_elapsed = engine.ELAPSED[1] if over else engine.ELAPSED[0]
        walked = engine.walk(flow, pairs, decision_facts(decision))
    return walked


# --- The deploy override (never gated) -------------------------------------------------------------------


@transaction.atomic
def decision_override(
    *,
    reference: UUID,
    actor: User,
    reason: str,
    las: bool = False,
    by: str = "handler",
    now: dt.datetime | None = None,
) -> Decision:
    """Deploy police now, from any point of an open call. Needs only a short reason; never refused.

    An empty reason is recorded as such rather than refused: nothing may stand between a handler
    and deploying police. A second override on an overridden call changes nothing: the first
    reason stands (a double click or a second tab).
    """
    now = _now(now)
    decision = _lock_open_call(reference=reference, actor=actor)
    if not decision.override:
        apply_override(decision, actor=actor, reason=reason, by=by, las=las, now=now)
    return decision


# --- Completing -------------------------------------------------------------------------------------------


@transaction.atomic
def decision_complete(
    *,
    reference: UUID,
    actor: User,
    step: int,
    caller_told: bool,
    receiving_agency_ref: str = "",
    before_answer_confirmed: bool = False,
    safeguarding_referral: str = "",
    now: dt.datetime | None = None,
) -> StepResult:
    """Complete the call at its outcome.

    A no-police outcome needs the caller-told confirmation, except at a place of safety, where
    officers are with the detained person and the duty inspector's decision is recorded on the
    handover instead; an outcome offering a safeguarding referral records whether it was made;
    an unanswered escalation needs the handler's explicit confirmation, and the decision then says
    it was completed before the supervisor answered. The s136 clock keeps running after completion.
    """
    now = _now(now)
    try:
        decision = _lock_open_call(reference=reference, actor=actor)
    except ValidationError:
        return StepResult(recorded=False)  # completed already: a repeat of the same click
    if step != decision.step:
        return StepResult(
            recorded=False,
            conflict=True,
            message="This call changed in another tab or window. Check the outcome below.",
        )
    if not decision.has_outcome:
        return StepResult(
            recorded=False, conflict=True, message="Answer the questions before completing the call."
        )
    errors = []
    tell_caller = decision.no_police and not decision.at_place_of_safety
    if tell_caller and not caller_told:
        errors.append(
            ValidationError(
                "Confirm you have told the caller that police will not attend, "
                "who will help, and when to call back",
                code="caller_told",
            )
        )
    if decision.needs_referral_answer and safeguarding_referral not in Decision.Referral.values:
        errors.append(
            ValidationError(
                "Select whether the safeguarding referral was made",
                code="safeguarding_referral",
            )
        )
    waiting = Escalation.objects.filter(decision=decision, answered_at__isnull=True).exists()
    if waiting and not before_answer_confirmed:
        errors.append(
            ValidationError(
                "A supervisor has not answered yet. Confirm you are completing the call before "
                "they answer, or wait for their answer",
                code="before_answer",
            )
        )
    if errors:
        raise ValidationError(errors)
    decision.caller_told = caller_told if tell_caller else None
    decision.safeguarding_referral = safeguarding_referral if decision.needs_referral_answer else ""
    decision.receiving_agency_ref = receiving_agency_ref.strip()[:60]
    decision.completed_before_answer = waiting
    decision.status = Decision.Status.COMPLETED
    decision.completed_at = now
    decision.last_activity_at = now
    decision.save(
        update_fields=[
            "caller_told",
            "safeguarding_referral",
            "receiving_agency_ref",
            "completed_before_answer",
            "status",
            "completed_at",
            "last_activity_at",
        ]
    )
    rollup_add(decision)
    practice_result_record(decision, now=now)
    audit_event_record(
        actor=actor,
        action="toolkit.decision.completed",
        target=decision,
        data={
            "new": {
                "outcome": decision.outcome_id,
                "category": decision.outcome_category,
                "override": decision.override,
                "before_answer": waiting,
            }
        },
    )
    return StepResult(recorded=True)


@transaction.atomic
def decision_note_add(*, decision: Decision, actor: User, kind: str, text: str) -> DecisionNote:
    """A note or correction on a decision: a new linked record, never an edit."""
    if kind not in DecisionNote.Kind.values:
        raise ValidationError("Select note or correction", code="kind")
    text = text.strip()
    if not text:
        raise ValidationError("Enter the note", code="required")
    note = DecisionNote.objects.create(decision=decision, kind=kind, text=text[:2000], author=actor)
    audit_event_record(
        actor=actor, action=f"toolkit.decision.{kind}_added", target=decision, data={"new": {"note": note.pk}}
    )
    return note
