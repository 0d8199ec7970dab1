"""Request ids and structured logs: every log line names the request it came from.

`RequestIdMiddleware` gives each request an id: the incoming `X-Request-ID` header when it is a
sane token (a load balancer's or gunicorn front end's id, so one id follows the call through every
tier), otherwise a fresh uuid4 hex. The id is kept in a context variable until the response is
closed, returned in the `X-Request-ID` response header, and used to group the request's audit rows
(AuditEvent.request_id, a UUID: the id itself when it is one, else a UUID derived from it).
After the response the middleware writes one access line at INFO.

`RequestIdFilter` stamps `request_id` ("-" outside a request) on every record a handler sees;
`JsonFormatter` writes one JSON object per line (production); `ConsoleFormatter` a readable line
with the id (DEBUG). Only fixed fields are written: the message, and for the access line the
method, the path without its query string, the status, the duration and the user's id. Query
strings, form values, names, session keys and exception messages (a database error's DETAIL can
quote an incident reference) never reach the log; a traceback keeps its type and frames.

This module is loaded by LOGGING before the apps are ready, so it imports no models at import time.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

HEADER = "X-Request-ID"
NO_REQUEST = "-"
# Letters, digits and . _ : - only, 1 to 100 characters: a uuid, nginx's $request_id, a trace id.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
# Request ids that are not uuids still group their audit rows, under a uuid derived from the id.
AUDIT_NAMESPACE = uuid.UUID("5d1f8a52-6f0c-4c39-9c47-2f2b8f0e6a11")
MAX_PATH = 300

access_log = logging.getLogger("rcrp.access")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "rcrp_log_request_id", default=NO_REQUEST
)


def current_request_id() -> str:
    """The id of the request being served, or "-" outside a request."""
    return request_id_var.get()


def request_id_from_header(raw: str | None) -> str:
    """The incoming id when it is a sane token, else a new uuid4 hex."""
    if raw and SANE_REQUEST_ID.fullmatch(raw):
        return raw
    return uuid.uuid4().hex


def audit_uuid(request_id: str) -> uuid.UUID:
    """The UUID that groups this request's audit rows: the id itself when it is a UUID."""
    try:
        return uuid.UUID(request_id)
    except ValueError:
        return uuid.uuid5(AUDIT_NAMESPACE, request_id)


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, only when something in the request already loaded the user.

    Loading it here would cost a query after the response; IdleTimeoutMiddleware reads it on
    every request that reaches it, so in practice it is always there.
    """
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is empty:
        return None
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "pk", None)


def _request_finished(**_kwargs: Any) -> None:
    request_id_var.set(NO_REQUEST)


class RequestIdMiddleware:
    """Sets the request id for the request's log lines and audit rows; writes the access line.

    The log id stays set until the response is closed (Django's request_finished signal), not
    just until this middleware returns: Django logs a 4xx ("Not Found: /path") after the whole
    middleware chain has returned, and a streamed response's lines come later still.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from rcrp.accounts.audit import current_request_id as audit_request_id

        self.get_response = get_response
        self.audit_request_id = audit_request_id
        request_finished.connect(_request_finished, dispatch_uid="rcrp.logging.request_finished")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from_header(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        request_id_var.set(request_id)
        audit_token = self.audit_request_id.set(audit_uuid(request_id))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            access_log.info(
                "%s %s %s %.1fms",
                request.method,
                request.path[:MAX_PATH],
                response.status_code,
                duration_ms,
                extra={
                    "http": {
                        "method": request.method,
                        "path": request.path[:MAX_PATH],
                        "status": response.status_code,
                        "duration_ms": duration_ms,
                        "user_id": _user_id(request),
                    }
                },
            )
            return response
        finally:
            self.audit_request_id.reset(audit_token)


class RequestIdFilter(logging.Filter):
    """Stamps `request_id` on every record (attach it to the handler, so propagated records get it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def _exception_fields(record: logging.LogRecord) -> dict[str, Any]:
    if not record.exc_info or record.exc_info[0] is None:
        return {}
    exc_type, _exc, tb = record.exc_info
    frames = traceback.extract_tb(tb)
    return {
        "exc_type": f"{exc_type.__module__}.{exc_type.__qualname__}",
        "stack": [f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in frames],
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ http, exception)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            entry.update(http)
        entry.update(_exception_fields(record))
        # ensure_ascii keeps each entry on one line whatever the message holds.
        return json.dumps(entry, ensure_ascii=True, default=str)


class ConsoleFormatter(logging.Formatter):
    """The readable development format, with the request id."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return super().format(record)
