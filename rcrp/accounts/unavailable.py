"""The database is unavailable: a clear GOV.UK page (503), never a stack trace or a 500.

`DatabaseUnavailableMiddleware` answers any request whose database went away with
templates/503.html. It catches the error two ways, because Django turns an exception raised
inside a middleware into a 500 response before an outer middleware can see it:

- an error raised by the view (the usual case: reading the session or the call) comes to
  `process_exception`;
- an error raised in a middleware (the session's user read after the view, the session saved on
  the way out) is seen by the `got_request_exception` receiver, which marks the request; the
  middleware, outermost but for security and static files, then replaces the 500 with the 503.

The page is rendered without a request: no context processor runs, no session or user is read,
so it renders with the database gone. Each request is one transaction at most (writes happen in
services under `transaction.atomic`), so a request cut off here has written nothing half-way.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone

try:  # psycopg's own errors, should one ever escape Django's wrapping (the connection pool)
    import psycopg
    import psycopg_pool

    _DRIVER_ERRORS: tuple[type[BaseException], ...] = (
        psycopg.OperationalError,
        psycopg.InterfaceError,
        psycopg_pool.PoolTimeout,
    )
except ImportError:  # pragma: no cover - psycopg is in requirements.txt
    _DRIVER_ERRORS = ()

UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, *_DRIVER_ERRORS)
RETRY_AFTER_SECONDS = 30
_MARK = "_rcrp_database_unavailable"
# The page's own policy: the request's CSP nonce may never have been made (the page has no script).
_CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` (or what caused it) says the database cannot be reached or has gone."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, UNAVAILABLE_ERRORS):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


HEALTH_PATH = "/healthz"
HEALTH_DOWN = {"status": "error", "database": "unavailable"}  # as rcrp.views.healthz says it


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 page. Reads nothing from the database, the session or the user. A monitor's probe of
    /healthz gets its JSON, also when it sent a session cookie (the session's read failed first)."""
    if request.path_info == HEALTH_PATH:  # without a script prefix the app may be served under
        return JsonResponse(HEALTH_DOWN, status=503, headers={"Cache-Control": "no-store"})
    saving = request.method == "POST"
    body = render_to_string(
        "503.html",
        {"saving": saving, "now": timezone.localtime(), "retry_after": RETRY_AFTER_SECONDS},
    )
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response.setdefault("Content-Security-Policy", _CSP)
    return response


@receiver(got_request_exception, dispatch_uid="rcrp.accounts.unavailable")
def _mark_unavailable(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django is about to answer 500 for an exception: note whether the database caused it."""
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    """Turns a lost database into the service-unavailable page (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            setattr(request, _MARK, True)
            return unavailable_response(request)
        return None
