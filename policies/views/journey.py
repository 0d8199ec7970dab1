"""The version journey for policy owners: draft, edit, submit, approve or return, publish.

Every view needs accounts.manage_policies; the services enforce the business rules (four-eyes,
checks before publishing) and write the audit rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from policies import services
from policies.forms import ApproveForm, DraftForm, PublishForm, ReturnForm, add_service_error
from policies.models import PolicyVersion
from policies.replay import what_would_change
from policies.selectors import (
    MANAGE_POLICIES,
    element_get,
    policy_version_author_ids,
    policy_version_check,
    policy_version_get_for_user,
    policy_version_get_live,
)
from policies.validators import document_text
from rcrp.accounts.http import AuthenticatedHttpRequest, error_status

manage = permission_required(MANAGE_POLICIES, raise_exception=True)
Status = PolicyVersion.Status


def _version_url(version: PolicyVersion) -> str:
    return reverse("policies:version", args=[version.element.slug, version.number])


def _get(request: AuthenticatedHttpRequest, slug: str, number: int, *statuses: str) -> PolicyVersion:
    """The version, or 404 when it is not in one of `statuses` (the page does not apply to it)."""
    version = policy_version_get_for_user(user=request.user, element_slug=slug, number=number)
    if statuses and version.status not in statuses:
        raise Http404("This page does not apply to the version in its current state")
    return version


def _errors(error: ValidationError, anchor: str = "checks") -> list[tuple[str, str]]:
    return [(anchor, message) for message in error.messages]


@login_required
@manage
@require_POST
def draft_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    element = element_get(slug=slug)
    try:
        version = services.policy_version_create_draft(element=element, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("policies:element", slug=slug)
    messages.success(request, f"Draft version {version.number} created from the current version.")
    return redirect("policies:draft-edit", slug=slug, number=version.number)


@login_required
@manage
@require_http_methods(["GET", "HEAD", "POST"])
def draft_edit(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _get(request, slug, number, Status.DRAFT)
    if request.method == "POST":
        form = DraftForm(request.POST)
        if form.is_valid():
            try:
                services.policy_version_update_draft(
                    version=version,
                    actor=request.user,
                    document=form.cleaned_data["document"],
                    change_summary=form.cleaned_data["change_summary"],
                    acknowledgement_required=form.cleaned_data["acknowledgement_required"],
                )
            except ValidationError as error:
                add_service_error(form, error, "document")
            else:
                messages.success(request, f"Draft version {version.number} saved.")
                return redirect(_version_url(version))
    else:
        form = DraftForm(
            initial={
                "change_summary": version.change_summary,
                "acknowledgement_required": version.acknowledgement_required,
                "document": document_text(version.document),
            }
        )
    return render(
        request,
        "policies/draft_edit.html",
        {"version": version, "element": version.element, "form": form},
        status=error_status(form=form),
    )


@login_required
@manage
@require_http_methods(["GET", "HEAD", "POST"])
def version_submit(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _get(request, slug, number, Status.DRAFT)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            services.policy_version_submit(version=version, actor=request.user)
        except ValidationError as error:
            errors = _errors(error)
        else:
            messages.success(request, f"Version {version.number} submitted for approval.")
            return redirect(_version_url(version))
    context = {
        "version": version,
        "element": version.element,
        "check": policy_version_check(version),
        "errors": errors,
    }
    return render(request, "policies/version_submit.html", context, status=error_status(errors=errors))


@login_required
@manage
@require_http_methods(["GET", "HEAD", "POST"])
def version_approve(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _get(request, slug, number, Status.SUBMITTED)
    form = ApproveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_version_approve(
                version=version,
                actor=request.user,
                legal_clearance_ref=form.cleaned_data["legal_clearance_ref"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Version {version.number} approved. It can now be published.")
            return redirect(_version_url(version))
    context: dict[str, Any] = {
        "version": version,
        "element": version.element,
        "form": form,
        "check": policy_version_check(version),
        "is_author": request.user.pk in policy_version_author_ids(version),
        "live": policy_version_get_live(element=version.element),
    }
    return render(request, "policies/version_approve.html", context, status=error_status(form=form))


@login_required
@manage
@require_http_methods(["GET", "HEAD", "POST"])
def version_return(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _get(request, slug, number, Status.SUBMITTED, Status.APPROVED)
    form = ReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_version_return_to_draft(
                version=version, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_error(form, error, "reason")
        else:
            messages.success(request, f"Version {version.number} is a draft again.")
            return redirect(_version_url(version))
    return render(
        request,
        "policies/version_return.html",
        {"version": version, "element": version.element, "form": form},
        status=error_status(form=form),
    )


@login_required
@manage
@require_http_methods(["GET", "HEAD", "POST"])
def version_publish(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _get(request, slug, number, Status.APPROVED)
    form = PublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.policy_version_publish(
                version=version, actor=request.user, effective_from=form.cleaned_data["effective_from"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if version.status == Status.PUBLISHED:
                messages.success(request, f"Version {version.number} is published and now in force.")
                return redirect("policies:element", slug=slug)
            messages.success(
                request,
                f"Version {version.number} will be published on {version.effective_from:%d %B %Y at %H:%M}.",
            )
            return redirect(_version_url(version))
    context = {
        "version": version,
        "element": version.element,
        "form": form,
        "check": policy_version_check(version),
        "live": policy_version_get_live(element=version.element),
    }
    return render(request, "policies/version_publish.html", context, status=error_status(form=form))


@login_required
@manage
@require_POST
def version_unschedule(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _get(request, slug, number, Status.APPROVED)
    try:
        services.policy_version_unschedule(
            version=version, actor=request.user, reason="Cancelled by a policy owner"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The scheduled publication of version {version.number} is cancelled.")
    return redirect(_version_url(version))


@login_required
@manage
@require_safe
def version_changes(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    version = _get(request, slug, number, Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.PUBLISHED)
    check = policy_version_check(version)
    report = what_would_change(version) if not check.problems else None
    return render(
        request,
        "policies/version_changes.html",
        {"version": version, "element": version.element, "check": check, "report": report},
    )
