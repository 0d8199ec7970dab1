"""Supervisors and floor walkers: the live list of open escalations, claim and answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from rcrp.accounts.http import AuthenticatedHttpRequest
from rcrp.accounts.middleware import background_poll
from toolkit import services
from toolkit.forms import EscalationAnswerForm
from toolkit.models import Escalation
from toolkit.selectors import call_state, escalation_list_open
from training.models import Site

support_floor = permission_required("accounts.support_floor", raise_exception=True)


def _rows_context(request: AuthenticatedHttpRequest) -> dict[str, object]:
    site = request.GET.get("site", "")
    escalations = escalation_list_open()
    if site:
        escalations = escalations.filter(site__slug=site)
    return {"escalations": list(escalations), "now": timezone.now(), "site": site}


@login_required
@support_floor
@require_safe
def escalation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = _rows_context(request)
    context["sites"] = list(Site.objects.all())
    return render(request, "toolkit/escalation_list.html", context)


@login_required
@support_floor
@require_safe
@background_poll
def escalation_rows(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The list's rows alone: htmx swaps them in every few seconds."""
    return render(request, "toolkit/includes/_escalation_rows.html", _rows_context(request))


@login_required
@support_floor
@require_POST
def escalation_claim(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    escalation = get_object_or_404(Escalation, pk=pk)
    try:
        services.escalation_claim(escalation=escalation, actor=request.user)
    except ValidationError as error:
        messages.warning(request, error.messages[0])
        return redirect("toolkit:escalations")
    return redirect("toolkit:escalation-answer", pk=pk)


def _answered_message(escalation: Escalation) -> str:
    """What the supervisor is told: the truth about where the answer went."""
    if not escalation.answered_after_completion:
        return "Answer sent. The call handler sees it on their call now."
    handler = escalation.decision.handler.display_name
    if escalation.reassessment is not None:
        return (
            f"The call was already completed, so your answer is attached to the decision. A "
            f"re-assessment to deploy police has been opened for {handler}: it shows on their "
            "open call page and My calls."
        )
    return (
        "The call was already completed, so the handler will not see this on the call. Your answer "
        "is attached to the decision."
    )


@login_required
@support_floor
@require_http_methods(["GET", "POST"])
def escalation_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    escalation = get_object_or_404(
        Escalation.objects.select_related(
            "decision__element", "decision__handler", "claimed_by", "answered_by"
        ),
        pk=pk,
    )
    form = EscalationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answered = services.escalation_answer(
                escalation=escalation,
                actor=request.user,
                response=form.cleaned_data["response"],
                note=form.cleaned_data["note"],
                decided_by=form.cleaned_data["decided_by"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _answered_message(answered))
            return redirect("toolkit:escalations")
    state = call_state(escalation.decision)
    status = 400 if form.errors else 200
    return render(
        request,
        "toolkit/escalation_answer.html",
        {"escalation": escalation, "decision": escalation.decision, "state": state, "form": form},
        status=status,
    )
