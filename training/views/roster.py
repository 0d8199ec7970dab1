"""The roster: the filtered staff list, the CSV import, one person's record, leavers, booking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from rcrp.accounts.http import AuthenticatedHttpRequest, error_status
from training import selectors, services
from training.completion_forms import LinkAccountForm, OutsideCompletionForm
from training.csv_import import RosterFileError
from training.forms import RebookForm, RosterFilterForm, StaffImportForm
from training.models import Course, StaffMember
from training.views._common import MANAGE_TRAINING, paginate, post_data

SUMMARY_LIMIT = 50  # bad rows listed in the error summary; the full list follows the form
LIST_LIMIT = 500  # bad rows listed below the form; the rest are counted (a 5 MB file of bad rows)


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_safe
def roster(request: AuthenticatedHttpRequest) -> HttpResponse:
    options = selectors.roster_filter_options()
    form = RosterFilterForm(
        request.GET or None, sites=options.sites, roles=options.roles, teams=options.teams
    )
    filters = form.filters() if request.GET else {"active": "active"}
    course = Course.objects.current()
    page, query = paginate(request, selectors.staff_list_for_roster(course=course, **filters))
    return render(
        request,
        "training/roster.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "course": course,
            "filtered": any(v for k, v in filters.items() if k != "active")
            or filters.get("active") != "active",
        },
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StaffImportForm(*post_data(request, files=True))
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.staff_import(
                data=upload.read(),
                actor=request.user,
                partial=form.cleaned_data["partial"],
                deactivate_missing=form.cleaned_data["deactivate_missing"],
                filename=upload.name or "",
            )
        except RosterFileError as error:
            form.add_error("file", str(error))
        else:
            problems = result.problems
            if result.applied:
                text = f"Roster imported: {result.summary}."
                if problems:
                    text += (
                        f" {len(problems)} bad row{'s were' if len(problems) != 1 else ' was'} not imported."
                    )
                messages.success(request, text)
                if not problems:
                    return redirect("training:roster")
            else:
                for problem in problems[:SUMMARY_LIMIT]:
                    form.add_error("file", f"Line {problem.line}: {problem.reason}")
                if len(problems) > SUMMARY_LIMIT:
                    shown = min(len(problems), LIST_LIMIT)
                    form.add_error(
                        "file",
                        f"And {len(problems) - SUMMARY_LIMIT} more bad rows: "
                        + ("all are" if shown == len(problems) else f"the first {shown} are")
                        + " listed below the form",
                    )
    status = 400 if form.errors else 200
    return render(
        request,
        "training/staff_import.html",
        {
            "form": form,
            "problems": problems[:LIST_LIMIT],
            "problem_count": len(problems),
            "problems_not_listed": max(len(problems) - LIST_LIMIT, 0),
            "imported": bool(problems) and not form.errors,
        },
        status=status,
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_safe
def staff_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    detail = selectors.staff_get_detail(pk=pk, course=Course.objects.current())
    return render(request, "training/staff_detail.html", {"detail": detail, "staff": detail.staff})


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_POST
def staff_set_active(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(StaffMember, pk=pk)
    active = request.POST.get("active") == "1"
    services.staff_set_active(staff=staff, active=active, actor=request.user)
    messages.success(
        request, f"{staff.full_name} is {'active again' if active else 'deactivated (a leaver)'}."
    )
    return redirect("training:staff-detail", pk=pk)


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_book(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(StaffMember.objects.select_related("site"), pk=pk)
    course = Course.objects.current()
    sessions = selectors.session_list_for_staff(staff=staff, course=course, now=timezone.now())
    form = RebookForm(*post_data(request), sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_create(session=form.chosen(), staff=staff, actor=request.user)
        except ValidationError as error:
            form.add_error("session", error.messages[0])
        else:
            messages.success(request, f"{staff.full_name} is booked on {booking.session}.")
            return redirect("training:staff-detail", pk=pk)
    return render(
        request,
        "training/staff_book.html",
        {"form": form, "staff": staff, "sessions": sessions},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_completion(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a completion outside a session: trained elsewhere, or by another route."""
    staff = get_object_or_404(StaffMember.objects.select_related("site"), pk=pk)
    form = OutsideCompletionForm(*post_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            completion = services.completion_record_outside_session(
                staff=staff,
                course=data["course"],
                completed_on=data["completed_on"],
                route=data["route"],
                evidence_note=data["evidence_note"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"{staff.full_name} has completed the {completion.course}.")
            return redirect("training:staff-detail", pk=pk)
    return render(
        request,
        "training/staff_completion.html",
        {"form": form, "staff": staff},
        status=error_status(form=form),
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_link_account(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Link a roster entry to a sign-in account whose staff number differs."""
    staff = get_object_or_404(StaffMember.objects.select_related("site", "user"), pk=pk)
    form = LinkAccountForm(*post_data(request))
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["account"]
        try:
            services.staff_link_account(staff=staff, user=user, actor=request.user)
        except ValidationError as error:
            form.add_error("account", error.messages[0])
        else:
            messages.success(request, f"{staff.full_name} is linked to the account {user.display_name}.")
            return redirect("training:staff-detail", pk=pk)
    return render(
        request,
        "training/staff_link_account.html",
        {"form": form, "staff": staff, "unlinked": selectors.account_list_unlinked()},
        status=error_status(form=form),
    )
