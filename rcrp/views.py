"""Project-level views: home, health check and the CSRF failure page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError, InterfaceError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from rcrp.accounts.http import AuthenticatedHttpRequest
from rcrp.accounts.selectors import home_sections_for_user
from rcrp.accounts.unavailable import HEALTH_DOWN


class LoginView(auth_views.LoginView):
    """Django's login view; a failed sign-in answers 400 with the error summary (bad input is a 4xx)."""

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@login_required
@require_safe
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {"sections": home_sections_for_user(user=request.user), "has_role": bool(request.user.role_names)},
    )


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Load balancer probe: 200 when the app and its database answer, 503 when the database does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (DatabaseError, InterfaceError):  # InterfaceError: a connection already closed
        return JsonResponse(HEALTH_DOWN, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(
        request,
        "403.html",
        {
            "title": "Your form has expired",
            "message": "Nothing was saved. Go back, refresh the page and try again.",
        },
        status=403,
    )
