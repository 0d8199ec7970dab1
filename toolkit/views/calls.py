"""The live call: question, answer (and its conflicts), change, override, escalate, outcome, complete."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from policies import flow as engine
from policies.selectors import changed_questions_for
from rcrp.accounts.http import AuthenticatedHttpRequest
from rcrp.accounts.middleware import background_poll
from toolkit import services
from toolkit.forms import EscalateForm, OverrideForm
from toolkit.models import Decision
from toolkit.selectors import (
    CallState,
    call_state,
    decision_get_for_handler,
    earlier_decision_summary,
    escalation_list_for_decision,
    handover_clock,
    reassessments_waiting_for,
)
from toolkit.selectors.changes import HIGHLIGHT_TIMES, changed_question_notice
from toolkit.services.escalations import PRACTICE_ESCALATION
from toolkit.views.common import step_of
from toolkit.views.question_body import question_body
from toolkit.views.start import call_url as _call_url
from toolkit.views.start import closed_url, take_or_practise_calls


@login_required
@take_or_practise_calls
@require_safe
def call(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    """The page for where the call stands: the next question, or the outcome."""
    decision = decision_get_for_handler(user=request.user, reference=reference)
    if not decision.is_open:
        return redirect(closed_url(decision))
    state = call_state(decision)
    return _render_call(request, state)


@login_required
@take_or_practise_calls
@require_safe
def change(request: AuthenticatedHttpRequest, reference: UUID, position: int) -> HttpResponse:
    """Ask an earlier question again; the answer given before is selected."""
    decision = decision_get_for_handler(user=request.user, reference=reference)
    if not decision.is_open:
        return redirect(closed_url(decision))
    state = call_state(decision)
    if position >= len(state.path) or decision.override:
        return redirect(_call_url(decision))
    return _render_call(request, state, position=position)


def _render_call(
    request: AuthenticatedHttpRequest,
    state: CallState,
    *,
    position: int | None = None,
    error: str = "",
    errors: list[tuple[str, str]] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    decision = state.decision
    escalations = escalation_list_for_decision(decision=decision)
    context: dict[str, Any] = {
        "decision": decision,
        "state": state,
        "escalations": escalations,
        "open_escalation": any(e.is_open for e in escalations),
        "clock": handover_clock(decision),
        "earlier": earlier_decision_summary(decision),
        "now": timezone.now(),
    }
    if decision.has_outcome and position is None:
        context["errors"] = errors or []
        context["error_codes"] = {code for code, _ in errors or []}
        context["referral_choices"] = Decision.Referral.choices
        return render(request, "toolkit/outcome.html", context, status=status)
    if position is None:
        position = len(state.path)
    question = state.node_at(position)
    if state.flow is None or not isinstance(question, engine.Question):  # pragma: no cover - replays reach it
        raise Http404
    previous = state.path[position] if position < len(state.path) else None
    chosen: Any = posted.get("value") if posted else (previous.value if previous else None)
    states = chosen if isinstance(chosen, dict) else {}
    context.update(
        {
            "question": question,
            "position": position,
            "is_change": position < len(state.path),
            "language": state.flow.language,
            "chosen": chosen,
            "chosen_list": chosen if isinstance(chosen, list) else [],
            "item_rows": [(item, states.get(item.value, "")) for item in question.items],
            "check_states": engine.CHECK_STATES,
            "any_note": any(a.needs_note for a in question.answers),
            "note": posted.get("note", "") if posted else (previous.note if previous else ""),
            "error": error,
            "errors": [("id_answer_1", error)] if error else [],
            "reference_extract": state.flow.references.get(question.reference)
            if question.reference
            else None,
            "changed": _changed_notice(request, decision, question.id),
            "highlight_times": HIGHLIGHT_TIMES,
        }
    )
    context["question_body"] = question_body(decision.content_hash, context)
    return render(request, "toolkit/question.html", context, status=status)


# The (version, question) pairs whose changed-wording highlight this session's handler is past:
# met on HIGHLIGHT_TIMES other live calls, which only grows, so the count is not asked again.
CHANGES_MET = "changes_met"
CHANGES_MET_LIMIT = 400


def _changed_notice(request: AuthenticatedHttpRequest, decision: Decision, question_id: str) -> list[str]:
    """changed_question_notice, remembered in the session once the handler is past it."""
    if decision.policy_version is None or decision.practice:
        return []
    key = f"{decision.policy_version_id}:{question_id}"
    met: list[str] = request.session.get(CHANGES_MET, [])
    if key in met:
        return []
    changes = changed_question_notice(decision=decision, question_id=question_id, user=request.user)
    if not changes and changed_questions_for(decision.policy_version).get(question_id):
        request.session[CHANGES_MET] = [*met, key][-CHANGES_MET_LIMIT:]
    return changes


STATE_PREFIX = "state_"


def _posted_answer(request: AuthenticatedHttpRequest) -> tuple[object, str]:
    """The answer value and note a question page (or the conflict page) sent: a string, the ticks
    of a multi-choice question or a language-1 checklist, or a checklist's state of each item."""
    kind = request.POST.get("kind")
    states = {
        key.removeprefix(STATE_PREFIX): value
        for key, value in request.POST.items()
        if key.startswith(STATE_PREFIX)
    }
    raw: object
    if kind == engine.Kind.CHECKLIST and (states or request.POST.get("language") == "2"):
        raw = states
    elif kind in (engine.Kind.CHECKLIST, engine.Kind.MULTI):
        raw = request.POST.getlist("answer")
    else:
        raw = request.POST.get("answer", "")
    chosen = raw if isinstance(raw, str) else ""
    note = request.POST.get(f"note_{chosen}", "") if chosen else request.POST.get("note", "")
    return raw, note


@login_required
@take_or_practise_calls
@require_POST
def answer(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    here = reverse("toolkit:call", args=[reference])
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        position = -1
    question_id = request.POST.get("question_id", "")
    raw, note = _posted_answer(request)
    if position < 0:
        messages.warning(request, "That answer could not be read. Check the question below.")
        return redirect(here)
    try:
        result = services.decision_answer(
            reference=reference,
            actor=request.user,
            step=step_of(request),
            position=position,
            question_id=question_id,
            raw_value=raw,
            note=note,
        )
    except ValidationError as error:
        decision = decision_get_for_handler(user=request.user, reference=reference)
        if not decision.is_open:
            return redirect(closed_url(decision))
        state = call_state(decision)
        return _render_call(
            request,
            state,
            position=position,
            error=error.messages[0],
            posted={"value": raw, "note": note},
            status=400,
        )
    if result.clash is not None:
        # Two different answers to one question: show both and let the handler choose (409).
        decision = decision_get_for_handler(user=request.user, reference=reference)
        state = call_state(decision)
        context = {
            "decision": decision,
            "state": state,
            "clash": result.clash,
            "later_answers": len(state.path) - result.clash.position - 1,
            "posted_list": result.clash.posted_value if isinstance(result.clash.posted_value, list) else [],
            "posted_states": sorted(result.clash.posted_value.items())
            if isinstance(result.clash.posted_value, dict)
            else [],
        }
        return render(request, "toolkit/answer_conflict.html", context, status=409)
    if result.conflict:
        messages.warning(request, result.message)
    return redirect(here)


@login_required
@take_or_practise_calls
@require_http_methods(["GET", "POST"])
def override(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    """Immediate risk: deploy police now. One short reason, never refused; +LAS when ticked."""
    decision = decision_get_for_handler(user=request.user, reference=reference)
    if not decision.is_open:
        return redirect(closed_url(decision))
    if request.method == "POST":
        form = OverrideForm(request.POST)
        form.is_valid()  # never blocks: an over-long reason is cut, an empty one recorded as such
        services.decision_override(
            reference=reference,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            las=request.POST.get("las") == "on",
        )
        return redirect(_call_url(decision))
    return render(request, "toolkit/override.html", {"decision": decision, "form": OverrideForm()})


@login_required
@take_or_practise_calls
@require_http_methods(["GET", "POST"])
def escalate(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    decision = decision_get_for_handler(user=request.user, reference=reference)
    if not decision.is_open:
        return redirect(closed_url(decision))
    if decision.practice:  # the same key and page, but nobody is asked
        return render(
            request, "toolkit/escalate.html", {"decision": decision, "practice_note": PRACTICE_ESCALATION}
        )
    form = EscalateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.escalation_raise(
            reference=reference,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
        messages.success(
            request, "A supervisor has been asked. Carry on: their answer will appear on this page."
        )
        return redirect(_call_url(decision))
    status = 400 if form.errors else 200
    return render(request, "toolkit/escalate.html", {"decision": decision, "form": form}, status=status)


@login_required
@take_or_practise_calls
@require_safe
@background_poll
def escalation_status(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    """The handler's live view of the call's escalations, s136 clock and supervisors' re-assessments
    (htmx polls it every few seconds; a poll never writes and never keeps the session alive)."""
    decision = decision_get_for_handler(user=request.user, reference=reference)
    return render(
        request,
        "toolkit/includes/_escalation_status.html",
        {
            "decision": decision,
            "escalations": escalation_list_for_decision(decision=decision),
            "clock": handover_clock(decision),
            "reassessments": reassessments_waiting_for(user=request.user, exclude=decision),
        },
    )


@login_required
@take_or_practise_calls
@require_POST
def complete(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    try:
        result = services.decision_complete(
            reference=reference,
            actor=request.user,
            step=step_of(request),
            caller_told=request.POST.get("caller_told") == "yes",
            safeguarding_referral=request.POST.get("safeguarding_referral", ""),
            before_answer_confirmed=request.POST.get("before_answer") == "yes",
            receiving_agency_ref=request.POST.get("receiving_agency_ref", ""),
        )
    except ValidationError as error:
        decision = decision_get_for_handler(user=request.user, reference=reference)
        errors = [(e.code or "complete", e.messages[0]) for e in error.error_list]
        return _render_call(request, call_state(decision), errors=errors, status=400)
    if result.conflict:
        messages.warning(request, result.message)
        return redirect("toolkit:call", reference=reference)
    decision = decision_get_for_handler(user=request.user, reference=reference)
    if result.recorded and not decision.practice:
        messages.success(request, "Call completed. The decision is saved and can no longer be changed.")
    return redirect(closed_url(decision))
