"""The live call: start, question, answer, change, override, escalate, outcome, complete, my calls."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from policies import flow as engine
from policies.models import Element
from rcrp.accounts.http import AuthenticatedHttpRequest
from toolkit import services
from toolkit.forms import EscalateForm, OverrideForm, StartForm, normalise_incident_ref
from toolkit.models import Decision
from toolkit.selectors import (
    CallState,
    call_state,
    decision_get_for_handler,
    decision_list_for_incident,
    decision_list_mine_today,
    escalation_list_for_decision,
    handover_elapsed,
)
from toolkit.views.common import step_of
from training.gate import call_gate_check

take_calls = permission_required("accounts.take_calls", raise_exception=True)


def _call_url(decision: Decision) -> str:
    return reverse("toolkit:call", args=[decision.reference])


@login_required
@take_calls
@require_http_methods(["GET", "POST"])
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    elements = list(Element.objects.all())
    gate = call_gate_check(user=request.user)
    if request.method == "POST":
        form = StartForm(request.POST, elements=elements)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decision = services.decision_start(
                    actor=request.user,
                    element=data["element"],
                    caller_type=data["caller_type"],
                    partner_kind=data.get("partner_kind", ""),
                    incident_ref=data["incident_ref"],
                    incident_ref_missing_reason=data.get("incident_ref_missing_reason", ""),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(_call_url(decision))
    else:
        initial: dict[str, Any] = {}
        slug = request.GET.get("element", "")
        chosen = next((e for e in elements if e.slug == slug), None)
        if chosen is not None:
            initial["element"] = chosen.pk
        if request.GET.get("ref"):
            initial["incident_ref"] = normalise_incident_ref(request.GET["ref"])[:40]
        form = StartForm(initial=initial, elements=elements)
    status = 400 if form.errors else 200
    return render(request, "toolkit/start.html", {"form": form, "gate": gate}, status=status)


@login_required
@take_calls
@require_safe
def call(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    """The page for where the call stands: the next question, or the outcome."""
    decision = decision_get_for_handler(user=request.user, reference=reference)
    if not decision.is_open:
        return redirect("toolkit:decision", reference=decision.reference)
    state = call_state(decision)
    return _render_call(request, state)


@login_required
@take_calls
@require_safe
def change(request: AuthenticatedHttpRequest, reference: UUID, position: int) -> HttpResponse:
    """Ask an earlier question again; the answer given before is selected."""
    decision = decision_get_for_handler(user=request.user, reference=reference)
    if not decision.is_open:
        return redirect("toolkit:decision", reference=decision.reference)
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
        "handover_elapsed": handover_elapsed(decision),
        "now": timezone.now(),
    }
    if decision.has_outcome and position is None:
        context["errors"] = [("caller_told", error)] if error else []
        return render(request, "toolkit/outcome.html", context, status=status)
    if position is None:
        position = len(state.path)
    question = state.node_at(position)
    if state.flow is None or not isinstance(question, engine.Question):  # pragma: no cover - replays reach it
        raise Http404
    previous = state.path[position] if position < len(state.path) else None
    chosen: Any = posted.get("value") if posted else (previous.value if previous else None)
    context.update(
        {
            "question": question,
            "position": position,
            "is_change": position < len(state.path),
            "chosen": chosen,
            "chosen_list": chosen if isinstance(chosen, list) else [],
            "note": posted.get("note", "") if posted else (previous.note if previous else ""),
            "error": error,
            "errors": [("id_answer_1", error)] if error else [],
            "reference_extract": state.flow.references.get(question.reference)
            if question.reference
            else None,
            "earlier": decision_list_for_incident(incident_ref=decision.incident_ref, exclude=decision)
            if not state.path
            else [],
        }
    )
    return render(request, "toolkit/question.html", context, status=status)


@login_required
@take_calls
@require_POST
def answer(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    here = reverse("toolkit:call", args=[reference])
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        position = -1
    question_id = request.POST.get("question_id", "")
    raw: object = (
        request.POST.getlist("answer")
        if request.POST.get("kind") == "checklist"
        else request.POST.get("answer", "")
    )
    chosen = raw if isinstance(raw, str) else ""
    note = request.POST.get(f"note_{chosen}", "") if chosen else request.POST.get("note", "")
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
            return redirect("toolkit:decision", reference=reference)
        state = call_state(decision)
        return _render_call(
            request,
            state,
            position=position,
            error=error.messages[0],
            posted={"value": raw, "note": note},
            status=400,
        )
    if result.conflict:
        messages.warning(request, result.message)
    return redirect(here)


@login_required
@take_calls
@require_http_methods(["GET", "POST"])
def override(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    """Immediate risk: deploy police now. One short reason, never refused."""
    decision = decision_get_for_handler(user=request.user, reference=reference)
    if not decision.is_open:
        return redirect("toolkit:decision", reference=decision.reference)
    if request.method == "POST":
        form = OverrideForm(request.POST)
        form.is_valid()  # never blocks: an over-long reason is cut, an empty one recorded as such
        services.decision_override(
            reference=reference, actor=request.user, reason=request.POST.get("reason", "")
        )
        return redirect(_call_url(decision))
    return render(request, "toolkit/override.html", {"decision": decision, "form": OverrideForm()})


@login_required
@take_calls
@require_http_methods(["GET", "POST"])
def deploy_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The deploy override without a call in progress (also when the training gate blocks)."""
    if request.method == "POST":
        form = OverrideForm(request.POST, with_incident=True)
        form.is_valid()
        decision = services.decision_start_override(
            actor=request.user,
            reason=request.POST.get("reason", ""),
            incident_ref=normalise_incident_ref(request.POST.get("incident_ref", ""))[:40],
        )
        return redirect(_call_url(decision))
    return render(
        request, "toolkit/override.html", {"form": OverrideForm(with_incident=True), "decision": None}
    )


@login_required
@take_calls
@require_http_methods(["GET", "POST"])
def escalate(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    decision = decision_get_for_handler(user=request.user, reference=reference)
    if not decision.is_open:
        return redirect("toolkit:decision", reference=decision.reference)
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
@take_calls
@require_safe
def escalation_status(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    """The handler's live view of their escalations (htmx polls it while the call is open)."""
    decision = decision_get_for_handler(user=request.user, reference=reference)
    due = decision.is_open and decision.pos_arrival_at and decision.handover_overdue_at is None
    if due and services.handover_overdue_sweep():
        decision = decision_get_for_handler(user=request.user, reference=reference)
    return render(
        request,
        "toolkit/includes/_escalation_status.html",
        {
            "decision": decision,
            "escalations": escalation_list_for_decision(decision=decision),
            "handover_elapsed": handover_elapsed(decision),
        },
    )


@login_required
@take_calls
@require_POST
def complete(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    try:
        result = services.decision_complete(
            reference=reference,
            actor=request.user,
            step=step_of(request),
            caller_told=request.POST.get("caller_told") == "yes",
            receiving_agency_ref=request.POST.get("receiving_agency_ref", ""),
        )
    except ValidationError as error:
        decision = decision_get_for_handler(user=request.user, reference=reference)
        return _render_call(request, call_state(decision), error=error.messages[0], status=400)
    if result.conflict:
        messages.warning(request, result.message)
        return redirect("toolkit:call", reference=reference)
    if result.recorded:
        messages.success(request, "Call completed. The decision is saved and can no longer be changed.")
    return redirect("toolkit:decision", reference=reference)


@login_required
@take_calls
@require_safe
def my_calls(request: AuthenticatedHttpRequest) -> HttpResponse:
    decisions = list(decision_list_mine_today(user=request.user))
    return render(request, "toolkit/my_calls.html", {"decisions": decisions})
