"""Small pieces shared by the toolkit's views."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone

from toolkit.selectors.log import Cursor


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
