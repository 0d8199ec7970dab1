"""The agency directory and the scenarios, for policy owners."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from policies import services
from policies.forms import AgencyForm, ScenarioForm, add_service_error
from policies.models import PolicyVersion
from policies.selectors import (
    MANAGE_POLICIES,
    agency_get,
    agency_history,
    agency_keys,
    agency_list,
    element_get,
    policy_version_check,
    policy_version_list_for_user,
    scenario_get,
    scenario_list_for_element,
)
from rcrp.accounts.http import AuthenticatedHttpRequest, error_status

manage = permission_required(MANAGE_POLICIES, raise_exception=True)


@login_required
@manage
@require_safe
def agencies(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "policies/agency_list.html", {"agencies": agency_list()})


@login_required
@manage
@require_safe
def agency_detail(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    agency = agency_get(key=key)
    return render(
        request, "policies/agency_detail.html", {"agency": agency, "history": agency_history(agency=agency)}
    )


@login_required
@manage
@require_http_methods(["GET", "HEAD", "POST"])
def agency_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = AgencyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(actor=request.user, key=form.cleaned_data["key"], **form.values())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{agency.name} added to the directory.")
            return redirect("policies:agency", key=agency.key)
    return render(
        request, "policies/agency_form.html", {"form": form, "agency": None}, status=error_status(form=form)
    )


@login_required
@manage
@require_http_methods(["GET", "HEAD", "POST"])
def agency_edit(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    agency = agency_get(key=key)
    form = AgencyForm(request.POST if request.method == "POST" else None, instance=agency)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_update(agency=agency_get(key=key), actor=request.user, **form.values())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"{agency.name}: changes saved.")
            return redirect("policies:agency", key=key)
    return render(
        request, "policies/agency_form.html", {"form": form, "agency": agency}, status=error_status(form=form)
    )


@login_required
@manage
@require_safe
def scenario_list(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    element = element_get(slug=slug)
    versions = [
        v
        for v in policy_version_list_for_user(user=request.user, element=element)
        if v.status != PolicyVersion.Status.RETIRED
    ]
    scenarios = scenario_list_for_element(element=element)
    checks = [policy_version_check(v, scenarios=scenarios) for v in versions]
    results = {(r.scenario.pk, c.version.pk): r for c in checks for r in c.results}
    rows = [(s, [(c.version, results.get((s.pk, c.version.pk))) for c in checks]) for s in scenarios]
    return render(
        request,
        "policies/scenario_list.html",
        {"element": element, "rows": rows, "checks": checks, "versions": versions},
    )


def _scenario_form_page(request: AuthenticatedHttpRequest, slug: str, pk: int | None) -> HttpResponse:
    element = element_get(slug=slug)
    scenario = scenario_get(element=element, pk=pk) if pk is not None else None
    keys = sorted(agency_keys())
    if request.method == "POST":
        form = ScenarioForm(request.POST, agency_keys=keys)
        if form.is_valid():
            values = form.cleaned_data
            try:
                if scenario is None:
                    scenario = services.scenario_create(element=element, actor=request.user, **values)
                else:
                    scenario = services.scenario_update(scenario=scenario, actor=request.user, **values)
            except ValidationError as error:
                add_service_error(form, error, "answers")
            else:
                messages.success(request, f"Scenario '{scenario.name}' saved.")
                return redirect("policies:scenarios", slug=slug)
    else:
        import json

        initial = {}
        if scenario is not None:
            initial = {name: getattr(scenario, name) for name in services.SCENARIO_FIELDS}
            initial["answers"] = json.dumps(scenario.answers, indent=2, ensure_ascii=False)
        form = ScenarioForm(initial=initial or None, agency_keys=keys)
    return render(
        request,
        "policies/scenario_form.html",
        {"element": element, "form": form, "scenario": scenario},
        status=error_status(form=form),
    )


@login_required
@manage
@require_http_methods(["GET", "HEAD", "POST"])
def scenario_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _scenario_form_page(request, slug, None)


@login_required
@manage
@require_http_methods(["GET", "HEAD", "POST"])
def scenario_edit(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    return _scenario_form_page(request, slug, pk)
