"""Policy-change acknowledgements, the floor-walker rota and plan, and the support log."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from policies.models import PolicyVersion
from rcrp.accounts.forms import parse_iso_date
from rcrp.accounts.http import AuthenticatedHttpRequest, any_permission_required
from training import readiness, selectors, services
from training.forms import RotaAssignForm, RotaPlanForm, SupportForm
from training.selectors import practice as practice_selectors
from training.views._common import (
    MANAGE_TRAINING,
    SUPERVISE_CALLS,
    SUPPORT_FLOOR,
    post_data,
)


@login_required
@require_http_methods(["GET", "POST"])
def acknowledge(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every signed-in user may open this page; only those who take calls have anything to
    acknowledge (POST from anyone else is refused by the service)."""
    if request.method == "POST":
        try:
            pk = int(request.POST.get("version", ""))
        except ValueError:
            pk = 0
        version = get_object_or_404(PolicyVersion.objects.select_related("element"), pk=pk)
        try:
            services.acknowledgement_record(user=request.user, version=version)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request, f"You have acknowledged the change to {version.element.title} v{version.number}."
            )
        return redirect("training:acknowledge")
    return render(
        request,
        "training/acknowledge.html",
        {
            "pending": [
                practice_selectors.policy_change_for(version)
                for version in selectors.acknowledgement_list_pending(user=request.user)
            ],
            "done": selectors.acknowledgement_list_for_user(user=request.user),
            "takes_calls": request.user.has_perm("accounts.take_calls"),
        },
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_safe
def acknowledgement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request, "training/acknowledgement_list.html", {"rows": selectors.acknowledgement_overview()}
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_safe
def acknowledgement_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    detail = selectors.acknowledgement_get_detail(pk=pk)
    return render(
        request, "training/acknowledgement_detail.html", {"detail": detail, "version": detail.version}
    )


def _week_param(raw: str | None) -> date:
    """The week asked for; today's week for a missing, garbled or far-out date (9999-12-31)."""
    return readiness.week_start(parse_iso_date(raw) or timezone.localdate())


@any_permission_required(SUPPORT_FLOOR, MANAGE_TRAINING)
@require_safe
def rota(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The week's rota: floor walkers and supervisors (who change it), and trainers (read-only)."""
    start = _week_param(request.GET.get("week"))
    return render(
        request,
        "training/rota.html",
        {
            "week": selectors.rota_week(start=start),
            "start": start,
            "previous": start - timedelta(days=7),
            "next": start + timedelta(days=7),
            "previous_week": f"{start - timedelta(days=7):%Y-%m-%d}",
            "next_week": f"{start + timedelta(days=7):%Y-%m-%d}",
            "today": timezone.localdate(),
        },
    )


@login_required
@permission_required(SUPERVISE_CALLS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def rota_assign(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RotaAssignForm(*post_data(request), walkers=selectors.floor_walker_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rota_assign(
                day=data["date"],
                site=data["site"],
                shift=data["shift"],
                floor_walker=data["floor_walker"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"{data['floor_walker'].display_name} is on the rota.")
            return redirect(f"{reverse('training:rota')}?week={data['date']:%Y-%m-%d}")
    return render(request, "training/rota_assign.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required(SUPERVISE_CALLS, raise_exception=True)
@require_POST
def rota_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.rota_assignment_get(pk=pk)
    services.rota_remove(assignment=assignment, actor=request.user)
    messages.success(request, f"{assignment.floor_walker.display_name} is off the rota for that shift.")
    return redirect(f"{reverse('training:rota')}?week={assignment.date:%Y-%m-%d}")


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def rota_plan(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RotaPlanForm(*post_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.rota_plan_set(
                starts_on=data["starts_on"],
                walkers_per_shift=data["walkers_per_shift"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error("walkers_per_shift", error.messages[0])
        else:
            messages.success(request, "The floor-walker plan is saved.")
            return redirect("training:rota-plan")
    return render(
        request,
        "training/rota_plan.html",
        {"form": form, "periods": selectors.rota_plan_list()},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_POST
def rota_plan_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    services.rota_plan_delete(period=selectors.rota_plan_period_get(pk=pk), actor=request.user)
    messages.success(request, "The period is removed from the plan.")
    return redirect("training:rota-plan")


@login_required
@permission_required(SUPPORT_FLOOR, raise_exception=True)
@require_http_methods(["GET", "POST"])
def support(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SupportForm(*post_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.support_record(
                floor_walker=request.user,
                handler=data["handler"],
                topic=data["topic"],
                notes=data["notes"],
                decision_reference=data["decision_reference"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"Support for {data['handler'].full_name} is recorded.")
            return redirect("training:support")
    return render(
        request,
        "training/support.html",
        {"form": form, "recent": selectors.support_list_for_walker(user=request.user)},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required(SUPERVISE_CALLS, raise_exception=True)
@require_safe
def support_summary(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        weeks = min(max(int(request.GET.get("weeks", 4)), 1), 26)
    except ValueError:
        weeks = 4
    today = timezone.localdate()
    since = readiness.week_start(today) - timedelta(days=7 * (weeks - 1))
    return render(
        request,
        "training/support_summary.html",
        {
            "summary": selectors.support_summary(since=since, today=today),
            "weeks": weeks,
            "week_choices": (1, 4, 8, 13, 26),
        },
    )
