"""One gate for input no form should ever see: NUL bytes, lone surrogates, bytes that are not UTF-8,
and query-string values far longer than any link of ours makes.

PostgreSQL refuses a NUL byte in text (the save would crash), a lone surrogate cannot be encoded
for the database or the page, and a query value of thousands of characters is never a real filter
(`int()` refuses strings of more than 4,300 digits with a ValueError views do not expect). Rather
than teach every view, field and selector, this middleware answers such a request with the GOV.UK
400 page before any view runs, so nothing is read or stored. Uploaded files are left to the code
that reads them (the roster import reports its own problems line by line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

MAX_QUERY_VALUE = 2_000  # characters in one query-string value; our links carry a few dozen
FORM_URLENCODED = "application/x-www-form-urlencoded"


def bad_text(value: str) -> str | None:
    """Why `value` cannot be accepted as text (None when it can)."""
    if "\x00" in value:
        return "contains a null character"
    if any("\ud800" <= char <= "\udfff" for char in value):
        return "contains characters that are not valid text"
    return None


def _undecodable(raw: bytes) -> bool:
    """Whether an urlencoded query string or body holds bytes that are not UTF-8 (a lone surrogate
    arrives as such bytes: the decoder would silently swap it for a replacement character)."""
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return True
    return False


def _texts(lists: Iterable[tuple[str, list[str]]]) -> Iterable[str]:
    """Every name and value of a QueryDict's lists()."""
    for name, values in lists:
        yield name
        yield from values


def problem(request: HttpRequest) -> str | None:
    """What is wrong with the request's query string or form fields, in words for the page."""
    if _undecodable(request.META.get("QUERY_STRING", "").encode("latin-1", "replace")):
        return "The web address contains characters that are not valid text."
    for value in _texts(request.GET.lists()):
        why = bad_text(value)
        if why:
            return f"The web address {why}."
        if len(value) > MAX_QUERY_VALUE:
            return f"The web address is too long: a value in it has more than {MAX_QUERY_VALUE:,} characters."
    if request.method != "POST":
        return None
    if request.content_type == FORM_URLENCODED and _undecodable(request.body):
        return "What you entered contains characters that are not valid text. Remove them and try again."
    for value in _texts(request.POST.lists()):
        why = bad_text(value)
        if why:
            return f"What you entered {why}. Remove it and try again."
    return None


class HostileInputMiddleware:
    """Answers 400, with the GOV.UK error page, for a query or form value that is not valid text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        why = problem(request)
        if why is not None:
            return render(
                request,
                "400.html",
                {
                    "title": "Sorry, there is a problem with what was sent",
                    "message": f"{why} Nothing was saved.",
                },
                status=400,
            )
        return self.get_response(request)


# The pages that show a decision (the call pages, the decision, its evidence and the lists and exports
# of decisions): never kept by a browser or a proxy, so the back button or a shared terminal's cache
# cannot show a caller's details to the next person at the desk.
NO_STORE_NAMESPACES = {"toolkit"}


class NoStoreMiddleware:
    """Cache-Control: no-store on every response of the toolkit's views (calls and decisions)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and NO_STORE_NAMESPACES & set(match.namespaces):
            response["Cache-Control"] = "no-store, max-age=0, private"
            response["Pragma"] = "no-cache"
        return response
