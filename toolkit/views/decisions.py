"""The decision log: read-only decision pages, notes and corrections, and the recent list."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from rcrp.accounts.http import AuthenticatedHttpRequest
from toolkit import services
from toolkit.forms import NoteForm
from toolkit.selectors import (
    call_state,
    decision_get_for_reader,
    decision_links,
    decision_list_recent,
    escalation_list_for_decision,
    handover_clock,
    may_act_on_decision,
)
from toolkit.views.common import any_permission_required


def _detail(
    request: AuthenticatedHttpRequest, reference: UUID, form: NoteForm, status: int = 200
) -> HttpResponse:
    decision = decision_get_for_reader(user=request.user, reference=reference)
    return render(
        request,
        "toolkit/decision_detail.html",
        {
            "decision": decision,
            "state": call_state(decision),
            "escalations": escalation_list_for_decision(decision=decision),
            "notes": list(decision.notes.select_related("author")),
            "links": decision_links(decision),
            "clock": handover_clock(decision),
            "form": form,
            "can_note": may_act_on_decision(user=request.user, decision=decision),
            "can_reassess": not decision.is_open and request.user.has_perm("accounts.take_calls"),
        },
        status=status,
    )


@login_required
@require_safe
def decision_detail(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    return _detail(request, reference, NoteForm())


@login_required
@require_POST
def decision_note(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    decision = decision_get_for_reader(user=request.user, reference=reference)
    if not may_act_on_decision(user=request.user, decision=decision):
        raise PermissionDenied("Only the call handler or a supervisor can add to a decision.")
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.decision_note_add(
                decision=decision,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, "Added to the decision.")
            return redirect("toolkit:decision", reference=reference)
    return _detail(request, reference, form, status=400)


@any_permission_required("accounts.supervise_calls", "accounts.audit_decisions")
@require_safe
def decision_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    incident_ref = request.GET.get("incident_ref", "").strip()[:40]
    page = Paginator(decision_list_recent(incident_ref=incident_ref), 50).get_page(request.GET.get("page"))
    return render(request, "toolkit/decision_list.html", {"page": page, "incident_ref": incident_ref})
