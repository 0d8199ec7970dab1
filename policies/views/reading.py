"""Pages every signed-in user may read: the library, versions, flowchart, print view and diff.

Versions not yet published are shown only to policy owners (404 for everyone else).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from policies import flow as engine
from policies.forms import DiffForm
from policies.models import PolicyVersion
from policies.selectors import (
    MANAGE_POLICIES,
    audit_events_for_version,
    element_get,
    element_list_for_library,
    flow_for_version,
    flowchart_for_version,
    policy_version_check,
    policy_version_diff,
    policy_version_get_for_user,
    policy_version_get_live,
    policy_version_list_for_user,
    version_document,
)
from rcrp.accounts.http import AuthenticatedHttpRequest


def _document_or_problems(version: PolicyVersion) -> dict[str, object]:
    """The readable document, or the problems that stop the stored document being read."""
    try:
        return {"document": version_document(version), "read_problems": []}
    except engine.FlowDefinitionError as error:
        return {"document": None, "read_problems": error.problems}


@login_required
@require_safe
def library(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "policies/library.html",
        {
            "entries": element_list_for_library(user=request.user),
            "is_owner": request.user.has_perm(MANAGE_POLICIES),
        },
    )


def _version_page(
    request: AuthenticatedHttpRequest, version: PolicyVersion, *, template: str, current: bool = False
) -> HttpResponse:
    is_owner = request.user.has_perm(MANAGE_POLICIES)
    versions = policy_version_list_for_user(user=request.user, element=version.element)
    context: dict[str, object] = {
        "version": version,
        "element": version.element,
        "is_owner": is_owner,
        "current": current,
        "versions": versions,
        "in_progress": next((v for v in versions if v.is_in_progress), None),
        **_document_or_problems(version),
    }
    if is_owner and version.is_in_progress:
        context["check"] = policy_version_check(version)
    if is_owner:
        context["audit_events"] = audit_events_for_version(version=version)
    return render(request, template, context)


@login_required
@require_safe
def element_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    element = element_get(slug=slug)
    live = policy_version_get_live(element=element)
    if live is None:
        return render(
            request,
            "policies/element_empty.html",
            {
                "element": element,
                "is_owner": request.user.has_perm(MANAGE_POLICIES),
                "versions": policy_version_list_for_user(user=request.user, element=element),
            },
        )
    return _version_page(request, live, template="policies/version_detail.html", current=True)


@login_required
@require_safe
def version_detail(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = policy_version_get_for_user(user=request.user, element_slug=slug, number=number)
    return _version_page(request, version, template="policies/version_detail.html")


@login_required
@require_safe
def version_flowchart(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = policy_version_get_for_user(user=request.user, element_slug=slug, number=number)
    try:
        flow = flow_for_version(version)
        chart = flowchart_for_version(version)
    except engine.FlowDefinitionError as error:
        return render(
            request,
            "policies/version_flowchart.html",
            {"version": version, "element": version.element, "read_problems": error.problems},
        )
    return render(
        request,
        "policies/version_flowchart.html",
        {
            "version": version,
            "element": version.element,
            "chart": chart,
            "outline": engine.outline(flow),
            "mermaid": engine.mermaid(flow),
            "categories": [(str(c).lower(), c.label) for c in engine.CATEGORIES],
        },
    )


@login_required
@require_safe
def version_print(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = policy_version_get_for_user(user=request.user, element_slug=slug, number=number)
    return render(
        request,
        "policies/version_print.html",
        {
            "version": version,
            "element": version.element,
            "printed_at": timezone.localtime(),
            "printed_by": request.user,
            **_document_or_problems(version),
        },
    )


@login_required
@require_safe
def diff(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    element = element_get(slug=slug)
    versions = policy_version_list_for_user(user=request.user, element=element)
    by_number = {v.number: v for v in versions}
    data = request.GET if "old" in request.GET or "new" in request.GET else None
    if data is None and len(versions) >= 2:
        data = {"old": str(versions[1].number), "new": str(versions[0].number)}
    form = DiffForm(data, versions=versions)
    context: dict[str, object] = {"element": element, "form": form, "versions": versions}
    if data is not None and form.is_valid():
        old, new = by_number[form.cleaned_data["old"]], by_number[form.cleaned_data["new"]]
        try:
            groups = policy_version_diff(old, new)
        except engine.FlowDefinitionError as error:
            context["read_problems"] = error.problems
        else:
            context.update(old=old, new=new, groups=groups, compared=True)
            context["counts"] = {
                kind: sum(1 for g in groups for c in g.changes if c.kind == kind)
                for kind in ("added", "removed", "changed")
            }
    return render(request, "policies/diff.html", context)
