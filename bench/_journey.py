"""The call-handler journey of the load benchmark, in plain Python (no Django, no Locust).

A journey is one shipped scenario (policies/content/v<N>/scenarios/<element>.json) walked through
the real pages as a handler's browser would: GET the start page, POST the start form (its one-time
token and CSRF token included), then GET each question page and POST its form with the scenario's
answer, until the outcome page, whose completion form is POSTed. The pages decide which question
comes next; the scenario only supplies answers. `run_journey` drives any HTTP client through an
`Http` adaptor (Locust's in bench/_locustfile.py, Django's test Client in the tests and in
bench/load.py's query counts and profile).

The s136 clock: a scenario whose facts say how long since arrival at the place of safety has its
arrival time answered 10 or 75 minutes before now, so that the live clock agrees with the scenario.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from policies import content
from policies import flow as engine

LONDON = ZoneInfo("Europe/London")
NOTE = "Caller said so (load test)"
ANSWER_FORM_ID = "answer-form"
START_FORM_ID = "start-form"
MAX_STEPS = 60


class JourneyError(RuntimeError):
    """The pages did not go as a handler's walk through the scenario should."""


class StatusError(JourneyError):
    """A page answered with the wrong status (the HTTP client has counted that request as failed)."""


# --- Forms read from a page --------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    id: str
    inputs: list[dict[str, Any]] = field(default_factory=list)

    def names(self) -> set[str]:
        return {i["name"] for i in self.inputs if i.get("name")}

    def choices(self, name: str) -> list[str]:
        return [
            i["value"] for i in self.inputs if i.get("name") == name and i["type"] in ("radio", "checkbox")
        ]

    def value(self, name: str) -> str | None:
        return next((i["value"] for i in self.inputs if i.get("name") == name), None)

    def defaults(self, *, skip: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, str]]:
        """What the browser would send untouched: hidden and text fields, ticked boxes, selected
        options (never a button: only the one pressed is sent)."""
        sent = []
        for i in self.inputs:
            name, kind = i.get("name"), i["type"]
            if not name or name in skip or kind in ("submit", "button", "reset", "image"):
                continue
            if kind in ("radio", "checkbox") and not i.get("checked"):
                continue
            sent.append((name, i["value"]))
        return sent


class _FormParser:
    """Builds the forms from their tags, in page order (fed by `parse_forms`)."""

    def __init__(self) -> None:
        self.forms: list[Form] = []
        self._open: Form | None = None
        self._select: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None
        self._late: list[tuple[str, dict[str, Any]]] = []  # inputs outside their form (form="id")

    def _add(self, attrs: dict[str, Any], item: dict[str, Any]) -> None:
        owner = attrs.get("form")
        if owner:
            self._late.append((owner, item))
        elif self._open is not None:
            self._open.inputs.append(item)

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "form":
            self._open = Form(
                action=attrs.get("action", ""),
                method=attrs.get("method", "get").lower(),
                id=attrs.get("id", ""),
            )
            self.forms.append(self._open)
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            item = {
                "type": kind,
                "name": attrs.get("name", ""),
                "value": attrs.get("value", "on" if kind in ("radio", "checkbox") else ""),
                "checked": "checked" in attrs,
            }
            self._add(attrs, item)
        elif tag == "button":
            self._add(
                attrs, {"type": "submit", "name": attrs.get("name", ""), "value": attrs.get("value", "")}
            )
        elif tag == "select":
            self._select = {"type": "select", "name": attrs.get("name", ""), "value": None}
            self._add(attrs, self._select)
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select["value"] is None or "selected" in attrs:
                self._select["value"] = value
        elif tag == "textarea":
            self._textarea = {"type": "textarea", "name": attrs.get("name", ""), "value": ""}
            self._add(attrs, self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "select" and self._select is not None:
            self._select["value"] = self._select["value"] or ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def close(self) -> None:
        by_id = {f.id: f for f in self.forms if f.id}
        for owner, item in self._late:
            if owner in by_id:
                by_id[owner].inputs.append(item)


_TAG = re.compile(
    r"""<(/?)(form|input|button|select|option|textarea)\b((?:[^>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE
)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")


def _attributes(text: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for m in _ATTR.finditer(text):
        raw = next((v for v in (m[2], m[3], m[4]) if v is not None), None)
        found.append((m[1].lower(), None if raw is None else unescape(raw)))
    return found


@lru_cache(maxsize=8)
def parse_forms(html: str) -> list[Form]:
    """The page's forms, read as a browser would send them. Only the tags a form is made of are
    scanned (a regular expression over the page, not a full HTML parse): the load generator shares
    the machine with the server, so every millisecond it spends reading a page is one the server
    does not get. Cached for the last few pages (the page's kind and its answer read the same one)."""
    parser = _FormParser()
    text_from = -1
    for m in _TAG.finditer(html):
        closing, tag = m[1] == "/", m[2].lower()
        if text_from >= 0:  # inside a textarea: its text runs to its end tag
            if closing and tag == "textarea":
                parser.handle_data(unescape(html[text_from : m.start()]))
                parser.handle_endtag(tag)
                text_from = -1
            continue
        if closing:
            parser.handle_endtag(tag)
            continue
        parser.handle_starttag(tag, _attributes(m[3]))
        if tag == "textarea":
            text_from = m.end()
    parser.close()
    return parser.forms


def form_where(forms: list[Form], test: Callable[[Form], bool]) -> Form | None:
    return next((f for f in forms if test(f)), None)


# --- Scenarios and answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Journey:
    element: str
    name: str
    caller_type: str
    partner_kind: str
    answers: dict[str, Any]
    facts: dict[str, str]
    expected_outcome: str
    expected_category: str
    flow: engine.Flow = field(repr=False, compare=False)

    def answers_at(self, now: dt.datetime) -> dict[str, Any]:
        """The scenario's answers, the arrival time moved so that the s136 clock read at `now`
        agrees with the scenario's facts."""
        answers = dict(self.answers)
        elapsed = self.facts.get("arrival_elapsed")
        if elapsed:
            minutes = 75 if elapsed == engine.ELAPSED[1] else 10
            arrival = (now.astimezone(LONDON) - dt.timedelta(minutes=minutes)).strftime("%H:%M")
            for question in self.flow.questions.values():
                if engine.Tag.POS_ARRIVAL in question.tags and question.id in answers:
                    answers[question.id] = arrival
        return answers


def shipped_journeys(version: int = content.LATEST_VERSION) -> list[Journey]:
    """Every shipped scenario of a content version, as journeys (elements in name order)."""
    journeys = []
    for path in sorted((content.CONTENT_DIR / f"v{version}").glob("*.json")):
        element = path.stem
        flow = engine.parse(content.flow_document(element, version))
        for case in content.scenarios(element, version):
            kind, _, partner = (case.caller_type or "public").partition(":")
            journeys.append(
                Journey(
                    element=element,
                    name=case.name,
                    caller_type=kind,
                    partner_kind=partner,
                    answers=dict(case.answers),
                    facts=dict(case.facts),
                    expected_outcome=case.expected_outcome,
                    expected_category=case.expected_category,
                    flow=flow,
                )
            )
    return journeys


def answer_fields(question: engine.Question, value: Any, *, language: int) -> list[tuple[str, str]]:
    """The fields the question page's form sends for `value` (the scenario's answer), a note
    written where the answer needs one."""
    if question.kind is engine.Kind.CHECKLIST and isinstance(value, dict):
        fields = [(f"state_{item}", state) for item, state in value.items() if state]
        if any(item.required and value.get(item.value) != "done" for item in question.items):
            fields.append(("note", NOTE))
        return fields
    if question.kind in (engine.Kind.MULTI, engine.Kind.CHECKLIST):
        ticked = list(value) if isinstance(value, list | tuple) else [value]
        fields = [("answer", str(v)) for v in ticked]
        if any(a.needs_note for a in question.answers if a.value in ticked):
            fields.append(("note", NOTE))
        return fields
    fields = [("answer", str(value))]
    chosen = question.answer(str(value)) if question.kind.has_answers else None
    if chosen is not None and chosen.needs_note:
        fields.append((f"note_{value}", NOTE))
    return fields


def posted_answer(fields: list[tuple[str, str]], kind: str, language: str) -> tuple[object, str]:
    """What toolkit.views.calls reads from the answer form's fields (the same rules), for checking
    the fields against the flow engine without a server."""
    states = {k.removeprefix("state_"): v for k, v in fields if k.startswith("state_")}
    ticks = [v for k, v in fields if k == "answer"]
    raw: object
    if kind == engine.Kind.CHECKLIST and (states or language == "2"):
        raw = states
    elif kind in (engine.Kind.CHECKLIST, engine.Kind.MULTI):
        raw = ticks
    else:
        raw = ticks[-1] if ticks else ""
    chosen = raw if isinstance(raw, str) else ""
    notes = dict(fields)
    note = notes.get(f"note_{chosen}", "") if chosen else notes.get("note", "")
    return raw, note


def engine_walk(journey: Journey, now: dt.datetime) -> tuple[list[str], engine.Outcome]:
    """Walk the journey's answer fields through the flow engine as the server would (the start
    page's caller and the clock as facts): the question ids asked, and the outcome reached."""
    flow, answers = journey.flow, journey.answers_at(now)
    facts = {"caller": engine.caller_word(journey.caller_type, journey.partner_kind)}
    facts.update({k: v for k, v in journey.facts.items() if k == "arrival_elapsed"})
    pairs: list[tuple[str, engine.AnswerValue]] = []
    asked = []
    for _ in range(MAX_STEPS):
        node = engine.walk(flow, pairs, facts).node
        if not isinstance(node, engine.Question):
            return asked, node
        if node.id not in answers:
            raise JourneyError(f"{journey.name}: no answer to {node.id}")
        fields = answer_fields(node, answers[node.id], language=flow.language)
        raw, note = posted_answer(fields, str(node.kind), str(flow.language))
        value, _note = engine.clean_answer(node, raw, note, language=flow.language)
        pairs.append((node.id, value))
        asked.append(node.id)
    raise JourneyError(f"{journey.name}: no outcome after {MAX_STEPS} questions")


# --- Walking the pages ---------------------------------------------------------------------------------


@dataclass
class Page:
    status: int
    text: str = ""
    location: str = ""


class Http(Protocol):
    """A signed-in handler's browser. `name` labels the request in the statistics; a callable is
    given the page's text and returns the label."""

    def get(self, url: str, *, name: str | Callable[[str], str]) -> Page: ...

    def post(self, url: str, fields: list[tuple[str, str]], *, name: str) -> Page: ...


def page_kind(text: str) -> str:
    forms = parse_forms(text)
    if form_where(forms, lambda f: f.id == ANSWER_FORM_ID):
        return "question page"
    if form_where(forms, lambda f: f.action.endswith("/complete/")):
        return "outcome page"
    return "call page"


# Above the seeded decisions' numbers (1-9999) and different in each process, so that a bench call
# is a new incident, not a re-assessment of a seeded or earlier bench call on the same reference.
_refs = itertools.count(10_000 + secrets.randbelow(900_000))


def incident_ref(now: dt.datetime, number: int | None = None) -> str:
    """A valid command-and-control reference for today, like CAD 12345/02DEC26."""
    n = next(_refs) if number is None else number
    return f"CAD {n % 1_000_000}/{now.astimezone(LONDON):%d%b%y}".upper()


def _expect(page: Page, status: int, what: str) -> Page:
    if page.status != status:
        raise StatusError(f"{what}: status {page.status}, expected {status}: {page.text[-300:]!r}")
    return page


def run_journey(http: Http, journey: Journey, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """One call from the start page to completion; returns the questions answered and the URLs."""
    now = now or dt.datetime.now(tz=LONDON)
    answers = journey.answers_at(now)
    start = _expect(
        http.get(f"/toolkit/start/?element={journey.element}", name="start page"), 200, "start page"
    )
    form = form_where(parse_forms(start.text), lambda f: f.id == START_FORM_ID)
    if form is None:
        raise JourneyError("the start page has no start form")
    fields = form.defaults(skip={"caller_type", "partner_kind", "incident_ref"})
    if not any(name == "element" for name, _ in fields):
        raise JourneyError(f"the start page did not choose the element {journey.element}")
    fields += [("caller_type", journey.caller_type), ("incident_ref", incident_ref(now))]
    fields.append(("partner_kind", journey.partner_kind))
    call_url = _expect(http.post(form.action, fields, name="start call"), 302, "start call").location
    asked: list[str] = []
    for _ in range(MAX_STEPS):
        page = _expect(http.get(call_url, name=page_kind), 200, "call page")
        forms = parse_forms(page.text)
        question = form_where(forms, lambda f: f.id == ANSWER_FORM_ID)
        if question is not None:
            qid = question.value("question_id") or ""
            if qid not in journey.flow.questions or qid not in answers:
                raise JourneyError(
                    f"{journey.name}: the page asks {qid!r}, which the scenario does not answer"
                )
            node = journey.flow.questions[qid]
            sent = question.defaults(
                skip={"answer", "note"} | {n for n in question.names() if n.startswith(("state_", "note_"))}
            )
            sent += answer_fields(node, answers[qid], language=journey.flow.language)
            after = _expect(http.post(question.action, sent, name="answer"), 302, f"answer {qid}")
            call_url = after.location or call_url
            asked.append(qid)
            continue
        done = form_where(forms, lambda f: f.action.endswith("/complete/"))
        if done is None:
            raise JourneyError(f"{journey.name}: the call page has neither a question nor the outcome")
        sent = done.defaults(skip={"caller_told", "before_answer", "safeguarding_referral"})
        for box in ("caller_told", "before_answer"):
            if box in done.names():
                sent.append((box, "yes"))
        referral = done.choices("safeguarding_referral")
        if referral:
            sent.append(("safeguarding_referral", "made" if "made" in referral else referral[0]))
        closed = _expect(http.post(done.action, sent, name="complete"), 302, "complete")
        _expect(http.get(closed.location, name="after completing"), 200, "after completing")
        return {"asked": asked, "call": call_url, "closed": closed.location}
    raise JourneyError(f"{journey.name}: no outcome after {MAX_STEPS} pages")


def sign_in(http: Http, username: str, password: str) -> None:
    page = _expect(http.get("/accounts/login/", name="sign-in page"), 200, "sign-in page")
    form = form_where(parse_forms(page.text), lambda f: "username" in f.names())
    if form is None:
        raise JourneyError("the sign-in page has no form")
    fields = [*form.defaults(skip={"username", "password"}), ("username", username), ("password", password)]
    _expect(http.post(form.action or "/accounts/login/", fields, name="sign in"), 302, f"sign in {username}")


def cycle(journeys: list[Journey], offset: int = 0) -> Iterator[Journey]:
    """The journeys round-robin from `offset` (each simulated handler starts at a different one)."""
    n = len(journeys)
    for i in itertools.count(offset):
        yield journeys[i % n]
