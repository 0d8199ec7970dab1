"""Small pieces shared by the toolkit's views."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from toolkit.selectors.log import Cursor


def any_permission_required(
    *perms: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed in, and holding at least one of `perms` (403 otherwise)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(request.user.has_perm(p) for p in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def step_of(request: HttpRequest) -> int:
    """The step token a form carried (-1 when missing or garbled: treated as stale)."""
    try:
        return int(request.POST.get("step", "-1"))
    except ValueError:
        return -1


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(header: Iterable[Any], rows: Iterable[Iterable[Any]], name: str) -> StreamingHttpResponse:
    """A CSV download streamed row by row (constant memory)."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in itertools.chain([header], rows))
    response = StreamingHttpResponse(lines, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localtime():%Y%m%d-%H%M}.csv"'
    return response


def page_cursors(request: HttpRequest) -> dict[str, Any]:
    """The keyset cursors a list page was asked for, and its query without them (for the links)."""
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return {
        "after": Cursor.decode(request.GET.get("after", "")),
        "before": Cursor.decode(request.GET.get("before", "")),
        "query": query.urlencode(),
    }
