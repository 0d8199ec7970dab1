"""The floor-walker support plan against its budget: read by administrators, trainers and
supervisors; the figures are entered by administrators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required, error_status
from training import selectors, services
from training.service_forms import SupportBudgetForm
from training.views._common import (
    MANAGE_SERVICE,
    MANAGE_TRAINING,
    SUPERVISE_CALLS,
    paginate,
    post_data,
)

SHORTFALLS_PER_PAGE = 25
# What the form offers before any budget is entered: the figures of the issue that set the plan.
DEFAULT_FIGURES = {"total": "1500000", "day_rate": "706"}


@any_permission_required(MANAGE_SERVICE, MANAGE_TRAINING, SUPERVISE_CALLS)
@require_safe
def support_budget(request: AuthenticatedHttpRequest) -> HttpResponse:
    report = selectors.support_budget_report(today=timezone.localdate())
    page, query = paginate(request, report.shortfalls, per_page=SHORTFALLS_PER_PAGE)
    return render(request, "training/support_budget.html", {"report": report, "page": page, "query": query})


@login_required
@permission_required(MANAGE_SERVICE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def support_budget_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    budget = selectors.support_budget_current()
    initial = (
        {
            "total": budget.total,
            "day_rate": budget.day_rate,
            "consultant_day_rate": budget.consultant_day_rate,
            "consultant_days_per_week": budget.consultant_days_per_week,
            "plan_ends_on": budget.plan_ends_on,
        }
        if budget is not None
        else DEFAULT_FIGURES
    )
    form = SupportBudgetForm(*post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.support_budget_set(
                total=data["total"],
                day_rate=data["day_rate"],
                consultant_day_rate=data["consultant_day_rate"],
                consultant_days_per_week=data["consultant_days_per_week"],
                plan_ends_on=data["plan_ends_on"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, "The support budget is saved.")
            return redirect("training:support-budget")
    return render(
        request,
        "training/support_budget_form.html",
        {"form": form, "budget": budget, "plan": selectors.rota_plan_list()},
        status=error_status(form=form),
    )
