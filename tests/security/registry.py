"""The URL and form registry the hostile-input tests walk, and the hostile values they send.

Nothing here is a list of forms: every LADDER row (tests/test_url_permissions.py, which walks
django.urls.get_resolver()) is opened as the first role the ladder lets in, every <form> on the
page is read (its method, action and the names and kinds of its fields), and every query
parameter the apps read with request.GET.get(...) or that the page's own links carry is added.
A new form or a new query parameter is therefore covered without touching these tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from hypothesis import strategies as st

from tests.test_url_permissions import LADDER, ROLES, World, url_of

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("rcrp", "toolkit", "training", "policies")
COUNTED_APPS = {"accounts", "toolkit", "policies", "training"}
TOKEN_FIELDS = {"csrfmiddlewaretoken"}


# --- Which role opens each row ----------------------------------------------------------------------


def opener(key: str) -> str | None:
    """The first signed-in role the ladder lets through `key` (200 for a GET, a non-403/404 answer
    for a POST), or None when no signed-in role is let in."""
    row = LADDER[key]
    for role in ROLES:
        if role == "anonymous":
            continue
        status = row.expected[role]
        if (row.method == "GET" and status == 200) or (row.method == "POST" and status not in {403, 404}):
            return role
    return None


def row_url(world: World, key: str) -> str:
    row = LADDER[key]
    url = reverse(url_of(key), kwargs=world.kwargs(key, row))
    if row.query:
        url += "?" + urlencode({name: value.format(w=world) for name, value in row.query.items()})
    return url


# --- Reading the forms on a page --------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, hidden, date, number, file, password, ...
    value: str = ""  # what the page would send unchanged
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: dict[str, FormField] = field(default_factory=dict)

    def baseline(self) -> dict[str, str]:
        return {name: f.value for name, f in self.fields.items()}


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form":
            action = attrs.get("action") or self.page_url
            self._form = Form(
                method=(attrs.get("method") or "get").upper(),
                action=urljoin(self.page_url, action),
                multipart="multipart" in attrs.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or (not attrs.get("name") and tag != "option"):
            if tag == "option" and self._select is not None:
                self._option(attrs)
            return
        name = attrs.get("name", "")
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                if name and name not in form.fields:
                    form.fields[name] = FormField(name, "button", attrs.get("value", ""))
                return
            existing = form.fields.get(name)
            if kind in {"radio", "checkbox"}:
                target = existing or FormField(name, kind)
                target.options.append(attrs.get("value", "on"))
                if "checked" in attrs and not target.value:
                    target.value = attrs.get("value", "on")
                form.fields[name] = target
            elif existing is None:
                form.fields[name] = FormField(name, kind, attrs.get("value", ""))
        elif tag == "select":
            self._select = form.fields.setdefault(name, FormField(name, "select"))
        elif tag == "option" and self._select is not None:
            self._option(attrs)
        elif tag == "textarea":
            self._textarea = form.fields.setdefault(name, FormField(name, "textarea"))
        elif tag == "button" and name:
            form.fields.setdefault(name, FormField(name, "button", attrs.get("value", "")))

    def _option(self, attrs: dict[str, str]) -> None:
        assert self._select is not None
        value = attrs.get("value", "")
        self._select.options.append(value)
        if "selected" in attrs or not self._select.value:
            self._select.value = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None


def forms_on(html: str, page_url: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    forms = []
    for form in parser.forms:
        parts = urlsplit(form.action)
        if parts.netloc not in {"", "testserver"}:
            continue  # never send anything off the site
        forms.append(form)
    return forms


_HREF = re.compile(r'href="([^"#]*\?[^"#]*)"')


def link_parameters(html: str, page_url: str) -> set[str]:
    """Names of the query parameters that the page's own links to itself carry (pagination, sort)."""
    path = urlsplit(page_url).path
    names: set[str] = set()
    for href in _HREF.findall(html.replace("&amp;", "&")):
        parts = urlsplit(urljoin(page_url, href))
        if parts.path == path:
            names.update(name for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    return names


@cache
def read_query_parameters() -> frozenset[str]:
    """Every query parameter name the apps read: request.GET.get("x"), request.GET["x"], getlist."""
    pattern = re.compile(r"""\.GET(?:\.get|\.getlist|\.pop)?[\[(]\s*["'](\w+)["']""")
    names: set[str] = set()
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return frozenset(names)


# --- Sending exactly the bytes a browser would --------------------------------------------------------


def _pairs(values: dict[str, str | list[str]]) -> Iterable[tuple[str, str]]:
    for name, value in values.items():
        for one in value if isinstance(value, list) else [value]:
            yield name, one


def encode(values: dict[str, str | list[str]]) -> str:
    """application/x-www-form-urlencoded, UTF-8, lone surrogates sent as their (invalid) UTF-8 bytes
    the way a broken client would send them (the test client itself refuses to encode them)."""
    return "&".join(
        f"{quote(name, safe='')}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
        for name, value in _pairs(values)
    )


def send(
    client: Client, method: str, url: str, values: dict[str, str | list[str]], *, multipart: bool = False
) -> Any:
    if method == "GET":
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        merged: dict[str, str | list[str]] = {k: v for k, v in query if k not in values}
        merged.update(values)
        return client.get(f"{parts.path}?{encode(merged)}")
    if multipart:
        # Multipart bodies are encoded by the test client, which cannot carry a lone surrogate.
        safe = {
            k: ([_no_surrogates(v) for v in value] if isinstance(value, list) else _no_surrogates(value))
            for k, value in values.items()
        }
        return client.post(url, safe)
    return client.post(url, encode(values), content_type="application/x-www-form-urlencoded")


def _no_surrogates(value: str) -> str:
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


# --- Nothing stored -----------------------------------------------------------------------------------


@cache
def _count_sql() -> str:
    tables = sorted(
        {m._meta.db_table for m in apps.get_models() if m._meta.app_label in COUNTED_APPS and m._meta.managed}
    )
    quote_name = connection.ops.quote_name
    return "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote_name(t)})" for t in tables)  # noqa: S608


def row_counts() -> tuple[int, ...]:
    """The number of rows in every table of the project's apps (audit rows included), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_count_sql())
        return tuple(cursor.fetchone())


# --- The hostile values -------------------------------------------------------------------------------

SCRIPT = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
CONFUSABLES = [
    "\u13df\u13aa\u13a0 123/26NOV26",  # Cherokee letters that look like CAD
    "\uff23\uff21\uff24 \uff11\uff12\uff13/\uff12\uff16NOV26",  # fullwidth
    "CAD 123/26NOV26\u202e",  # right-to-left override
    "CAD\u200b123/26NOV26",  # zero-width space
    "ﬀ ß İ ǅ",  # letters whose upper or lower case changes length
    "e\u0301" * 50,  # combining accents
    "\u2028\u2029\ufeff",
    "١٢٣",  # Arabic-Indic digits: int() accepts them
]
WRONG_TYPES = [
    "",
    " ",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "inf",
    "0x10",
    "1_000",
    "3.5",
    "[]",
    "{}",
    "null",
    "true",
    "None",
    "../../etc/passwd",
    "%00",
    "2026-13-45",
    "AAAA",
    "Jmx0Oy0t",
]
REQUIRED_WRONG = ("-1", "1e309", "[]")  # sent to every field of every form, not only when drawn
REQUIRED_CONFUSABLE = (CONFUSABLES[1], CONFUSABLES[7])
OUT_OF_RANGE_DATES = [
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2147483648-01-01",
    "99999-01-01",
    "-1-01-01",
    "2026-02-30",
    "9999-W52",
    "2026-W99",
    "9999-12",
    "10000-01",
    "2026-00",
]
JSON_BOMBS = [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    "9" * 5_000,
    '{"element": ' + "1" * 10_000 + "}",
    '{"questions": [' + ",".join(["1e999"] * 10) + "]}",
    "\ufeff{}",
]


def _text() -> st.SearchStrategy[str]:
    alphabet = st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(["\x00", "\ud800", "\udfff", "<", ">", '"', "'", "&", "\\", "\u202e"]),
    )
    return st.text(alphabet, min_size=1, max_size=40)


def hostile_value(kind: str) -> st.SearchStrategy[str]:
    """A value for a field of `kind`: overlong, wrong-typed, confusable, NUL, lone surrogate, script,
    far-out dates and, in text areas, JSON bombs."""
    common = st.one_of(
        st.sampled_from([SCRIPT, "a\x00b", "\x00", "\ud800", "x\udfffy", *CONFUSABLES, *WRONG_TYPES]),
        st.integers(min_value=256, max_value=20_000).map(lambda n: "x" * n),  # overlong
        st.integers(min_value=20, max_value=5_000).map(lambda n: "9" * n),  # thousands of digits
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        _text(),
        _text().map(lambda s: s + "\x00"),
        _text().map(lambda s: SCRIPT + s),
    )
    dates = st.one_of(
        st.sampled_from(OUT_OF_RANGE_DATES),
        st.integers(min_value=10_000, max_value=2**63).map(lambda y: f"{y}-01-01"),
        st.integers(min_value=10_000, max_value=2**63).map(lambda y: f"{y}-W01"),
    )
    if kind in {"date", "week", "month"}:
        return st.one_of(dates, dates, common)
    if kind == "textarea":
        return st.one_of(st.sampled_from(JSON_BOMBS), common, dates)
    return st.one_of(common, dates)


def hostile_values(fields: dict[str, str], kinds: dict[str, str]) -> st.SearchStrategy[dict[str, str]]:
    """The form's own values with one or more fields replaced by hostile ones (the rest as rendered,
    so the hostile value reaches the code behind the first check)."""
    names = sorted(fields)
    if not names:
        return st.just({})

    @st.composite
    def build(draw: Any) -> dict[str, str]:
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=min(3, len(names)), unique=True))
        values = dict(fields)
        for name in chosen:
            values[name] = draw(hostile_value(kinds.get(name, "text")))
        return values

    return build()


def kind_of(name: str, kind: str) -> str:
    """A field's kind, also guessing dates and weeks from the name (query parameters have no type)."""
    lowered = name.lower()
    if kind in {"date", "week", "month", "textarea"}:
        return kind
    if any(
        part in lowered for part in ("date", "week", "month", "day", "from", "to", "when", "starts", "until")
    ):
        return "date"
    if any(part in lowered for part in ("document", "definition", "json")):
        return "textarea"
    return kind


def required_variants(
    fields: dict[str, str], kinds: dict[str, str], *, per_field: bool = True
) -> list[dict[str, str]]:
    """The values every form gets whatever hypothesis draws: in every field at once, a NUL byte, a
    lone surrogate, a script, overlong values, wrong-typed ones (a negative number, a float too big
    for a double, an empty JSON list) and confusable ones (fullwidth letters and digits, Arabic-Indic
    digits that int() accepts); in each date field alone (the rest as rendered,
    so the date reaches the code past the form), years past Python's range and the last day there
    is; in each GOV.UK date input (name_0, name_1, name_2 for day, month, year) the same as parts;
    in each text area alone, the JSON bombs."""
    every_field = (
        "a\x00b",
        "x\ud800y",
        SCRIPT,
        "x" * 5_000,
        "9" * 5_000,
        *REQUIRED_WRONG,
        *REQUIRED_CONFUSABLE,
    )
    variants = [dict.fromkeys(fields, value) for value in every_field]
    if not per_field:
        return variants
    for name, kind in sorted(kinds.items()):
        if name.endswith("_2") and {name[:-1] + "0", name[:-1] + "1"} <= set(fields):
            base = name[:-1]
            for day, month, year in (
                ("1", "1", "2147483648"),
                ("31", "12", "9999"),
                ("1", "1", "0"),
                ("99999999999", "1", "2026"),
                ("1", "1", "9" * 5_000),
            ):
                variants.append({**fields, base + "0": day, base + "1": month, base + "2": year})
        elif kind in {"date", "week", "month"}:
            variants += [{**fields, name: v} for v in ("2147483648-01-01", "9999-12-31", "9999-W52")]
        elif kind == "textarea":
            variants += [{**fields, name: v} for v in JSON_BOMBS]
    return variants
