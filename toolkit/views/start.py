"""Starting calls: the start page (with deploy-from-start), deploy now, new information, My calls,
and recording the s136 handover."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from policies.models import Element
from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required, error_status
from toolkit import services
from toolkit.forms import HandoverForm, OverrideForm, StartForm, normalise_incident_ref
from toolkit.models import Decision
from toolkit.selectors import decision_get_for_reader, decision_list_mine, handover_clock
from toolkit.selectors.practice import PRACTISERS
from training.gate import call_gate_check, site_is_live

take_calls = permission_required("accounts.take_calls", raise_exception=True)


def take_or_practise_calls(view: Any) -> Any:
    """The call pages: live calls for handlers; practice calls for anyone who practises (a trainer
    or policy owner reaches only their own practice calls: see decision_get_for_handler)."""
    return any_permission_required(*PRACTISERS)(view)


def call_url(decision: Decision) -> str:
    return reverse("toolkit:call", args=[decision.reference])


def closed_url(decision: Decision) -> str:
    """Where a call goes once closed: its decision page, or a practice call's comparison."""
    if decision.practice:
        return reverse("toolkit:practice-result", args=[decision.reference])
    return reverse("toolkit:decision", args=[decision.reference])


def _token(data: QueryDict) -> UUID | None:
    """The form's one-time token; a missing or garbled one only loses the double-click guard."""
    try:
        return uuid.UUID(data.get("token", ""))
    except ValueError:
        return None


def _earlier(request: AuthenticatedHttpRequest, value: str) -> Decision | None:
    """The decision a call re-assesses (new information): one the user may read, or NotFound."""
    if not value:
        return None
    try:
        reference = uuid.UUID(value)
    except ValueError:
        return None
    return decision_get_for_reader(user=request.user, reference=reference)


def _deploy_from_start(request: AuthenticatedHttpRequest, elements: list[Element]) -> HttpResponse:
    """The start page's deploy button: keep what was typed and chosen, refuse nothing."""
    post = request.POST
    element = next((e for e in elements if str(e.pk) == post.get("element", "")), None)
    decision = services.decision_start_override(
        actor=request.user,
        reason=post.get("override_reason", ""),
        las=post.get("las") == "on",
        incident_ref=normalise_incident_ref(post.get("incident_ref", ""))[:40],
        element=element,
        caller_type=post.get("caller_type", ""),
        partner_kind=post.get("partner_kind", ""),
        token=_token(post),
    )
    return redirect(call_url(decision))


def _not_a_health_call(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The start page's "not a health call" route: one press records ordinary policing."""
    post = request.POST
    try:
        decision = services.decision_start_not_health(
            actor=request.user,
            what=post.get("not_health", ""),
            las=post.get("las") == "on",
            incident_ref=normalise_incident_ref(post.get("incident_ref", ""))[:40],
            caller_type=post.get("caller_type", ""),
            partner_kind=post.get("partner_kind", ""),
            token=_token(post),
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("toolkit:start")
    messages.success(
        request,
        "Recorded as not a health call: ordinary policing (DEPLOY +NON_RCRP). Grade and deploy as normal.",
    )
    return redirect("toolkit:decision", reference=decision.reference)


@login_required
@take_calls
@require_http_methods(["GET", "POST"])
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    elements = list(Element.objects.all())
    gate = call_gate_check(user=request.user)
    if request.method == "POST":
        if "deploy" in request.POST:
            return _deploy_from_start(request, elements)
        if "not_health" in request.POST:
            return _not_a_health_call(request)
        form = StartForm(request.POST, elements=elements)
        earlier = _earlier(request, request.POST.get("follows", ""))
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
                    follows=earlier,
                    token=data.get("token"),
                    paper_made_at=data.get("paper_made_at"),
                    paper_reference=data.get("paper_reference", ""),
                )
            except ValidationError as error:
                form.add_error("paper_day" if str(error.code).startswith("paper") else None, error)
            else:
                return redirect(call_url(decision))
    else:
        earlier = _earlier(request, request.GET.get("follows", ""))
        initial: dict[str, Any] = {"token": uuid.uuid4()}
        slug = request.GET.get("element", "") or (earlier.element.slug if earlier and earlier.element else "")
        chosen = next((e for e in elements if e.slug == slug), None)
        if chosen is not None:
            initial["element"] = chosen.pk
        ref = request.GET.get("ref", "") or (earlier.incident_ref if earlier else "")
        if ref:
            initial["incident_ref"] = normalise_incident_ref(ref)[:40]
        if earlier is not None:
            initial["follows"] = earlier.reference
        form = StartForm(initial=initial, elements=elements)
    site_live = site_is_live(request.user)
    context = {
        "form": form,
        "gate": gate,
        "site_live": site_live,
        "site_not_live": services.SITE_NOT_LIVE,
        "may_start": gate.may_start_call and site_live,
        "earlier": earlier,
        "not_health": services.NOT_HEALTH.items(),
    }
    return render(request, "toolkit/start.html", context, status=error_status(form=form))


@login_required
@take_calls
@require_http_methods(["GET", "POST"])
def deploy_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The deploy override without a call in progress (also when the training gate blocks)."""
    if request.method == "POST":
        form = OverrideForm(request.POST, with_incident=True)
        form.is_valid()  # never blocks: an over-long reason is cut, an empty one recorded as such
        decision = services.decision_start_override(
            actor=request.user,
            reason=request.POST.get("reason", ""),
            las=request.POST.get("las") == "on",
            incident_ref=normalise_incident_ref(request.POST.get("incident_ref", ""))[:40],
            token=_token(request.POST),
        )
        return redirect(call_url(decision))
    context = {"form": OverrideForm(with_incident=True), "decision": None, "token": uuid.uuid4()}
    return render(request, "toolkit/override.html", context)


@login_required
@take_calls
@require_safe
def my_calls(request: AuthenticatedHttpRequest) -> HttpResponse:
    decisions = list(decision_list_mine(user=request.user))
    return render(request, "toolkit/my_calls.html", {"decisions": decisions})


@any_permission_required("accounts.take_calls", "accounts.supervise_calls")
@require_http_methods(["GET", "POST"])
def handover(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    """s136: record that the handover happened (or the duty inspector decided): stops the clock."""
    decision = decision_get_for_reader(user=request.user, reference=reference)
    clock = handover_clock(decision)
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_record(
                reference=reference,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                at=form.cleaned_data["at"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error("at" if error.code and error.code.startswith("time") else None, error)
        else:
            messages.success(request, "Handover recorded. The s136 clock has stopped.")
            if decision.is_open and decision.handler_id == request.user.pk:
                return redirect(call_url(decision))
            return redirect("toolkit:decision", reference=reference)
    context = {"decision": decision, "clock": clock, "form": form}
    return render(request, "toolkit/handover.html", context, status=error_status(form=form))
