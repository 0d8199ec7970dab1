"""Request id for grouping audit rows, and idle-time session expiry."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse

from rcrp.accounts.audit import current_request_id
from rcrp.accounts.errors import NotFound

RENEW_AFTER_SECONDS = 60


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request_id.set(uuid.uuid4())
        try:
            return self.get_response(request)
        finally:
            current_request_id.reset(token)


class IdleTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_MINUTES without a request.

    Renewing the expiry on every request would write the session row every time; renewing it
    at most once a minute keeps the idle limit to within a minute at a fraction of the writes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            seen = request.session.get("seen", 0)
            if now - seen > RENEW_AFTER_SECONDS:
                # Marking the session modified saves it with a fresh expiry (SESSION_COOKIE_AGE).
                request.session["seen"] = now
        return self.get_response(request)


class NotFoundMiddleware:
    """The view layer's answer to a selector's or service's NotFound: the 404 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            raise Http404(str(exception)) from exception
        return None
