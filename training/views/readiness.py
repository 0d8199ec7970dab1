"""The training dashboard (readiness against go-live) and the untrained-staff CSV export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from rcrp.accounts.http import AuthenticatedHttpRequest
from training import selectors
from training.models import Course
from training.views._common import MANAGE_TRAINING, csv_response, today_stamp


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_safe
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    report = selectors.readiness_get(today=timezone.localdate(), now=timezone.now())
    return render(request, "training/dashboard.html", {"report": report, "no_team": selectors.NO_TEAM})


@login_required
@permission_required(MANAGE_TRAINING, raise_exception=True)
@require_safe
def untrained_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    site = request.GET.get("site", "")[:50]
    team = request.GET.get("team", "")[:60]
    staff = selectors.staff_list_untrained_for_export(course=Course.objects.current(), site=site, team=team)
    rows = (
        (
            s.staff_number,
            s.full_name,
            s.site.name,
            s.role,
            s.team,
            "booked" if s.is_booked else "not booked",
            f"{timezone.localtime(s.booked_for):%Y-%m-%d %H:%M}" if s.booked_for else "",
        )
        for s in staff
    )
    parts = [
        "untrained-staff",
        slugify(site),
        "" if team == selectors.NO_TEAM else slugify(team),
        today_stamp(),
    ]
    filename = "-".join(p for p in parts if p) + ".csv"
    return csv_response(
        filename, ["staff_number", "full_name", "site", "role", "team", "status", "booked_session"], rows
    )
