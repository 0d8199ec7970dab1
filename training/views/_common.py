"""Small helpers shared by the training views."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MANAGE_TRAINING = "accounts.manage_training"
MANAGE_SERVICE = "accounts.manage_service"
SUPPORT_FLOOR = "accounts.support_floor"
SUPERVISE_CALLS = "accounts.supervise_calls"


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> tuple[Page, str]:  # type: ignore[type-arg]
    """The requested page (out-of-range numbers give the last page) and the query string without `page`."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # a byte-order mark so spreadsheet programs read UTF-8 names correctly
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return response


def today_stamp() -> str:
    return f"{timezone.localdate():%Y-%m-%d}"


def post_data(request: HttpRequest, *, files: bool = False) -> tuple[Any, ...]:
    """A form's data arguments: POST (and FILES) on a POST, nothing on a GET. An empty POST still
    binds the form, so it shows "required" errors rather than a blank form."""
    if request.method != "POST":
        return ()
    return (request.POST, request.FILES) if files else (request.POST,)
