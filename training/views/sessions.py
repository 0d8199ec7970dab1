"""Courses, sessions, booking, attendance and rebooking no-shows."""

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
from training.forms import (
    AttendanceForm,
    BookStaffForm,
    CourseForm,
    CoursePracticeForm,
    RebookForm,
    SessionForm,
)
from training.models import Booking, Course, Site, TrainingSession
from training.views._common import MANAGE_TRAINING, paginate, post_data

WHEN = {"upcoming": "Upcoming", "past": "Past", "all": "All"}


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_safe
def course_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "training/course_list.html", {"courses": selectors.course_list()})


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def course_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CourseForm(*post_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            course = services.course_create(
                title=data["title"],
                version=data["version"],
                duration_minutes=data["duration_minutes"],
                policy_versions=data["policy_versions"],
                make_current=data["make_current"],
                practice_set=data["practice_set"],
                requires_practice=data["requires_practice"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"{course} added.")
            return redirect("training:courses")
    return render(request, "training/course_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def course_practice(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Attach a practice set to an existing course version, and whether completing it needs the
    set passed (a new version is not needed: that would make everyone train again)."""
    course = get_object_or_404(Course.objects.select_related("practice_set"), pk=pk)
    initial = {"practice_set": course.practice_set_id, "requires_practice": course.requires_practice}
    form = CoursePracticeForm(*post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_practice_set(
                course=course,
                practice_set=form.cleaned_data["practice_set"],
                requires_practice=form.cleaned_data["requires_practice"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"The practice requirement of the {course} is saved.")
            return redirect("training:courses")
    return render(
        request,
        "training/course_practice.html",
        {"form": form, "course": course},
        status=error_status(form=form),
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_POST
def course_make_current(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = services.course_make_current(course=get_object_or_404(Course, pk=pk), actor=request.user)
    messages.success(request, f"{course} is now the current course.")
    return redirect("training:courses")


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_safe
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    when = request.GET.get("when", "upcoming")
    when = when if when in WHEN else "upcoming"
    site = request.GET.get("site", "")[:50]
    page, query = paginate(request, selectors.session_list(now=timezone.now(), site=site, when=when))
    return render(
        request,
        "training/session_list.html",
        {
            "page": page,
            "query": query,
            "when": when,
            "when_choices": WHEN.items(),
            "site": site,
            "sites": Site.objects.order_by("name"),
            "no_shows": selectors.booking_list_no_shows_to_rebook(course=Course.objects.current()),
            "today": timezone.localdate().isoformat(),
        },
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def session_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SessionForm(*post_data(request), trainers=selectors.trainer_choices())
    if request.method == "GET" and request.user in form.fields["trainer"].queryset:
        form.initial["trainer"] = request.user.pk
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                course=data["course"],
                site=data["site"],
                starts_at=form.starts_at(),
                trainer=data["trainer"],
                capacity=data["capacity"],
                room=data["room"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(request, f"Session added: {session}.")
            return redirect("training:session-detail", pk=session.pk)
    return render(request, "training/session_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The session, its bookings, and a form to book people by staff number."""
    form = BookStaffForm(*post_data(request))
    if request.method == "POST" and form.is_valid():
        session = get_object_or_404(TrainingSession, pk=pk)
        bookings, problems = services.booking_create_many(
            session=session, staff_numbers=form.cleaned_data["staff_numbers"], actor=request.user
        )
        for problem in problems:
            form.add_error("staff_numbers", problem)
        if not problems:
            messages.success(request, f"{len(bookings)} booked.")
            return redirect("training:session-detail", pk=pk)
    detail = selectors.session_get_detail(pk=pk)
    return render(
        request,
        "training/session_detail.html",
        {
            "detail": detail,
            "session": detail.session,
            "form": form,
            "can_mark": timezone.localdate(detail.session.starts_at) <= timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_POST
def session_fill(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession, pk=pk)
    try:
        bookings = services.session_fill(
            session=session, actor=request.user, team=request.POST.get("team", "")[:60]
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("training:session-detail", pk=pk)
    if bookings:
        messages.success(
            request, f"{len(bookings)} people from {session.site} who had no booking are booked."
        )
    else:
        messages.info(
            request, "Nobody was booked: the session is full or everyone at the site is trained or booked."
        )
    return redirect("training:session-detail", pk=pk)


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def session_attendance(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark attendance and completion for the whole session on one page."""
    detail = selectors.session_get_detail(pk=pk)
    form = AttendanceForm(*post_data(request), bookings=detail.open_bookings)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.session_attendance_record(
                session=detail.session, marks=form.marks(), actor=request.user
            )
        except ValidationError as error:
            for problem in error.error_list:
                booking_pk = (problem.params or {}).get("booking")
                field = f"booking_{booking_pk}"
                form.add_error(field if field in form.fields else None, problem.messages[0])
        else:
            messages.success(request, f"Attendance saved: {changed} change{'s' if changed != 1 else ''}.")
            return redirect("training:session-detail", pk=pk)
    errors = [(form.first_radio_id(), error) for error in form.non_field_errors()] + [
        (
            f"{field.auto_id}_0",
            error if error.startswith(booking.staff.full_name) else f"{booking.staff.full_name}: {error}",
        )
        for field, booking in form.rows()
        for error in field.errors
    ]
    return render(
        request,
        "training/session_attendance.html",
        {"detail": detail, "session": detail.session, "form": form, "errors": errors},
        status=400 if form.errors else 200,
    )


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_POST
def booking_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    booking = selectors.booking_get(pk=pk)
    try:
        services.booking_cancel(booking=booking, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{booking.staff.full_name}'s booking is cancelled.")
    return redirect("training:session-detail", pk=booking.session_id)


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def booking_rebook(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    booking = selectors.booking_get(pk=pk)
    sessions = selectors.session_list_for_rebooking(booking=booking, now=timezone.now())
    form = RebookForm(*post_data(request), sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.booking_rebook(booking=booking, session=form.chosen(), actor=request.user)
        except ValidationError as error:
            form.add_error("session", error.messages[0])
        else:
            messages.success(request, f"{booking.staff.full_name} is rebooked on {new.session}.")
            return redirect("training:sessions")
    return render(
        request,
        "training/booking_rebook.html",
        {"form": form, "booking": booking, "sessions": sessions, "status": Booking.Status},
        status=400 if form.errors else 200,
    )
