"""Idle-time session expiry, background polls that do not renew it, and the 404 for NotFound (the
request id is rcrp/logging.py's)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url

from rcrp.accounts.errors import NotFound

RENEW_AFTER_SECONDS = 60


def background_poll(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view as a background poll (htmx "every 5s"): it never keeps a session alive.

    The idle timeout counts what the user does, not what the page does by itself; a call page left
    open on an empty desk still signs out after SESSION_IDLE_MINUTES.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.background_poll = True  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapped


class IdleTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_MINUTES without a user action.

    Renewing the expiry on every request would write the session row every time; renewing it
    at most once a minute keeps the idle limit to within a minute at a fraction of the writes.
    Background polls (`background_poll`) never renew it. When a poll finds the session gone, htmx
    is told to take the whole page to the sign-in page (HX-Redirect) instead of swapping the
    sign-in form into a corner of the call page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            if not getattr(request, "background_poll", False):
                now = int(time.time())
                if now - request.session.get("seen", 0) > RENEW_AFTER_SECONDS:
                    # Marking the session modified saves it with a fresh expiry (SESSION_COOKIE_AGE).
                    request.session["seen"] = now
        elif request.headers.get("HX-Request") and response.status_code == 302:
            login = resolve_url(settings.LOGIN_URL)
            if response.get("Location", "").startswith(login):
                page = urlsplit(request.headers.get("HX-Current-URL", "")).path
                target = login + (f"?next={quote(page)}" if page else "")
                return HttpResponse(status=204, headers={"HX-Redirect": target})
        return response


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
