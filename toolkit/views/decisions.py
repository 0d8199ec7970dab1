"""The decision log: read-only decision pages, notes and corrections, and the recent list."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from policies.models import Element
from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required, error_status
from rcrp.db_router import reads_replica
from toolkit import services
from toolkit.forms import AccessFilterForm, LogFilterForm, NoteForm
from toolkit.models import DecisionAccess
from toolkit.selectors import (
    call_state,
    decision_get_for_reader,
    decision_links,
    escalation_list_for_decision,
    handover_clock,
    log,
    may_act_on_decision,
    notes_for_decision,
)
from toolkit.selectors.evidence import answer_timings, decisions_on_incident, evidence_bundle
from toolkit.selectors.reviews import reviews_for_decision
from toolkit.views.common import csv_response, page_cursors
from training.models import Site


def _detail(
    request: AuthenticatedHttpRequest,
    reference: UUID,
    form: NoteForm,
    status: int = 200,
    *,
    log_view: bool = False,
) -> HttpResponse:
    decision = decision_get_for_reader(user=request.user, reference=reference)
    if log_view:  # after the 404 check: only a decision actually shown is a reading
        services.decision_access_record(user=request.user, kind=DecisionAccess.Kind.PAGE, decision=decision)
    state = call_state(decision)
    return render(
        request,
        "toolkit/decision_detail.html",
        {
            "decision": decision,
            "state": state,
            "timings": answer_timings(state),
            "incident": list(decisions_on_incident(decision)),
            "reviews": reviews_for_decision(decision),
            "escalations": escalation_list_for_decision(decision=decision),
            "notes": notes_for_decision(decision),
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
    return _detail(request, reference, NoteForm(), log_view=True)


@login_required
@require_safe
def decision_evidence(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    """The evidence bundle as a page to print: everything recorded, with the bundle's sha256."""
    decision = decision_get_for_reader(user=request.user, reference=reference)
    bundle = evidence_bundle(decision)
    services.decision_access_record(user=request.user, kind=DecisionAccess.Kind.EVIDENCE, decision=decision)
    return render(
        request, "toolkit/evidence.html", {"decision": decision, "bundle": bundle, "now": timezone.now()}
    )


@login_required
@require_safe
def decision_evidence_json(request: AuthenticatedHttpRequest, reference: UUID) -> HttpResponse:
    """The evidence bundle as JSON: its content, and the sha256 of the content's canonical JSON."""
    decision = decision_get_for_reader(user=request.user, reference=reference)
    bundle = evidence_bundle(decision)
    services.decision_access_record(
        user=request.user, kind=DecisionAccess.Kind.EVIDENCE_JSON, decision=decision
    )
    response = JsonResponse(bundle.document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="decision-{decision.reference}.json"'
    return response


@any_permission_required(log.AUDIT)
@require_safe
def access_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Auditors: who viewed or downloaded which decision, and who exported the log."""
    form = AccessFilterForm(request.GET or None)
    paging = page_cursors(request)
    page = log.LogPage()
    if not form.is_bound or form.is_valid():
        page = log.access_log_page(
            form.access_filter() if form.is_bound else log.AccessFilter(),
            after=paging["after"],
            before=paging["before"],
        )
    context = {"form": form, "page": page, "query": paging["query"]}
    return render(request, "toolkit/access_log.html", context, status=error_status(form=form))


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


LOG_PERMISSIONS = (log.SUPERVISE, log.AUDIT, log.SUPPORT_FLOOR, log.TAKE_CALLS)


def _log_form(request: AuthenticatedHttpRequest) -> LogFilterForm:
    return LogFilterForm(
        request.GET or None, sites=list(Site.objects.all()), elements=list(Element.objects.all())
    )


@any_permission_required(*LOG_PERMISSIONS)
@require_safe
@reads_replica
def decision_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The decision log: the decisions the user may see, filtered, newest first, a keyset page at
    a time (handlers their own, floor walkers their site's, supervisors and auditors all)."""
    scope_words, scope = log.log_scope(request.user)
    form = _log_form(request)
    valid = form.is_valid() if form.is_bound else True
    paging = page_cursors(request)
    page = log.LogPage()
    if valid:
        chosen = form.log_filter() if form.is_bound else log.LogFilter()
        page = log.log_page(
            chosen.apply(scope), after=paging["after"], before=paging["before"], order=chosen.order
        )
    context = {
        "form": form,
        "page": page,
        "scope": scope_words,
        "query": paging["query"],
        "can_export": valid,
    }
    return render(request, "toolkit/decision_list.html", context, status=error_status(form=form))


@any_permission_required(*LOG_PERMISSIONS)
@require_safe
@reads_replica
def decision_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everything the filters match as CSV, streamed row by row (constant memory)."""
    _scope_words, scope = log.log_scope(request.user)
    form = _log_form(request)
    if form.is_bound and not form.is_valid():
        return decision_list(request)
    filtered = form.log_filter().apply(scope) if form.is_bound else scope
    services.decision_access_record(
        user=request.user, kind=DecisionAccess.Kind.EXPORT, detail=request.GET.urlencode() or "(no filters)"
    )
    return csv_response(log.EXPORT_COLUMNS, log.log_export_rows(filtered), "decisions")
