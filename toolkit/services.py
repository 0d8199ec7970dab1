"""Every write of the live call and the decision log. Views call these; nothing else writes.

Each answer is stored in one transaction with the decision row locked, so two tabs, a double
click or a retried request can never record twice or fork the call: every form carries the
decision's `step`, and a POST whose step is stale records nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from policies import flow as engine
from policies.models import Agency, Element
from policies.selectors import policy_version_get_live
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from toolkit.models import Decision, DecisionAnswer, DecisionNote, Escalation
from toolkit.selectors import answer_pairs, call_state, decision_get_for_handler, decision_list_for_incident
from training.gate import call_gate_check

HANDOVER_LIMIT = dt.timedelta(minutes=60)
OVERRIDE_TITLE = "Deploy police: handler judged an immediate risk"
OVERRIDE_SCRIPT = (
    "Police are being sent now. Stay on the line if it is safe to do so. "
    "If anything changes before they arrive, tell me straight away."
)
NO_REASON = "(no reason given: deployed at once)"


@dataclass(frozen=True)
class StepResult:
    """What happened to a POST: recorded, a harmless repeat, or refused because the call moved on."""

    recorded: bool
    conflict: bool = False
    message: str = ""


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _site_of(user: User) -> Any:
    record = getattr(user, "staff_record", None)
    return record.site if record is not None else None


def _lock_open_call(*, reference: UUID, actor: User) -> Decision:
    """The actor's own call, locked for this transaction (404 for anyone else's), if still open."""
    fresh = decision_get_for_handler(user=actor, reference=reference, lock=True)
    if not fresh.is_open:
        raise ValidationError(
            "This call is already completed. Start a new call or add a note to the decision."
        )
    return fresh


# --- Starting a call ---------------------------------------------------------------------------------


@transaction.atomic
def decision_start(
    *,
    actor: User,
    element: Element,
    caller_type: str,
    partner_kind: str = "",
    incident_ref: str = "",
    incident_ref_missing_reason: str = "",
    now: dt.datetime | None = None,
) -> Decision:
    """Start a call on the element's published policy version, after the training gate.

    Raises PermissionDenied when the gate is in block mode and the user is not ready (the deploy
    override, decision_start_override, never asks the gate), ValidationError when the element has
    no published policy.
    """
    gate = call_gate_check(user=actor)
    if not gate.may_start_call:
        raise PermissionDenied(" ".join(gate.reasons))
    version = policy_version_get_live(element=element)
    if version is None:
        raise ValidationError(
            f"There is no published policy for {element.title}. "
            "Use the deploy override or the printed policy."
        )
    now = _now(now)
    earlier = decision_list_for_incident(incident_ref=incident_ref)
    decision = Decision.objects.create(
        incident_ref=incident_ref,
        incident_ref_missing_reason="" if incident_ref else incident_ref_missing_reason,
        caller_type=caller_type,
        partner_kind=partner_kind if caller_type == Decision.CallerType.PARTNER else "",
        element=element,
        policy_version=version,
        content_hash=version.content_hash,
        engine_version=engine.ENGINE_VERSION,
        handler=actor,
        site=_site_of(actor),
        follows=earlier[0] if earlier else None,
        started_at=now,
        last_activity_at=now,
        training_warning=" ".join(gate.reasons) if gate.show_warning else "",
    )
    audit_event_record(
        actor=actor,
        action="toolkit.decision.started",
        target=decision,
        data={"new": {"element": element.slug, "version": version.number, "incident_ref": incident_ref}},
    )
    return decision


# --- Answering ------------------------------------------------------------------------------------------


def _value_label(question: engine.Question, value: engine.AnswerValue) -> str:
    if question.kind.has_answers:
        answer = question.answer(str(value))
        return answer.label if answer else str(value)
    if isinstance(value, tuple):
        labels = {item.value: item.label for item in question.items}
        return "; ".join(labels.get(v, v) for v in value)
    return str(value)


def _pos_arrival(value: str, now: dt.datetime) -> dt.datetime:
    """An HH:MM arrival time today, or yesterday when that would be in the future."""
    local_now = timezone.localtime(now)
    hour, minute = (int(part) for part in value.split(":"))
    arrival = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if arrival > local_now + dt.timedelta(minutes=5):
        arrival -= dt.timedelta(days=1)
    return arrival


# What an outcome writes on a decision (and going back clears).
OUTCOME_FIELDS = [
    "outcome_id",
    "outcome_category",
    "outcome_modifiers",
    "outcome_title",
    "outcome_rationale",
    "agency_key",
    "agency_name",
    "agency_contact",
    "script_shown",
    "record_text",
    "call_back_if",
    "outcome_reached_at",
]


def _set_outcome(decision: Decision, outcome: engine.Outcome | None, now: dt.datetime) -> None:
    """Copy the outcome onto the decision as it will be shown (or clear it after going back)."""
    if outcome is None:
        for name in OUTCOME_FIELDS:
            setattr(decision, name, "")
        decision.outcome_modifiers = []
        decision.outcome_reached_at = None
        return
    agency = (
        Agency.objects.in_force(timezone.localdate(now)).filter(key=outcome.agency).first()
        if outcome.agency
        else None
    )
    context = {
        "incident_ref": decision.incident_ref,
        "agency_name": agency.name if agency else "",
        "agency_contact": agency.contact if agency else "",
        "element": decision.element.title if decision.element else "",
        "version": str(decision.policy_version.number) if decision.policy_version else "",
    }
    decision.outcome_id = outcome.id
    decision.outcome_category = str(outcome.category)
    decision.outcome_modifiers = sorted(str(m) for m in outcome.modifiers)
    decision.outcome_title = outcome.title
    decision.outcome_rationale = outcome.rationale
    decision.agency_key = outcome.agency
    decision.agency_name = agency.name if agency else ""
    decision.agency_contact = agency.contact if agency else ""
    decision.script_shown = engine.render(outcome.script, context)
    decision.record_text = engine.render(outcome.record, context)
    decision.call_back_if = engine.render(outcome.call_back_if, context)
    decision.outcome_reached_at = now


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
    A POST with a stale `step` records nothing: a repeat of the last answer is harmless
    (double click, refresh, retry); anything else is a conflict (another tab moved the call on).
    """
    now = _now(now)
    decision = _lock_open_call(reference=reference, actor=actor)
    state = call_state(decision)
    if step != decision.step:
        last = state.history[-1] if state.history else None
        if last is not None and last.position == position and last.question_id == question_id:
            return StepResult(recorded=False)
        return StepResult(
            recorded=False,
            conflict=True,
            message="This call moved on in another tab or window. Check the question below.",
        )
    if decision.override:
        return StepResult(
            recorded=False, conflict=True, message="Police are being deployed on this call (override)."
        )
    if state.flow is None or position > len(state.path):
        return StepResult(
            recorded=False, conflict=True, message="That question is no longer part of this call."
        )
    expected = state.node_at(position)
    if not isinstance(expected, engine.Question) or expected.id != question_id:
        return StepResult(
            recorded=False, conflict=True, message="That question is no longer part of this call."
        )
    try:
        value, note = engine.clean_answer(expected, raw_value, note)
    except engine.InvalidAnswer as error:
        raise ValidationError(error.message, code="invalid_answer") from None
    answer = DecisionAnswer.objects.create(
        decision=decision,
        sequence=len(state.history) + 1,
        position=position,
        question_id=expected.id,
        question_text=expected.text,
        value=list(value) if isinstance(value, tuple) else value,
        value_label=_value_label(expected, value),
        note=note,
        answered_at=now,
        answered_by=actor,
    )
    path = [*state.path[:position], answer]
    node = engine.next_step(state.flow, answer_pairs(path))
    fields = ["step", "last_activity_at", *OUTCOME_FIELDS]
    decision.step += 1
    decision.last_activity_at = now
    if engine.Tag.POS_ARRIVAL in expected.tags and isinstance(value, str):
        decision.pos_arrival_at = _pos_arrival(value, now)
        decision.handover_overdue_at = None
        fields += ["pos_arrival_at", "handover_overdue_at"]
    _set_outcome(decision, node if isinstance(node, engine.Outcome) else None, now)
    decision.save(update_fields=fields)
    return StepResult(recorded=True)


# --- The deploy override (never gated) -------------------------------------------------------------------


def _apply_override(decision: Decision, *, actor: User, reason: str, by: str, now: dt.datetime) -> None:
    """Make the decision a DEPLOY flagged as an override, save it and audit it."""
    decision.override = True
    decision.override_reason = reason.strip()[:300] or NO_REASON
    decision.outcome_id = "override"
    decision.outcome_category = str(engine.Category.DEPLOY)
    decision.outcome_modifiers = []
    decision.outcome_title = OVERRIDE_TITLE
    decision.outcome_rationale = f"Override by the {by}: {decision.override_reason}"
    decision.agency_key = decision.agency_name = decision.agency_contact = decision.call_back_if = ""
    decision.script_shown = OVERRIDE_SCRIPT
    what = decision.element.title if decision.element else "RCRP"
    decision.record_text = (
        f"RCRP {what}: DEPLOY by {by} override (immediate risk judged). Reason: {decision.override_reason}"
    )
    decision.outcome_reached_at = now
    decision.last_activity_at = now
    decision.step += 1
    decision.save(update_fields=["override", "override_reason", "step", "last_activity_at", *OUTCOME_FIELDS])
    audit_event_record(
        actor=actor,
        action="toolkit.decision.overridden",
        target=decision,
        data={"new": {"reason": decision.override_reason}},
    )


@transaction.atomic
def decision_override(
    *, reference: UUID, actor: User, reason: str, by: str = "handler", now: dt.datetime | None = None
) -> Decision:
    """Deploy police now, from any point of an open call. Needs only a short reason; never refused.

    An empty reason is recorded as such rather than refused: nothing may stand between a handler
    and deploying police.
    """
    now = _now(now)
    decision = _lock_open_call(reference=reference, actor=actor)
    _apply_override(decision, actor=actor, reason=reason, by=by, now=now)
    return decision


@transaction.atomic
def decision_start_override(
    *,
    actor: User,
    reason: str,
    incident_ref: str = "",
    element: Element | None = None,
    caller_type: str = Decision.CallerType.PUBLIC,
    now: dt.datetime | None = None,
) -> Decision:
    """Deploy police without walking any questions (e.g. when the training gate blocks a call).

    Never asks the training gate, and works even when no policy is published.
    """
    now = _now(now)
    version = policy_version_get_live(element=element) if element is not None else None
    decision = Decision.objects.create(
        incident_ref=incident_ref,
        incident_ref_missing_reason="" if incident_ref else "Deploy override before the call details",
        caller_type=caller_type,
        element=element,
        policy_version=version,
        content_hash=version.content_hash if version else "",
        engine_version=engine.ENGINE_VERSION,
        handler=actor,
        site=_site_of(actor),
        started_at=now,
        last_activity_at=now,
    )
    _apply_override(decision, actor=actor, reason=reason, by="handler", now=now)
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
    now: dt.datetime | None = None,
) -> StepResult:
    """Complete the call at its outcome. A no-police outcome needs the caller-told confirmation."""
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
    if decision.no_police and not caller_told:
        raise ValidationError(
            "Confirm you have told the caller that police will not attend, "
            "who will help, and when to call back",
            code="caller_told",
        )
    decision.caller_told = caller_told if decision.no_police else None
    decision.receiving_agency_ref = receiving_agency_ref.strip()[:60]
    decision.status = Decision.Status.COMPLETED
    decision.completed_at = now
    decision.last_activity_at = now
    decision.save(
        update_fields=["caller_told", "receiving_agency_ref", "status", "completed_at", "last_activity_at"]
    )
    audit_event_record(
        actor=actor,
        action="toolkit.decision.completed",
        target=decision,
        data={
            "new": {
                "outcome": decision.outcome_id,
                "category": decision.outcome_category,
                "override": decision.override,
            }
        },
    )
    return StepResult(recorded=True)


@transaction.atomic
def decision_note_add(*, decision: Decision, actor: User, kind: str, text: str) -> DecisionNote:
    """A note or correction on a decision: a new linked record, never an edit."""
    text = text.strip()
    if not text:
        raise ValidationError("Enter the note", code="required")
    note = DecisionNote.objects.create(decision=decision, kind=kind, text=text[:2000], author=actor)
    audit_event_record(
        actor=actor, action=f"toolkit.decision.{kind}_added", target=decision, data={"new": {"note": note.pk}}
    )
    return note


def decisions_abandon_stale(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Mark in-progress calls untouched for `older_than` as abandoned (run by a scheduled command)."""
    now = _now(now)
    count = 0
    stale = Decision.objects.filter(status=Decision.Status.IN_PROGRESS, last_activity_at__lt=now - older_than)
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            decision = Decision.objects.select_for_update().get(pk=pk)
            if (
                decision.status != Decision.Status.IN_PROGRESS
                or decision.last_activity_at >= now - older_than
            ):
                continue
            decision.status = Decision.Status.ABANDONED
            decision.completed_at = now
            decision.save(update_fields=["status", "completed_at"])
            audit_event_record(actor=None, action="toolkit.decision.abandoned", target=decision)
            count += 1
    return count


# --- Escalations ----------------------------------------------------------------------------------------


@transaction.atomic
def escalation_raise(
    *, reference: UUID, actor: User, reason: str, note: str = "", now: dt.datetime | None = None
) -> Escalation:
    """Ask a supervisor for help on an open call; the call keeps its place."""
    now = _now(now)
    if reason not in Escalation.Reason.values:
        raise ValidationError("Select why you need a supervisor", code="reason")
    decision = _lock_open_call(reference=reference, actor=actor)
    escalation = Escalation.objects.create(
        decision=decision,
        site_id=decision.site_id,
        reason=reason,
        note=note.strip()[:500],
        raised_by=actor,
        raised_at=now,
    )
    audit_event_record(
        actor=actor, action="toolkit.escalation.raised", target=escalation, data={"new": {"reason": reason}}
    )
    return escalation


@transaction.atomic
def escalation_claim(*, escalation: Escalation, actor: User, now: dt.datetime | None = None) -> Escalation:
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_open:
        raise ValidationError("This escalation has already been answered.")
    old = escalation.claimed_by_id
    escalation.claimed_by = actor
    escalation.claimed_at = _now(now)
    escalation.save(update_fields=["claimed_by", "claimed_at"])
    audit_event_record(
        actor=actor,
        action="toolkit.escalation.claimed",
        target=escalation,
        data={"old": old, "new": actor.pk},
    )
    return escalation


@transaction.atomic
def escalation_answer(
    *, escalation: Escalation, actor: User, response: str, note: str, now: dt.datetime | None = None
) -> Escalation:
    """Answer an escalation: uphold, change to deploy, or advise. The handler sees it on the call."""
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_open:
        raise ValidationError("This escalation has already been answered.")
    if response not in Escalation.Response.values:
        raise ValidationError("Select your answer", code="response")
    now = _now(now)
    escalation.response = response
    escalation.response_note = note.strip()[:1000]
    escalation.answered_by = actor
    escalation.answered_at = now
    if escalation.claimed_by_id is None:
        escalation.claimed_by, escalation.claimed_at = actor, now
    escalation.save(
        update_fields=["response", "response_note", "answered_by", "answered_at", "claimed_by", "claimed_at"]
    )
    audit_event_record(
        actor=actor,
        action="toolkit.escalation.answered",
        target=escalation,
        data={"new": {"response": response}},
    )
    return escalation


def handover_overdue_sweep(*, now: dt.datetime | None = None) -> int:
    """s136: mark every open call 60+ minutes past arrival overdue and raise one escalation each."""
    now = _now(now)
    due = Decision.objects.filter(
        status=Decision.Status.IN_PROGRESS,
        pos_arrival_at__lte=now - HANDOVER_LIMIT,
        handover_overdue_at__isnull=True,
    ).values_list("pk", flat=True)
    raised = 0
    for pk in list(due):
        try:
            with transaction.atomic():
                decision = Decision.objects.select_for_update().get(pk=pk)
                if decision.handover_overdue_at is not None or not decision.is_open:
                    continue
                decision.handover_overdue_at = now
                decision.save(update_fields=["handover_overdue_at"])
                Escalation.objects.create(
                    decision=decision,
                    site_id=decision.site_id,
                    reason=Escalation.Reason.HANDOVER_OVERDUE,
                    note="Handover at the place of safety has passed 60 minutes since arrival.",
                    raised_at=now,
                )
                audit_event_record(actor=None, action="toolkit.decision.handover_overdue", target=decision)
                raised += 1
        except IntegrityError:
            continue  # another worker raised it first
    return raised


def abandon_after() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "TOOLKIT_ABANDON_AFTER_MINUTES", 240))
