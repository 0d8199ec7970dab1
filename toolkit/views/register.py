"""The challenges and escalations register (supervisors and auditors), and its exports."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from policies.models import Element
from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required, error_status
from rcrp.db_router import reads_replica
from toolkit.forms import PeriodFilterForm
from toolkit.selectors import log, register
from toolkit.views.common import csv_response, page_cursors
from training.models import Site

READERS = (log.SUPERVISE, log.AUDIT)


def _form(request: AuthenticatedHttpRequest) -> PeriodFilterForm:
    return PeriodFilterForm(
        request.GET or None, sites=list(Site.objects.all()), elements=list(Element.objects.all())
    )


def _filter(form: PeriodFilterForm) -> register.RegisterFilter:
    return form.register_filter() if form.is_bound else register.RegisterFilter()


@any_permission_required(*READERS)
@require_safe
@reads_replica
def register_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _form(request)
    valid = not form.is_bound or form.is_valid()
    paging = page_cursors(request)
    context: dict[str, Any] = {"form": form, "valid": valid, "query": paging["query"]}
    if valid:
        chosen = _filter(form)
        context |= {
            "page": register.register_page(chosen, after=paging["after"], before=paging["before"]),
            "overdue": register.overdue_handovers(chosen),
            "partners": register.partner_summary(chosen),
        }
    return render(request, "toolkit/register.html", context, status=error_status(form=form))


@any_permission_required(*READERS)
@require_safe
@reads_replica
def register_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return register_page(request)
    return csv_response(register.REGISTER_COLUMNS, register.register_rows(_filter(form)), "escalations")


@any_permission_required(*READERS)
@require_safe
@reads_replica
def partners_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return register_page(request)
    rows = (
        (r.label, r.requests, r.refusals, r.challenges, r.upheld, r.overturned)
        for r in register.partner_summary(_filter(form))
    )
    return csv_response(register.PARTNER_COLUMNS, rows, "partner-summary")


@any_permission_required(*READERS)
@require_safe
@reads_replica
def handovers_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return register_page(request)
    return csv_response(
        register.HANDOVER_COLUMNS,
        register.overdue_handover_rows(_filter(form)),
        "s136-handovers-over-60-minutes",
    )
