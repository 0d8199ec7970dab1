"""Outcome dashboards (supervisors, auditors, administrators) and the baseline administrators enter."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from policies.models import Element
from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required, error_status
from rcrp.db_router import reads_replica
from toolkit.baseline_csv import BaselineFileError
from toolkit.dashboard_forms import BaselineForm, BaselineImportForm, DashboardForm
from toolkit.selectors import dashboard
from toolkit.services import baseline_import, baseline_set
from training.models import Site

READERS = ("accounts.supervise_calls", "accounts.audit_decisions", "accounts.manage_service")
MANAGE_SERVICE = "accounts.manage_service"
PROBLEMS_SHOWN = 100  # a file of bad rows is summarised, not echoed whole


@any_permission_required(*READERS)
@require_safe
@reads_replica
def dashboard_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    elements, sites = list(Element.objects.all()), list(Site.objects.all())
    form = DashboardForm(request.GET or None, sites=sites, elements=elements)
    valid = not form.is_bound or form.is_valid()
    context: dict[str, Any] = {"form": form, "valid": valid}
    if valid:
        board = dashboard.dashboard_get(
            form.dashboard_filter(),
            elements={e.pk: e for e in elements},
            sites={s.pk: s for s in sites},
        )
        context |= {
            "board": board,
            "chart_data": board.chart_data(),
            "categories": [(c, dashboard.CATEGORY_NAMES[c]) for c in dashboard.CATEGORY_ORDER],
            "humberside_note": dashboard.HUMBERSIDE_NOTE,
            "humberside_overall": dashboard.HUMBERSIDE_OVERALL,
        }
    return render(request, "toolkit/dashboard.html", context, status=error_status(form=form))


def _baseline_page(
    request: AuthenticatedHttpRequest,
    *,
    form: BaselineForm | None = None,
    upload: BaselineImportForm | None = None,
    problems: list[Any] | None = None,
) -> HttpResponse:
    form, upload = form or BaselineForm(), upload or BaselineImportForm()
    context = {
        "form": form,
        "upload": upload,
        "problems": (problems or [])[:PROBLEMS_SHOWN],
        "problems_more": max(0, len(problems or []) - PROBLEMS_SHOWN),
        "baseline": dashboard.baseline_list(),
    }
    return render(
        request, "toolkit/baseline.html", context, status=400 if form.errors or upload.errors else 200
    )


@any_permission_required(MANAGE_SERVICE)
@require_safe
def baseline(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _baseline_page(request)


@any_permission_required(MANAGE_SERVICE)
@require_POST
def baseline_enter(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = BaselineForm(request.POST)
    if not form.is_valid():
        return _baseline_page(request, form=form)
    data = form.cleaned_data
    baseline_set(
        element=data["element"], month=data["month"], deployments=data["deployments"], actor=request.user
    )
    messages.success(
        request,
        f"Saved: {data['element'].title}, {data['month']:%B %Y}, {data['deployments']:,} deployments.",
    )
    return redirect("toolkit:baseline")


@any_permission_required(MANAGE_SERVICE)
@require_POST
def baseline_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    upload = BaselineImportForm(request.POST, request.FILES)
    if not upload.is_valid():
        return _baseline_page(request, upload=upload)
    file = upload.cleaned_data["file"]
    try:
        parsed = baseline_import(
            data=file.read(), actor=request.user, today=timezone.localdate(), filename=file.name or ""
        )
    except BaselineFileError as error:
        upload.add_error("file", str(error))
        return _baseline_page(request, upload=upload)
    if parsed.problems:
        count = len(parsed.problems)
        upload.add_error(
            "file",
            f"Nothing was imported: {count} row{'s are' if count != 1 else ' is'} wrong. "
            "Every one is listed below the form with its line number",
        )
        return _baseline_page(request, upload=upload, problems=parsed.problems)
    messages.success(request, f"Baseline imported: {len(parsed.rows):,} months.")
    return redirect("toolkit:baseline")
