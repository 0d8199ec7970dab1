"""`manage.py seed_decisions --count N`: realistic fake closed decisions for demos and benchmarks.

Every element and site, a mix of outcomes per element (mostly signposting and refusals for
welfare, more deployments for s136), callers of every type with partner kinds, overrides,
re-assessments on the same incident, escalations (raised by +ESCALATE outcomes, partner disputes,
"unsure", s136 handovers past 60 minutes) with supervisors' answers, s136 handover records, review
items and reviews. Each decision has 3-8 answers and is pinned to its element's published version
when there is one (the content hash copied).

The answers are real walks of that version's flow (random answers, biased away from the threshold
answers, walked by the engine with the decision's caller as the start page gives it), so a seeded
decision replays to the outcome it records and its pages read as a real call's would; an abandoned
call stops one answer short of its outcome. Without a published version the answers are generic
and the decision carries no version.

PostgreSQL: the rows are generated in the database (INSERT ... SELECT from generate_series, with
setseed() and random()), a batch per transaction, so 2,000,000 decisions take minutes. Completed
decisions are only ever inserted, never updated, so the append-only triggers have nothing to
refuse. SQLite: the same choices in Python and bulk_create (slower; fine for a few thousand).
Then the dashboards' daily counts are rebuilt. No audit events are written: this is fake data,
refused when DEBUG is off unless --yes-production-database is given.
"""

# ruff: noqa: S608 - the SQL here is built from this module's constants and the models' own table and
# column names; every value that comes from the database or the command line is a parameter.

from __future__ import annotations

import datetime as dt
import json
import queue
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from policies import flow as engine
from policies.models import Element, PolicyVersion
from policies.selectors import flow_for_version
from rcrp.accounts.models import User
from rcrp.accounts.roles import CALL_HANDLER, SUPERVISOR
from toolkit.models import (
    Decision,
    DecisionAnswer,
    Escalation,
    HandoverRecord,
    Review,
    ReviewItem,
    ReviewStanding,
)
from toolkit.selectors import value_label
from toolkit.services.outcome import outcome_set
from toolkit.services.override import LAS_TICKED, OVERRIDE_SCRIPT, OVERRIDE_TITLE
from toolkit.services.reviews import review_standing_rebuild
from toolkit.services.rollup import rollup_rebuild
from training.models import Site, StaffMember

# --- The mix ---------------------------------------------------------------------------------------------
# Weights, not percentages: each list is normalised. Elements missing from the database are skipped.

ELEMENT_MIX = {"welfare": 50, "awol": 18, "s136": 12, "transport": 20}
CALLER_MIX = {
    "welfare": [("public", 50), ("partner", 30), ("self", 12), ("police", 8)],
    "awol": [("partner", 75), ("public", 10), ("police", 10), ("self", 5)],
    "s136": [("police", 85), ("partner", 15)],
    "transport": [("partner", 80), ("police", 15), ("public", 5)],
}
PARTNER_MIX = {
    "welfare": [
        ("nhs_trust", 20),
        ("ambulance", 20),
        ("social_care", 15),
        ("care_provider", 15),
        ("gp", 10),
        ("alarm_company", 10),
        ("housing", 5),
        ("other", 5),
    ],
    "awol": [("nhs_trust", 80), ("care_provider", 10), ("other", 10)],
    "s136": [("nhs_trust", 60), ("ambulance", 40)],
    "transport": [("nhs_trust", 55), ("ambulance", 35), ("other", 10)],
}
CATEGORY_MIX = {
    "welfare": [("SIGNPOST", 45), ("REFUSE_REDIRECT", 20), ("DEPLOY", 22), ("JOINT", 5), ("NOT_RCRP", 8)],
    "awol": [("DEPLOY", 40), ("REFUSE_REDIRECT", 30), ("SIGNPOST", 15), ("JOINT", 12), ("NOT_RCRP", 3)],
    "s136": [("DEPLOY", 35), ("JOINT", 25), ("REFUSE_REDIRECT", 25), ("SIGNPOST", 5), ("NOT_RCRP", 10)],
    "transport": [("REFUSE_REDIRECT", 40), ("JOINT", 25), ("SIGNPOST", 15), ("DEPLOY", 15), ("NOT_RCRP", 5)],
}
# New information on an incident more often ends in police going.
REASSESSMENT_MIX = [("DEPLOY", 45), ("JOINT", 15), ("SIGNPOST", 20), ("REFUSE_REDIRECT", 15), ("NOT_RCRP", 5)]
STATUS_MIX = [("completed", 95), ("unconfirmed", 3), ("abandoned", 2)]
ESCALATE_RATE = 0.05  # outcomes carrying +ESCALATE (where the flow has one for the call)
OVERRIDE_RATE = 0.015  # a handler overrides a no-police outcome to deploy
OVERRIDE_LAS_RATE = 0.35
REASSESSMENT_RATE = 0.03
PARTNER_DISPUTE_RATE = 0.15  # of partners' calls refused
UNSURE_RATE = 0.01
NO_INCIDENT_RATE = 0.01
SAMPLE_RATE = 0.05  # review items for decisions no other rule selects
REVIEWED_RATE = 0.6  # of review items older than two weeks
REFERRAL_MIX = [("made", 70), ("not_made", 20), ("not_known", 10)]
RESPONSE_MIX = [("uphold", 75), ("advise", 15), ("deploy", 10)]
LEVEL_MIX = [("supervisor", 85), ("inspector", 10), ("partner_oncall", 5)]
VERDICT_MIX = [("compliant", 80), ("minor", 12), ("major", 5), ("non_compliant", 3)]
# Time to outcome: 20 s to 10 minutes, most calls well under five (20 + 580 r², r uniform).
SECONDS_MIN, SECONDS_SPAN = 20.0, 580.0
CLOSE_AFTER = dt.timedelta(minutes=240)  # housekeeping closes untouched calls after this
WALKS_PER_CALLER = 60
MIN_ANSWERS, MAX_ANSWERS = 3, 8
CATEGORIES = [str(c) for c in engine.CATEGORIES]
NO_POLICE = [str(c) for c in engine.NO_POLICE]
OVERRIDE_REASONS = [
    "Caller says the person has a weapon",
    "Screaming heard on the line",
    "Caller says the person is on a bridge",
    "Immediate risk judged by the handler",
]
PARTNER_NOTES = [
    "The partner says police must attend: they cannot manage the risk.",
    "Ward staff insist on police: the patient may harm themselves.",
    "The partner disputes the refusal: no other agency can attend tonight.",
]
UNSURE_NOTE = "Not sure the threshold is met: the caller gave mixed information"
OUTCOME_NOTE = "The outcome needs a supervisor: "
OVERDUE_NOTE = "s136 handover not recorded within 60 minutes of arrival"
OVERDUE_RESPONSE = "Duty inspector: officers to stay until the handover; NHS manager called"
RESPONSE_NOTES = {
    "uphold": "The policy applies: the partner keeps the duty of care. Advice given to the caller.",
    "advise": "Advice: call back with any new information; the handler explained the route.",
    "deploy": "New risk identified on review: police to attend.",
}
NO_INCIDENT = "The caller rang off before a CAD was opened"
REASSESSMENT_NOTE = "New information from the caller"
DEVIATION_NOTE = "Seeded review: the answer did not match what the caller said"
FEEDBACK = {
    True: "Good call: the policy applied well.",
    False: "Check the answer against the caller's words.",
}
SAMPLE_WORDS = f"{int(SAMPLE_RATE * 100)}% random sample of the rest (seeded)"
NOTE = "Seeded call: as the caller said"
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
INCIDENT_MARK = "@@INCIDENT@@"  # in a template's texts: replaced by each decision's incident reference
OUTCOME_KEYS = (
    "outcome_id",
    "outcome_modifiers",
    "outcome_reasons",
    "not_known",
    "outcome_title",
    "outcome_rationale",
    "agency_key",
    "agency_name",
    "agency_contact",
    "script_shown",
    "record_text",
    "call_back_if",
)
JSON_KEYS = {"outcome_modifiers", "outcome_reasons", "not_known"}

Bands = list[tuple[str, float, float]]


def _cumulative(mix: Sequence[tuple[str, float]]) -> Bands:
    """(value, lo, hi) bands of [0, 1) for a weighted mix; the last band ends above 1 for safety."""
    total = float(sum(w for _, w in mix))
    bands, lo = [], 0.0
    for index, (value, weight) in enumerate(mix):
        hi = 2.0 if index == len(mix) - 1 else lo + weight / total
        bands.append((value, lo, hi))
        lo = hi
    return bands


def _pick(bands: Bands, r: float) -> str:
    for value, lo, hi in bands:
        if lo <= r < hi:
            return value
    return bands[-1][0]


STATUS_BANDS = _cumulative(STATUS_MIX)
REFERRAL_BANDS = _cumulative(REFERRAL_MIX)
RESPONSE_BANDS = _cumulative(RESPONSE_MIX)
LEVEL_BANDS = _cumulative(LEVEL_MIX)
VERDICT_BANDS = _cumulative(VERDICT_MIX)


# --- Templates: real walks of each element's published flow ----------------------------------------------


@dataclass(frozen=True)
class TemplateAnswer:
    position: int
    question_id: str
    question_text: str
    value: Any
    value_label: str
    note: str = ""
    time: str = ""  # "arrival" or "other": a time the decision fills in (HH:MM)

    @property
    def labels(self) -> tuple[str, str, str]:
        return self.value_label, self.note, self.time


@dataclass
class Template:
    """One call's answers and the outcome they reach, for one element and caller."""

    element_id: int
    caller_type: str
    partner_kind: str
    answers: list[TemplateAnswer]
    outcome: dict[str, Any]  # what outcome_set wrote; empty: no outcome (an abandoned call)
    arrival_elapsed: str = ""
    prefix: bool = False
    tid: int = 0

    @property
    def category(self) -> str:
        return str(self.outcome.get("outcome_category", ""))

    @property
    def escalate(self) -> bool:
        return str(engine.Modifier.ESCALATE) in self.outcome.get("outcome_modifiers", [])

    @property
    def has_arrival(self) -> bool:
        return any(a.time == "arrival" for a in self.answers)


PickKey = tuple[int, str, str, str, bool]  # element, caller type, partner kind, category, +ESCALATE


@dataclass
class Plan:
    """Everything both generators choose from: elements, callers, templates, people."""

    element_bands: Bands  # by element pk (as text)
    versions: dict[int, PolicyVersion]
    caller_bands: dict[int, Bands]  # "public", "partner:gp"...
    category_bands: dict[tuple[int, str, bool], Bands]  # (element, caller, is a re-assessment)
    templates: list[Template]
    picks: dict[PickKey, tuple[int, int]]  # -> (first tid, how many)
    handlers: list[tuple[int, int]]  # (user pk, site pk or 0)
    supervisors: list[int]
    titles: dict[int, str] = field(default_factory=dict)


def _weight(answer: engine.Answer) -> float:
    """Handlers mostly rule the threshold out and mostly know the facts (uniformly random answers
    deploy almost every time)."""
    if answer.tags & engine.THRESHOLD_TAGS:
        return 0.06
    if answer.not_known:
        return 0.05
    if answer.modifiers:
        return 0.12
    return 1.0


def _random_value(question: engine.Question, rng: random.Random, language: int) -> tuple[Any, str]:
    """A value the question accepts (cleaned as the answer page cleans it), and a note if it needs one."""
    kind = question.kind
    raw: Any
    if kind.has_answers:
        answers = list(question.answers)
        chosen = rng.choices(answers, weights=[_weight(a) for a in answers])[0]
        raw = chosen.value
        if kind is engine.Kind.MULTI:
            raw = [chosen.value]
            if not chosen.exclusive:
                raw += [
                    a.value for a in answers if a is not chosen and not a.exclusive and rng.random() < 0.05
                ]
    elif kind is engine.Kind.CHECKLIST and language >= 2:
        raw = {item.value: ("done" if rng.random() < 0.95 else "not_applicable") for item in question.items}
    elif kind is engine.Kind.CHECKLIST:
        raw = [item.value for item in question.items]
    elif kind is engine.Kind.TEXT:
        raw = "As the caller described it"
    else:
        raw = "09:05"  # a time: each decision stores its own (see TemplateAnswer.time)
    try:
        return engine.clean_answer(question, raw, "", language=language)[0], ""
    except engine.InvalidAnswer:
        return engine.clean_answer(question, raw, NOTE, language=language)[0], NOTE


Given = list[tuple[engine.Question, Any, str]]


def _walk(flow: engine.Flow, caller: str, rng: random.Random) -> tuple[Given, engine.Walk, str] | None:
    """A random walk to an outcome: [(question, value, note)], the walk, and the s136 clock's
    answer when the walk needed it (None when the walk cannot be a real call's)."""
    facts = {"caller": caller}
    given: Given = []
    for _ in range(40):
        walked = engine.walk(flow, [(q.id, v) for q, v, _ in given], facts)
        node = walked.node
        if isinstance(node, engine.Outcome):
            return given, walked, facts.get("arrival_elapsed", "")
        if node.bound_to == "arrival_elapsed":
            if "arrival_elapsed" in facts or not any(engine.Tag.POS_ARRIVAL in q.tags for q, _, _ in given):
                return None  # the clock answers only after an arrival time
            facts["arrival_elapsed"] = rng.choice(engine.ELAPSED)
            continue
        value, note = _random_value(node, rng, flow.language)
        given.append((node, value, note))
    return None


def _answers(given: Given, rng: random.Random) -> list[TemplateAnswer]:
    """The answers as stored, padded to MIN_ANSWERS with changed first answers (another answer
    given first, then changed: the current path replays the same)."""
    out = []
    for position, (question, value, note) in enumerate(given):
        when = ""
        if question.kind is engine.Kind.TIME:
            when = "arrival" if engine.Tag.POS_ARRIVAL in question.tags else "other"
        stored = list(value) if isinstance(value, tuple) else value
        out.append(
            TemplateAnswer(
                position, question.id, question.text, stored, value_label(question, value), note, when
            )
        )
    if out:
        first, question = out[0], given[0][0]
        others = [a for a in question.answers if a.value != first.value] if question.kind.has_answers else []
        while len(out) < MIN_ANSWERS:
            changed = first
            if others and not first.time:
                other = rng.choice(others)
                value: Any = [other.value] if question.kind is engine.Kind.MULTI else other.value
                changed = TemplateAnswer(0, first.question_id, first.question_text, value, other.label)
            out.insert(0, changed)
    return out


def _reached_clock(walked: engine.Walk) -> bool:
    return any(step.bound and step.question.bound_to == "arrival_elapsed" for step in walked.steps)


def _caller_words(slug: str) -> list[tuple[str, float]]:
    words: list[tuple[str, float]] = []
    for caller_type, weight in CALLER_MIX[slug]:
        if caller_type == "partner":
            total = sum(w for _, w in PARTNER_MIX[slug])
            words += [(f"partner:{kind}", weight * w / total) for kind, w in PARTNER_MIX[slug]]
        else:
            words.append((caller_type, weight))
    return words


def _flow_templates(
    element: Element, version: PolicyVersion, caller: str, rng: random.Random
) -> list[Template]:
    flow = flow_for_version(version)
    caller_type, _, partner_kind = caller.partition(":")
    stand_in = Decision(
        element=element,
        policy_version=version,
        caller_type=caller_type,
        partner_kind=partner_kind,
        incident_ref=INCIDENT_MARK,
    )
    found: dict[tuple[Any, ...], Template] = {}
    for _ in range(WALKS_PER_CALLER):
        result = _walk(flow, caller, rng)
        if result is None or len(result[0]) > MAX_ANSWERS:
            continue
        given, walked, elapsed = result
        key = (tuple((q.id, repr(v)) for q, v, _ in given), elapsed)
        if key in found:
            continue
        outcome_set(stand_in, walked, timezone.now())
        outcome = {name: getattr(stand_in, name) for name in (*OUTCOME_KEYS, "outcome_category")}
        answers = _answers(given, rng)
        found[key] = Template(
            element.pk, caller_type, partner_kind, answers, outcome, arrival_elapsed=elapsed
        )
        if len(given) >= 2:  # the same call abandoned one answer short of its outcome
            short = given[:-1]
            facts = {"caller": caller, **({"arrival_elapsed": elapsed} if elapsed else {})}
            replay = engine.walk(flow, [(q.id, v) for q, v, _ in short], facts)
            if isinstance(replay.node, engine.Question):
                reached = elapsed if _reached_clock(replay) else ""
                found[(*key, "short")] = Template(
                    element.pk, caller_type, partner_kind, _answers(short, rng), {}, reached, prefix=True
                )
    return list(found.values())


def _generic_templates(element: Element, caller: str) -> list[Template]:
    """No published version: generic answers and an outcome of each category."""
    caller_type, _, partner_kind = caller.partition(":")
    answers = [
        TemplateAnswer(i, f"q_{i + 1}", f"Generic question {i + 1}?", "no", "No") for i in range(MAX_ANSWERS)
    ]
    templates = []
    for index, category in enumerate(CATEGORIES):
        label = engine.CATEGORY_LABELS[engine.Category(category)]
        outcome = dict.fromkeys(OUTCOME_KEYS, "") | {name: [] for name in JSON_KEYS}
        outcome |= {
            "outcome_id": f"o_{category.lower()}",
            "outcome_category": category,
            "outcome_title": label,
            "script_shown": label,
            "record_text": f"RCRP {element.title}: {category}. Incident {INCIDENT_MARK}.",
        }
        count = MIN_ANSWERS + index % (MAX_ANSWERS - MIN_ANSWERS + 1)
        templates.append(Template(element.pk, caller_type, partner_kind, answers[:count], outcome))
    templates.append(Template(element.pk, caller_type, partner_kind, answers[:MIN_ANSWERS], {}, prefix=True))
    return templates


def _people(stdout: Any, sites: list[Site]) -> tuple[list[tuple[int, int]], list[int]]:
    """Handlers: active users who take calls, at their staff record's site (spread over the sites
    when they have none); seed handlers on the roster of any site that has no handler. Supervisors
    likewise (seed supervisors when there are none)."""

    def with_perm(codename: str) -> models.QuerySet[User]:
        return (
            User.objects.filter(
                is_active=True,
                groups__permissions__codename=codename,
                groups__permissions__content_type__app_label="accounts",
            )
            .distinct()
            .order_by("pk")
        )

    def handlers() -> list[tuple[int, int]]:
        pairs = []
        for index, user in enumerate(with_perm("take_calls").select_related("staff_record")):
            record = getattr(user, "staff_record", None)
            site = record.site_id if record is not None else (sites[index % len(sites)].pk if sites else 0)
            pairs.append((user.pk, site))
        return pairs

    pairs = handlers()
    missing = [site for site in sites if site.pk not in {s for _, s in pairs}]
    if missing or not pairs:
        group = Group.objects.get(name=CALL_HANDLER)
        for site in missing or sites:
            for n in range(1, 13):
                number = f"seed-{site.slug}-{n:02d}"[:20]
                user, _ = User.objects.get_or_create(
                    staff_number=number, defaults={"display_name": f"Seed Handler {site.name} {n:02d}"}
                )
                user.groups.add(group)
                StaffMember.objects.get_or_create(
                    staff_number=number,
                    defaults={
                        "full_name": user.display_name,
                        "site": site,
                        "role": CALL_HANDLER,
                        "user": user,
                    },
                )
        names = ", ".join(site.name for site in missing or sites)
        stdout.write(f"Created 12 seed call handlers (no password) on the roster of: {names}")
        pairs = handlers()
    if not with_perm("supervise_calls").exists():
        group = Group.objects.get(name=SUPERVISOR)
        for n in range(1, 7):
            user, _ = User.objects.get_or_create(
                staff_number=f"seed-sup-{n:02d}", defaults={"display_name": f"Seed Supervisor {n:02d}"}
            )
            user.groups.add(group)
        stdout.write("Created 6 seed supervisors (no password)")
    return pairs, list(with_perm("supervise_calls").values_list("pk", flat=True))


def build_plan(rng: random.Random, stdout: Any) -> Plan:
    elements = [e for e in Element.objects.all() if e.slug in ELEMENT_MIX]
    if not elements:
        raise CommandError("There are no RCRP elements: run migrate first.")
    versions = {v.element_id: v for v in PolicyVersion.objects.published().filter(element__in=elements)}
    handlers, supervisors = _people(stdout, list(Site.objects.order_by("pk")))
    templates: list[Template] = []
    caller_bands: dict[int, Bands] = {}
    category_bands: dict[tuple[int, str, bool], Bands] = {}
    for element in elements:
        words = _caller_words(element.slug)
        caller_bands[element.pk] = _cumulative(words)
        version = versions.get(element.pk)
        for caller, _ in words:
            found = _flow_templates(element, version, caller, rng) if version else []
            templates += found or _generic_templates(element, caller)
    # Sorted so that each (element, caller, category, +ESCALATE) is a contiguous range of tids, and
    # so is each (element, caller): a pick is a range, and random() chooses within it.
    templates.sort(key=lambda t: (t.element_id, t.caller_type, t.partner_kind, t.category, t.escalate))
    groups: dict[PickKey, list[int]] = defaultdict(list)
    for tid, template in enumerate(templates, start=1):
        template.tid = tid
        key = (template.element_id, template.caller_type, template.partner_kind)
        groups[(*key, template.category, template.escalate)].append(tid)
    picks: dict[PickKey, tuple[int, int]] = {}
    for element in elements:
        for caller, _ in _caller_words(element.slug):
            caller_type, _, partner_kind = caller.partition(":")
            mine = {k: v for k, v in groups.items() if k[:3] == (element.pk, caller_type, partner_kind)}
            reached = [tid for key, tids in mine.items() if key[3] for tid in tids]
            every = [tid for tids in mine.values() for tid in tids]
            # The mix of the categories this flow can reach for this caller (it may not signpost
            # police officers, say): the others' share goes to them.
            reachable = {key[3] for key in mine if key[3]}
            for re, mix in ((False, CATEGORY_MIX[element.slug]), (True, REASSESSMENT_MIX)):
                kept = [(c, w) for c, w in mix if c in reachable] or mix
                category_bands[element.pk, caller, re] = _cumulative(kept)
            for category in ["", *CATEGORIES]:
                for escalate in (False, True):
                    key = (element.pk, caller_type, partner_kind, category, escalate)
                    # This flow may not reach the category for this caller: the flow decides.
                    tids = (
                        groups.get(key)
                        or groups.get((*key[:4], not escalate))
                        or (reached if category else every)
                    )
                    picks[key] = (min(tids or every), len(range(min(tids or every), max(tids or every) + 1)))
    return Plan(
        element_bands=_cumulative([(str(e.pk), ELEMENT_MIX[e.slug]) for e in elements]),
        versions=versions,
        caller_bands=caller_bands,
        category_bands=category_bands,
        templates=templates,
        picks=picks,
        handlers=handlers,
        supervisors=supervisors,
        titles={e.pk: e.title for e in elements},
    )


# --- The command ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    step: float  # seconds between one decision's start and the next (on average)


class Command(BaseCommand):
    help = (
        "Seed N realistic closed decisions with their answers, escalations and reviews (fake data: "
        "DEBUG only, unless --yes-production-database), then rebuild the dashboards' daily counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="How many decisions")
        parser.add_argument("--days", type=int, default=730, help="Spread over the last D days (730)")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable data")
        parser.add_argument("--batch", type=int, default=100_000, help="Decisions per transaction")
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="PostgreSQL: batches written at once, each in its own connection (1; the same data)",
        )
        parser.add_argument(
            "--yes-production-database",
            action="store_true",
            help="Run although DEBUG is off: writes fake decisions into this database",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["yes_production_database"]:
            raise CommandError(
                "seed_decisions writes fake decisions: it runs only with DEBUG=1, or with "
                "--yes-production-database on a database meant for it."
            )
        count, days, batch = options["count"], options["days"], options["batch"]
        if count < 1 or days < 1 or batch < 1:
            raise CommandError("--count, --days and --batch must be 1 or more.")
        seed = options["seed"]
        if seed is None:
            seed = random.SystemRandom().randrange(2**31)
        started = time.perf_counter()
        rng = random.Random(seed)  # noqa: S311 - fake data, repeatable on purpose
        plan = build_plan(rng, self.stdout)
        self.stdout.write(
            f"Seeding {count:,} decisions over {days} days (seed {seed}; {len(plan.templates):,} call "
            f"templates from {len(plan.versions)} published versions; {len(plan.handlers)} handlers) "
            f"on {connection.vendor}"
        )
        end = timezone.now() - dt.timedelta(hours=3)
        window = Window(start=end - dt.timedelta(days=days), step=days * 86400 / count)
        if connection.vendor == "postgresql":
            SqlSeeder(plan, window, seed, self.stdout).run(count, batch, jobs=options["jobs"])
        else:
            PythonSeeder(plan, window, rng, self.stdout).run(count, min(batch, 2000))
        seeded = time.perf_counter()
        self.stdout.write(f"Decisions written in {seeded - started:.1f} s; rebuilding the daily counts")
        counted = rollup_rebuild()
        review_standing_rebuild()
        rebuilt = time.perf_counter()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (
                    Decision,
                    DecisionAnswer,
                    Escalation,
                    HandoverRecord,
                    ReviewItem,
                    Review,
                    ReviewStanding,
                ):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(
            f"Done: {count:,} decisions seeded and {counted:,} closed decisions counted in "
            f"{time.perf_counter() - started:.1f} s (daily counts {rebuilt - seeded:.1f} s)"
        )


# --- PostgreSQL: generated in the database -----------------------------------------------------------------


def _columns_sql(model: type[models.Model], exprs: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    """The column and SELECT lists for every concrete column of `model` (but an id not given):
    `exprs` by column, else the field's default as a parameter, else NULL. A column with none of
    these fails loudly, so a field added later is never silently left out."""
    columns, selects, params = [], [], {}
    for f in model._meta.concrete_fields:
        if f.column not in exprs and f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.column in exprs:
            selects.append(exprs[f.column])
        elif f.has_default():
            selects.append(f"%(default_{f.column})s")
            params[f"default_{f.column}"] = f.get_db_prep_save(f.get_default(), connection)
        elif f.null:
            selects.append("NULL")
        elif f.blank and isinstance(f, models.CharField | models.TextField):
            selects.append("''")
        else:
            raise CommandError(f"seed_decisions does not know how to fill {model.__name__}.{f.name}")
    return ", ".join(columns), ", ".join(selects), params


def _lit(text: str) -> str:
    """A constant of this module as an SQL literal in a statement with named parameters."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _case(expr: str, bands: Bands, cast: str = "text") -> str:
    """A CASE choosing a value by the band `expr` (a random number in [0, 1)) falls in."""
    whens = " ".join(f"WHEN {expr} < {hi!r} THEN {_lit(value)}::{cast}" for value, _lo, hi in bands[:-1])
    return f"(CASE {whens} ELSE {_lit(bands[-1][0])}::{cast} END)"


def _texts(texts: Sequence[str], r: str) -> str:
    """One of `texts`, chosen by the random number `r`."""
    return f"(ARRAY[{', '.join(_lit(t) for t in texts)}])[1 + floor({r} * {len(texts)})::int]"


class SqlSeeder:
    """INSERT ... SELECT from generate_series: each batch of decisions, with their rows, in one
    transaction. Every random number a decision needs is drawn once, in step 1, from a stream
    seeded per batch (setseed), so the same --seed gives the same data."""

    def __init__(self, plan: Plan, window: Window, seed: int, stdout: Any) -> None:
        self.plan, self.window, self.seed, self.stdout = plan, window, seed, stdout
        self.tz = settings.TIME_ZONE
        self.local = threading.local()
        self.lock = threading.Lock()
        self.errors: list[BaseException] = []
        self.done = 0

    def run(self, count: int, batch: int, jobs: int = 1) -> None:
        """All the batches, in `jobs` connections at once (each batch is the same whichever runs it)."""
        sequence = "pg_get_serial_sequence('toolkit_decision', 'id')"
        with connection.cursor() as cursor:
            # Reserve the ids: decision i gets first_id + i, so a batch knows its ids in advance.
            cursor.execute(f"SELECT setval({sequence}, nextval({sequence}) + %s - 1)", [count])
            self.first_id = int(cursor.fetchone()[0]) - count + 1
        todo: queue.Queue[tuple[int, int, int]] = queue.Queue()
        for number, first in enumerate(range(0, count, batch)):
            todo.put((number, first, min(first + batch, count) - 1))
        self.count, self.started = count, time.perf_counter()
        if jobs <= 1:
            self._work(todo)
        else:
            threads = [threading.Thread(target=self._thread, args=(todo,)) for _ in range(jobs)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if self.errors:
            raise self.errors[0]

    def _thread(self, todo: queue.Queue[tuple[int, int, int]]) -> None:
        try:
            self._work(todo)
        except BaseException as error:  # reported by run(), which re-raises the first
            self.errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    def _work(self, todo: queue.Queue[tuple[int, int, int]]) -> None:
        with connection.cursor() as cursor:
            self.local.cursor = cursor
            self._templates()
            while not self.errors:
                try:
                    number, first, last = todo.get_nowait()
                except queue.Empty:
                    break
                with transaction.atomic():
                    self._batch(number, first, last)
                with self.lock:
                    self.done += last - first + 1
                    elapsed = time.perf_counter() - self.started
                    self.stdout.write(
                        f"  {self.done:>11,} / {self.count:,} decisions "
                        f"({elapsed:6.1f} s, {self.done / elapsed:,.0f}/s)"
                    )
            cursor.execute("DROP TABLE IF EXISTS seed_tpl, seed_tpl_answer, seed_pick, seed_band")

    @property
    def cursor(self) -> Any:
        return self.local.cursor

    def _execute(self, sql: str, params: Any = None) -> None:
        self.cursor.execute(sql, params)

    def _references(self) -> bool:
        """Lock every row the batch refers to outside itself (FOR KEY SHARE, as a foreign-key check
        would), checking they all exist; then, when this database user may, skip the per-row
        foreign-key triggers for the batch (session_replication_role = replica): every other key
        the batch writes is an id of a row the batch itself inserts. Returns whether it skipped
        them. There is no other trigger on INSERT to skip (checked: the append-only triggers fire
        on UPDATE and DELETE only); unique and check constraints are enforced either way."""
        plan = self.plan
        wanted = {
            User: sorted({h for h, _ in plan.handlers} | set(plan.supervisors)),
            Element: sorted(plan.titles),
            Site: sorted({s for _, s in plan.handlers if s}),
            PolicyVersion: sorted(v.pk for v in plan.versions.values()),
        }
        for model, pks in wanted.items():
            table = connection.ops.quote_name(model._meta.db_table)
            self.cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%s) FOR KEY SHARE) AS found",
                [pks],
            )
            if self.cursor.fetchone()[0] != len(pks):
                raise CommandError(
                    f"Some {model._meta.verbose_name_plural} went while seeding: run it again."
                )
        tables = [
            m._meta.db_table
            for m in (Decision, DecisionAnswer, Escalation, HandoverRecord, ReviewItem, Review)
        ]
        self.cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgtype & 4 <> 0 "  # 4: on INSERT
            "AND tgrelid = ANY(SELECT oid FROM pg_class WHERE relname = ANY(%s))",
            [tables],
        )
        if self.cursor.fetchone()[0]:
            return False
        try:
            with transaction.atomic():
                self.cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return False  # not a superuser: the foreign-key triggers check each row (slower)
        return True

    def _templates(self) -> None:
        """The templates, their answers, the picks and the mixes, as temporary tables."""
        plan = self.plan
        self._execute("DROP TABLE IF EXISTS seed_tpl, seed_tpl_answer, seed_pick, seed_band")
        self._execute(
            """CREATE TEMP TABLE seed_tpl (
                tid int PRIMARY KEY, prefix bool, n int, arrival_elapsed text, has_arrival bool,
                category text, escalate bool, outcome_id text, outcome_modifiers jsonb,
                outcome_reasons jsonb, not_known jsonb, outcome_title text, outcome_rationale text,
                agency_key text, agency_name text, agency_contact text, script_shown text,
                record_text text, call_back_if text, first_qid text, first_qtext text)"""
        )
        self._execute(
            """CREATE TEMP TABLE seed_tpl_answer (
                tid int, seq int, position int, question_id text, question_text text, value jsonb,
                value_label text, note text, time_kind text, PRIMARY KEY (tid, seq))"""
        )
        self._execute(
            """CREATE TEMP TABLE seed_pick (
                element_id int, caller_type text, partner_kind text, category text, escalate bool,
                lo int, n int, PRIMARY KEY (element_id, caller_type, partner_kind, category, escalate))"""
        )
        self._execute(
            "CREATE TEMP TABLE seed_band (kind text, element_id int, caller text, value text, "
            "lo float8, hi float8)"
        )
        tpl_rows, answer_rows = [], []
        for t in plan.templates:
            o = t.outcome
            first = t.answers[0] if t.answers else TemplateAnswer(0, "", "", "", "")
            outcome = [json.dumps(o.get(k, [])) if k in JSON_KEYS else o.get(k, "") for k in OUTCOME_KEYS]
            tpl_rows.append(
                (
                    *(t.tid, t.prefix, len(t.answers), t.arrival_elapsed, t.has_arrival, t.category),
                    *(t.escalate, *outcome, first.question_id, first.question_text),
                )
            )
            answer_rows += [
                (t.tid, seq, a.position, a.question_id, a.question_text, json.dumps(a.value), *a.labels)
                for seq, a in enumerate(t.answers)
            ]
        marks = ", ".join(["%s"] * len(tpl_rows[0]))
        self.cursor.executemany(f"INSERT INTO seed_tpl VALUES ({marks})", tpl_rows)
        self.cursor.executemany(
            "INSERT INTO seed_tpl_answer VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", answer_rows
        )
        self.cursor.executemany(
            "INSERT INTO seed_pick VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(*key, lo, n) for key, (lo, n) in plan.picks.items()],
        )
        bands = []
        for element_id, callers in plan.caller_bands.items():
            bands += [("caller", element_id, "", value, lo, hi) for value, lo, hi in callers]
        for (element_id, caller, re), categories in plan.category_bands.items():
            kind = "re" if re else "category"
            bands += [(kind, element_id, caller, value, lo, hi) for value, lo, hi in categories]
        self.cursor.executemany("INSERT INTO seed_band VALUES (%s, %s, %s, %s, %s, %s)", bands)
        for table in ("seed_tpl", "seed_tpl_answer", "seed_pick", "seed_band"):
            self._execute(f"ANALYZE {table}")

    def _batch(self, number: int, first: int, last: int) -> None:
        plan = self.plan
        # setseed takes a number in [-1, 1]: one repeatable stream per batch.
        stream = random.Random(f"{self.seed}:{number}").uniform(-1, 1)  # noqa: S311 - fake data
        self._execute("SELECT setseed(%s)", [stream])
        self._execute("SET LOCAL work_mem = '256MB'")
        skipped = self._references()
        step = self.window.step
        # 1. One row per decision: its id (reserved), its start, and every random number it needs.
        self._execute(
            """CREATE TEMP TABLE seed_a ON COMMIT DROP AS
            SELECT g.i, %(first_id)s::bigint + g.i AS id,
                   %(start)s::timestamptz + make_interval(secs => (g.i + random()) * %(step)s) AS started_at,
                   random() AS r_el, random() AS r_h, random() AS r_caller, random() AS r_cat,
                   random() AS r_esc, random() AS r_tpl, random() AS r_status, random() AS r_secs,
                   random() AS r_done, random() AS r_over, random() AS r_re, random() AS r_gap,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                   random() AS r6, random() AS r7, random() AS r8, random() AS r9, random() AS r10,
                   random() AS r11, random() AS r12, random() AS r13
            FROM generate_series(%(first)s::int, %(last)s::int) AS g(i)""",
            {
                "start": self.window.start,
                "step": step,
                "first": first,
                "last": last,
                "first_id": self.first_id,
            },
        )
        # 2. Element, handler and their site, the status wanted, the incident reference.
        self._execute(
            f"""CREATE TEMP TABLE seed_b ON COMMIT DROP AS
            SELECT a.*, {_case("a.r_el", plan.element_bands, "int")} AS element_id,
                   (%(handlers)s::bigint[])[1 + floor(a.r_h * %(nh)s)::int] AS handler_id,
                   NULLIF((%(sites)s::int[])[1 + floor(a.r_h * %(nh)s)::int], 0) AS site_id,
                   {_case("a.r_status", STATUS_BANDS)} AS want_status,
                   a.r_re < %(re_rate)s AS want_re,
                   a.i - greatest(1, ceil((2700 + a.r_gap * 8100) / %(step)s))::int AS re_of,
                   CASE WHEN a.r6 < %(no_ref)s THEN ''
                        ELSE 'CAD ' || (a.i %% 9999 + 1) || '/'
                             || upper(to_char(a.started_at AT TIME ZONE %(tz)s, 'FMDDMonYY')) END AS own_ref
            FROM seed_a a""",
            {
                "handlers": [h for h, _ in plan.handlers],
                "sites": [s for _, s in plan.handlers],
                "nh": len(plan.handlers),
                "re_rate": REASSESSMENT_RATE,
                "step": step,
                "no_ref": NO_INCIDENT_RATE,
                "tz": self.tz,
            },
        )
        # 3. Re-assessments: a later decision on the same incident, 45 minutes to 3 hours after an
        # earlier completed one (within the batch), on its element.
        self._execute(
            """CREATE TEMP TABLE seed_c ON COMMIT DROP AS
            SELECT b.*, o.id AS follows_id, COALESCE(o.element_id, b.element_id) AS el,
                   COALESCE(o.own_ref, b.own_ref) AS incident_ref
            FROM seed_b b
            LEFT JOIN seed_b o ON b.want_re AND o.i = b.re_of AND NOT o.want_re
                 AND o.want_status = 'completed' AND o.own_ref <> ''
                 AND o.started_at + interval '45 minutes' < b.started_at"""
        )
        # 4. The caller and the category wanted (an override starts as a no-police outcome).
        self._execute(
            f"""CREATE TEMP TABLE seed_d ON COMMIT DROP AS
            SELECT c.*, split_part(cl.value, ':', 1) AS caller_type,
                   split_part(cl.value, ':', 2) AS partner_kind,
                   CASE WHEN c.want_status = 'abandoned' THEN ''
                        WHEN c.r_over < {OVERRIDE_RATE!r}
                             THEN (CASE WHEN c.r1 < 0.5 THEN 'SIGNPOST' ELSE 'REFUSE_REDIRECT' END)
                        ELSE ct.value END AS want_category
            FROM seed_c c
            JOIN seed_band cl ON cl.kind = 'caller' AND cl.element_id = c.el
                 AND c.r_caller >= cl.lo AND c.r_caller < cl.hi
            JOIN seed_band ct ON ct.kind = CASE WHEN c.follows_id IS NULL THEN 'category' ELSE 're' END
                 AND ct.element_id = c.el AND ct.caller = cl.value AND c.r_cat >= ct.lo AND c.r_cat < ct.hi"""
        )
        # 5. The template (a walk of the flow for this caller), the status, times, the escalation.
        self._execute(
            f"""CREATE TEMP TABLE seed_r ON COMMIT DROP AS
            SELECT d.*, t.tid, t.n, t.prefix, t.category,
                   CASE WHEN d.want_status = 'abandoned' AND NOT t.prefix THEN 'unconfirmed'
                        ELSE d.want_status END AS status,
                   d.r_over < {OVERRIDE_RATE!r} AND d.want_status <> 'abandoned' AND NOT t.prefix AS override,
                   d.r_over < {OVERRIDE_LAS_RATE * OVERRIDE_RATE!r} AS override_las,
                   d.started_at
                       + make_interval(secs => {SECONDS_MIN!r} + {SECONDS_SPAN!r} * d.r_secs ^ 2) AS reached,
                   CASE WHEN t.has_arrival THEN date_trunc('minute', d.started_at) - make_interval(mins =>
                        CASE WHEN t.arrival_elapsed = 'over_60' THEN 61 + floor(d.r3 * 59)::int
                             ELSE 5 + floor(d.r3 * 45)::int END) END AS pos_arrival_at,
                   CASE WHEN NOT t.prefix AND t.escalate THEN 'outcome'
                        WHEN NOT t.prefix AND d.caller_type = 'partner' AND t.category = 'REFUSE_REDIRECT'
                             AND d.r2 < {PARTNER_DISPUTE_RATE!r} THEN 'partner_dispute'
                        WHEN NOT t.prefix AND d.r2 > {1 - UNSURE_RATE!r} THEN 'unsure' END AS esc_reason
            FROM seed_d d
            JOIN seed_pick p ON p.element_id = d.el AND p.caller_type = d.caller_type
                 AND p.partner_kind = d.partner_kind AND p.category = d.want_category
                 AND p.escalate = (d.r_esc < {ESCALATE_RATE!r} AND d.want_status <> 'abandoned')
            JOIN seed_tpl t ON t.tid = p.lo + floor(d.r_tpl * p.n)::int"""
        )
        # An escalation (raised at the outcome, or mid-call when unsure) is answered before the
        # call completes; housekeeping closes an untouched call four hours after its last answer.
        self._execute(
            """CREATE TEMP TABLE seed_t ON COMMIT DROP AS
            SELECT r.*, e.esc_raised,
                   e.esc_raised + make_interval(secs => 20 + r.r4 * 220) AS esc_claimed,
                   e.esc_raised + make_interval(secs => 80 + r.r4 * 220 + r.r5 * 540) AS esc_answered,
                   CASE WHEN r.status = 'abandoned' THEN NULL ELSE r.reached END AS outcome_reached_at,
                   CASE WHEN r.status = 'completed'
                        THEN greatest(r.reached + make_interval(secs => 20 + r.r_done * 280),
                                      e.esc_raised + make_interval(secs => 100 + r.r4 * 220 + r.r5 * 540))
                        ELSE r.reached + %(close)s + make_interval(secs => r.r_done * 300)
                   END AS completed_at,
                   CASE WHEN r.pos_arrival_at IS NOT NULL
                        THEN r.pos_arrival_at + make_interval(mins => 15 + floor(r.r13 * 100)::int)
                   END AS handover_at
            FROM seed_r r
            CROSS JOIN LATERAL (
                SELECT CASE r.esc_reason
                         WHEN 'unsure' THEN r.started_at + (r.reached - r.started_at) / 2
                         WHEN 'partner_dispute' THEN r.reached + make_interval(secs => 10 + r.r4 * 50)
                         WHEN 'outcome' THEN r.reached END AS esc_raised) e
            ORDER BY r.i""",
            {"close": CLOSE_AFTER},
        )
        # seed_t is in order of start, and the inserts read it in order: the tables are in time order.
        self._insert_decisions()
        self._insert_answers()
        self._insert_escalations()
        self._insert_handovers()
        self._insert_reviews()
        if skipped:
            self._execute("SET LOCAL session_replication_role = origin")
        # Dropped at commit too; dropped now for a caller that runs batches in one transaction.
        self._execute("DROP TABLE seed_a, seed_b, seed_c, seed_d, seed_r, seed_t, seed_q")

    def _insert_decisions(self) -> None:
        plan = self.plan
        versions = " ".join(f"WHEN {e} THEN {v.pk}" for e, v in plan.versions.items())
        hashes = " ".join(f"WHEN {e} THEN {_lit(v.content_hash)}" for e, v in plan.versions.items())
        titles = " ".join(f"WHEN {e} THEN {_lit(title)}" for e, title in plan.titles.items())
        reason = _texts(OVERRIDE_REASONS, "t.r8")
        no_police = "ARRAY[" + ", ".join(_lit(c) for c in NO_POLICE) + "]"

        def unless_override(expr: str, override: str = "''") -> str:
            return f"CASE WHEN t.override THEN {override} ELSE {expr} END"

        def filled(column: str) -> str:
            return f"replace(tp.{column}, {_lit(INCIDENT_MARK)}, t.incident_ref)"

        las = "CASE WHEN t.override_las THEN"
        exprs = {
            "id": "t.id",
            "reference": "gen_random_uuid()",
            "start_token": "NULL",
            "incident_ref": "t.incident_ref",
            "incident_ref_missing_reason": (
                f"CASE WHEN t.incident_ref = '' THEN {_lit(NO_INCIDENT)} ELSE '' END"
            ),
            "caller_type": "t.caller_type",
            "partner_kind": "t.partner_kind",
            "element_id": "t.el",
            "policy_version_id": f"(CASE t.el {versions} END)" if versions else "NULL",
            "content_hash": f"COALESCE((CASE t.el {hashes} END), '')" if hashes else "''",
            "engine_version": _lit(engine.ENGINE_VERSION),
            "handler_id": "t.handler_id",
            "site_id": "t.site_id",
            "follows_id": "t.follows_id",
            "reassessment_note": (
                f"CASE WHEN t.follows_id IS NOT NULL THEN {_lit(REASSESSMENT_NOTE)} ELSE '' END"
            ),
            "status": "t.status",
            "step": "t.n + CASE WHEN t.override THEN 1 ELSE 0 END",
            "started_at": "t.started_at",
            "last_activity_at": "CASE WHEN t.status = 'completed' THEN t.completed_at ELSE t.reached END",
            "completed_at": "t.completed_at",
            "outcome_id": unless_override("tp.outcome_id", "'override'"),
            "outcome_category": unless_override("tp.category", "'DEPLOY'"),
            "outcome_modifiers": unless_override(
                "tp.outcome_modifiers", f"""{las} '["LAS"]'::jsonb ELSE '[]'::jsonb END"""
            ),
            "outcome_reasons": unless_override(
                "tp.outcome_reasons",
                f"{las} jsonb_build_array(jsonb_build_array('LAS', {_lit(LAS_TICKED)})) ELSE '[]'::jsonb END",
            ),
            "not_known": "tp.not_known",
            "outcome_title": unless_override("tp.outcome_title", _lit(OVERRIDE_TITLE)),
            "outcome_rationale": unless_override(
                "tp.outcome_rationale", f"'Override by the handler: ' || {reason}"
            ),
            "agency_key": unless_override("tp.agency_key"),
            "agency_name": unless_override("tp.agency_name"),
            "agency_contact": unless_override("tp.agency_contact"),
            "script_shown": unless_override(filled("script_shown"), _lit(OVERRIDE_SCRIPT)),
            "record_text": unless_override(
                filled("record_text"),
                f"'RCRP ' || (CASE t.el {titles} END) || ', ' "
                "|| COALESCE(NULLIF(t.incident_ref, ''), 'no incident reference') || ': DEPLOY' "
                f"|| {las} ' +LAS' ELSE '' END "
                f"|| ' by handler override (immediate risk judged). Reason: ' || {reason}",
            ),
            "call_back_if": unless_override(filled("call_back_if")),
            "outcome_reached_at": "t.outcome_reached_at",
            "override": "t.override",
            "override_reason": unless_override("''", reason),
            "caller_told": (
                f"CASE WHEN t.status = 'completed' AND tp.category = ANY({no_police}) AND NOT t.override "
                "THEN true END"
            ),
            "pos_arrival_at": "t.pos_arrival_at",
            "arrival_elapsed": "tp.arrival_elapsed",
            "safeguarding_referral": (
                "CASE WHEN t.status = 'completed' AND NOT t.override "
                """AND tp.outcome_modifiers @> '["SAFEGUARDING"]' """
                f"THEN {_case('t.r5', REFERRAL_BANDS)} ELSE '' END"
            ),
        }
        self._insert(Decision, exprs, "seed_t t JOIN seed_tpl tp ON tp.tid = t.tid")

    def _insert_answers(self) -> None:
        # From the start to the outcome (the last answer reaches it; an override or an abandoned
        # call's last answer comes before).
        share = (
            "(a.seq + 1)::float8 / CASE WHEN t.status = 'abandoned' OR t.override THEN t.n + 1 ELSE t.n END"
        )
        later = "t.started_at + interval '2 hours'"  # a planned time, for a time that is not the arrival
        moment = f"(CASE a.time_kind WHEN 'arrival' THEN t.pos_arrival_at ELSE {later} END)"
        hhmm = f"to_char({moment} AT TIME ZONE %(tz)s, 'HH24:MI')"
        exprs = {
            "decision_id": "t.id",
            "sequence": "a.seq + 1",
            "position": "a.position",
            "question_id": "a.question_id",
            "question_text": "a.question_text",
            "value": f"CASE WHEN a.time_kind <> '' THEN to_jsonb({hhmm}) ELSE a.value END",
            "value_label": f"CASE WHEN a.time_kind <> '' THEN {hhmm} ELSE a.value_label END",
            "note": "a.note",
            "answered_at": f"t.started_at + (t.reached - t.started_at) * ({share})",
            "answered_by_id": "t.handler_id",
        }
        self._insert(DecisionAnswer, exprs, "seed_t t JOIN seed_tpl_answer a ON a.tid = t.tid")

    def _insert_escalations(self) -> None:
        supervisors = self.plan.supervisors
        supervisor = f"(%(sup)s::bigint[])[1 + floor(t.r5 * {len(supervisors)})::int]"
        response = _case("t.r7", RESPONSE_BANDS)
        notes = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in RESPONSE_NOTES.items())
        exprs = {
            "decision_id": "t.id",
            "site_id": "t.site_id",
            "reason": "t.esc_reason",
            "note": (
                f"CASE t.esc_reason WHEN 'outcome' THEN left({_lit(OUTCOME_NOTE)} || tp.outcome_title, 500) "
                f"WHEN 'partner_dispute' THEN {_texts(PARTNER_NOTES, 't.r9')} ELSE {_lit(UNSURE_NOTE)} END"
            ),
            "raised_by_id": "CASE WHEN t.esc_reason = 'outcome' THEN NULL ELSE t.handler_id END",
            "raised_at": "t.esc_raised",
            "claimed_by_id": supervisor,
            "claimed_at": "t.esc_claimed",
            "response": response,
            "response_note": f"CASE {response} {notes} END",
            "decided_by": _case("t.r8", LEVEL_BANDS),
            "answered_by_id": supervisor,
            "answered_at": "t.esc_answered",
            "answered_after_completion": "false",
            "reassessment_id": "NULL",
        }
        params = {"sup": supervisors}
        source = "seed_t t JOIN seed_tpl tp ON tp.tid = t.tid WHERE t.esc_reason IS NOT NULL"
        self._insert(Escalation, exprs, source, params)
        # s136: the clock ran past 60 minutes before the handover: raised by the system at 60.
        overdue = exprs | {
            "reason": "'handover_overdue'",
            "note": _lit(OVERDUE_NOTE),
            "raised_by_id": "NULL",
            "raised_at": "t.pos_arrival_at + interval '60 minutes'",
            "claimed_at": "t.pos_arrival_at + interval '62 minutes'",
            "answered_at": "t.pos_arrival_at + interval '70 minutes'",
            "decided_by": "'inspector'",
            "response": "'advise'",
            "response_note": _lit(OVERDUE_RESPONSE),
        }
        source = "seed_t t WHERE t.handover_at - t.pos_arrival_at > interval '60 minutes'"
        self._insert(Escalation, overdue, source, params)

    def _insert_handovers(self) -> None:
        exprs = {
            "decision_id": "t.id",
            "kind": "CASE WHEN t.r8 < 0.9 THEN 'handed_over' ELSE 'inspector' END",
            "occurred_at": "t.handover_at",
            "note": "''",
            "recorded_by_id": "t.handler_id",
            "recorded_at": "t.handover_at + make_interval(mins => 1 + floor(t.r12 * 9)::int)",
        }
        self._insert(HandoverRecord, exprs, "seed_t t WHERE t.handover_at IS NOT NULL")

    def _insert_reviews(self) -> None:
        """The review queue's rules (override, partner refused, escalated, a sample of the rest),
        queued soon after closing; most items older than two weeks reviewed by a supervisor."""
        selected = (
            "array_remove(ARRAY["
            "CASE WHEN t.override THEN 'override' END, "
            "CASE WHEN t.caller_type = 'partner' AND t.category = 'REFUSE_REDIRECT' AND NOT t.override "
            "THEN 'partner_refused' END, "
            "CASE WHEN t.esc_reason IS NOT NULL OR t.handover_at - t.pos_arrival_at > interval '60 minutes' "
            "THEN 'escalated' END], NULL)"
        )
        self._execute(
            f"""CREATE TEMP TABLE seed_q ON COMMIT DROP AS
            SELECT t.id, t.i, t.handler_id, t.r10, t.r11, t.r12, tp.first_qid, tp.first_qtext,
                   t.completed_at + make_interval(mins => 5 + floor(t.r3 * 60)::int) AS queued_at,
                   CASE WHEN cardinality({selected}) > 0 THEN {selected}
                        WHEN t.r9 < {SAMPLE_RATE!r} THEN ARRAY['sample'] END AS rules
            FROM seed_t t JOIN seed_tpl tp ON tp.tid = t.tid
            WHERE t.status IN ('completed', 'unconfirmed')"""
        )
        words = " ".join(
            f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in ReviewItem.Rule.choices if k != "sample"
        )
        exprs = {
            "decision_id": "q.id",
            "rules": "to_jsonb(q.rules)",
            "sampling": (
                f"array_to_string(ARRAY(SELECT CASE u.rule {words} ELSE {_lit(SAMPLE_WORDS)} END "
                "FROM unnest(q.rules) AS u(rule)), '; ')"
            ),
            "queued_at": "q.queued_at",
        }
        self._insert(ReviewItem, exprs, "seed_q q WHERE q.rules IS NOT NULL")
        supervisors = self.plan.supervisors
        verdict = _case("q.r11", VERDICT_BANDS)
        reviewer = f"(%(sup)s::bigint[])[1 + floor(q.r12 * {len(supervisors)})::int]"
        exprs = {
            "decision_id": "q.id",
            "reviewer_id": reviewer,
            "verdict": verdict,
            "deviations": (
                f"CASE WHEN {verdict} = 'compliant' OR q.first_qid = '' THEN '[]'::jsonb "
                "ELSE jsonb_build_array(jsonb_build_object('question_id', q.first_qid, 'question_text', "
                f"q.first_qtext, 'weight', 1 + floor(q.r10 * 3)::int, 'note', {_lit(DEVIATION_NOTE)})) END"
            ),
            "feedback": (
                f"CASE WHEN {verdict} = 'compliant' THEN {_lit(FEEDBACK[True])} "
                f"ELSE {_lit(FEEDBACK[False])} END"
            ),
            "reviewed_at": "q.queued_at + make_interval(hours => 12 + floor(q.r10 * 200)::int)",
        }
        source = (
            "seed_q q WHERE q.rules IS NOT NULL AND q.queued_at < now() - interval '14 days' "
            f"AND q.r10 < {REVIEWED_RATE!r} AND {reviewer} <> q.handler_id"
        )
        self._insert(Review, exprs, source, {"sup": supervisors})

    def _insert(
        self,
        model: type[models.Model],
        exprs: dict[str, str],
        source: str,
        params: dict[str, Any] | None = None,
    ) -> None:
        columns, selects, defaults = _columns_sql(model, exprs)
        table = connection.ops.quote_name(model._meta.db_table)
        # Only this module's SQL and the models' own names are formatted in; values are parameters.
        self._execute(
            f"INSERT INTO {table} ({columns}) SELECT {selects} FROM {source}",
            {"tz": self.tz, **defaults, **(params or {})},
        )


# --- SQLite (and any other database): the same choices in Python --------------------------------------------


class PythonSeeder:
    """The same mix, chosen with random.Random and written with bulk_create."""

    def __init__(self, plan: Plan, window: Window, rng: random.Random, stdout: Any) -> None:
        self.plan, self.window, self.rng, self.stdout = plan, window, rng, stdout
        self.by_tid = {t.tid: t for t in plan.templates}
        self.tz = timezone.get_default_timezone()
        self.pending: list[tuple[Decision, dict[str, Any]]] = []
        self.now = timezone.now()

    def run(self, count: int, batch: int) -> None:
        started = time.perf_counter()
        recent: dict[int, Decision] = {}
        for i in range(count):
            decision, extra = self._decision(i, recent)
            if decision.follows is not None and decision.follows.pk is None:
                self._flush()  # the decision it re-assesses must be saved first
                decision.follows = decision.follows
            self.pending.append((decision, extra))
            recent[i] = decision
            recent.pop(i - 2000, None)
            if len(self.pending) >= batch or i == count - 1:
                self._flush()
                self.stdout.write(
                    f"  {i + 1:>11,} / {count:,} decisions ({time.perf_counter() - started:6.1f} s)"
                )

    def _flush(self) -> None:
        if not self.pending:
            return
        with transaction.atomic():
            Decision.objects.bulk_create([d for d, _ in self.pending])
            self._children(self.pending)
        self.pending = []

    def _decision(self, i: int, recent: dict[int, Decision]) -> tuple[Decision, dict[str, Any]]:
        rng, plan, window = self.rng, self.plan, self.window
        r = rng.random
        started_at = window.start + dt.timedelta(seconds=(i + r()) * window.step)
        element_id = int(_pick(plan.element_bands, r()))
        handler_id, site_id = plan.handlers[int(r() * len(plan.handlers))]
        want_status = _pick(STATUS_BANDS, r())
        local = timezone.localtime(started_at, self.tz)
        incident_ref = ""
        if r() >= NO_INCIDENT_RATE:
            incident_ref = f"CAD {i % 9999 + 1}/{local.day}{MONTHS[local.month - 1]}{local:%y}"
        follows = None
        if r() < REASSESSMENT_RATE:
            gap = 2700 + r() * 8100
            earlier = recent.get(i - max(1, int(-(-gap // window.step))))
            if (
                earlier is not None
                and not earlier.seed_follows  # type: ignore[attr-defined]
                and earlier.status == "completed"
                and earlier.incident_ref
                and earlier.started_at + dt.timedelta(minutes=45) < started_at
            ):
                follows = earlier
                element_id, incident_ref = earlier.element_id, earlier.incident_ref  # type: ignore[assignment]
        caller = _pick(plan.caller_bands[element_id], r())
        caller_type, _, partner_kind = caller.partition(":")
        wants_override = r() < OVERRIDE_RATE and want_status != "abandoned"
        if want_status == "abandoned":
            category = ""
        elif wants_override:
            category = rng.choice(NO_POLICE)
        else:
            category = _pick(plan.category_bands[element_id, caller, follows is not None], r())
        escalate = r() < ESCALATE_RATE and want_status != "abandoned"
        lo, n = plan.picks[element_id, caller_type, partner_kind, category, escalate]
        t = self.by_tid[lo + int(r() * n)]
        status = "unconfirmed" if want_status == "abandoned" and not t.prefix else want_status
        override = wants_override and not t.prefix
        las = override and r() < OVERRIDE_LAS_RATE
        reached = started_at + dt.timedelta(seconds=SECONDS_MIN + SECONDS_SPAN * r() ** 2)
        pos_arrival = None
        if t.has_arrival:
            minutes = 61 + int(r() * 59) if t.arrival_elapsed == "over_60" else 5 + int(r() * 45)
            pos_arrival = started_at.replace(second=0, microsecond=0) - dt.timedelta(minutes=minutes)
        roll = r()
        esc_reason = ""
        if not t.prefix and t.escalate:
            esc_reason = "outcome"
        elif not t.prefix and caller_type == "partner" and t.category == "REFUSE_REDIRECT":
            esc_reason = "partner_dispute" if roll < PARTNER_DISPUTE_RATE else ""
        elif not t.prefix and roll > 1 - UNSURE_RATE:
            esc_reason = "unsure"
        esc_raised = {
            "outcome": reached,
            "partner_dispute": reached + dt.timedelta(seconds=10 + r() * 50),
            "unsure": started_at + (reached - started_at) / 2,
        }.get(esc_reason)
        esc_answered = esc_raised + dt.timedelta(seconds=80 + r() * 760) if esc_raised else None
        if status == "completed":
            completed_at = reached + dt.timedelta(seconds=20 + r() * 280)
            if esc_answered and esc_answered + dt.timedelta(seconds=20) > completed_at:
                completed_at = esc_answered + dt.timedelta(seconds=20)
        else:
            completed_at = reached + CLOSE_AFTER + dt.timedelta(seconds=r() * 300)
        version = plan.versions.get(element_id)
        reason = rng.choice(OVERRIDE_REASONS)
        decision = Decision(
            reference=uuid.uuid4(),  # unique whatever the seed (gen_random_uuid() on PostgreSQL)
            incident_ref=incident_ref,
            incident_ref_missing_reason="" if incident_ref else NO_INCIDENT,
            caller_type=caller_type,
            partner_kind=partner_kind,
            element_id=element_id,
            policy_version=version,
            content_hash=version.content_hash if version else "",
            engine_version=engine.ENGINE_VERSION,
            handler_id=handler_id,
            site_id=site_id or None,
            follows=follows,
            reassessment_note=REASSESSMENT_NOTE if follows else "",
            status=status,
            step=len(t.answers) + (1 if override else 0),
            started_at=started_at,
            last_activity_at=completed_at if status == "completed" else reached,
            completed_at=completed_at,
            outcome_reached_at=None if status == "abandoned" else reached,
            override=override,
            override_reason=reason if override else "",
            caller_told=True if status == "completed" and t.category in NO_POLICE and not override else None,
            pos_arrival_at=pos_arrival,
            arrival_elapsed=t.arrival_elapsed,
        )
        for name, value in t.outcome.items():
            setattr(
                decision,
                name,
                value.replace(INCIDENT_MARK, incident_ref) if isinstance(value, str) else value,
            )
        if override:
            title = plan.titles[element_id]
            decision.outcome_id, decision.outcome_category = "override", "DEPLOY"
            decision.outcome_modifiers = ["LAS"] if las else []
            decision.outcome_reasons = [["LAS", LAS_TICKED]] if las else []
            decision.outcome_title, decision.script_shown = OVERRIDE_TITLE, OVERRIDE_SCRIPT
            decision.outcome_rationale = f"Override by the handler: {reason}"
            decision.agency_key = decision.agency_name = decision.agency_contact = decision.call_back_if = ""
            decision.record_text = (
                f"RCRP {title}, {incident_ref or 'no incident reference'}: DEPLOY{' +LAS' if las else ''} "
                f"by handler override (immediate risk judged). Reason: {reason}"
            )
        if status == "completed" and not override and "SAFEGUARDING" in (decision.outcome_modifiers or []):
            decision.safeguarding_referral = _pick(REFERRAL_BANDS, r())
        decision.seed_follows = follows is not None  # type: ignore[attr-defined]
        handover_at = pos_arrival + dt.timedelta(minutes=15 + int(r() * 100)) if pos_arrival else None
        extra = {
            "template": t,
            "reached": reached,
            "esc": (esc_reason, esc_raised, esc_answered),
            "handover_at": handover_at,
            "r": [r() for _ in range(6)],
        }
        return decision, extra

    def _children(self, rows: list[tuple[Decision, dict[str, Any]]]) -> None:
        answers, escalations, handovers, items, reviews = [], [], [], [], []
        labels = dict(ReviewItem.Rule.choices)
        for d, x in rows:
            t: Template = x["template"]
            r = x["r"]
            supervisor = self.plan.supervisors[int(r[0] * len(self.plan.supervisors))]
            answers += self._answers(d, t, x["reached"])
            reason, raised, answered = x["esc"]
            if reason:
                response = _pick(RESPONSE_BANDS, r[1])
                note = {
                    "outcome": (OUTCOME_NOTE + d.outcome_title)[:500],
                    "partner_dispute": PARTNER_NOTES[int(r[2] * len(PARTNER_NOTES))],
                }.get(reason, UNSURE_NOTE)
                escalations.append(
                    Escalation(
                        decision=d,
                        site_id=d.site_id,
                        reason=reason,
                        note=note,
                        raised_by_id=None if reason == "outcome" else d.handler_id,
                        raised_at=raised,
                        claimed_by_id=supervisor,
                        claimed_at=raised + dt.timedelta(seconds=60),
                        response=response,
                        response_note=RESPONSE_NOTES[response],
                        decided_by=_pick(LEVEL_BANDS, r[3]),
                        answered_by_id=supervisor,
                        answered_at=answered,
                    )
                )
            handover_at, arrival = x["handover_at"], d.pos_arrival_at
            overdue = (
                handover_at is not None
                and arrival is not None
                and handover_at - arrival > dt.timedelta(hours=1)
            )
            if handover_at is not None:
                handovers.append(
                    HandoverRecord(
                        decision=d,
                        kind="handed_over" if r[4] < 0.9 else "inspector",
                        occurred_at=handover_at,
                        recorded_by_id=d.handler_id,
                        recorded_at=handover_at + dt.timedelta(minutes=2),
                    )
                )
            if overdue and arrival is not None:
                escalations.append(
                    Escalation(
                        decision=d,
                        site_id=d.site_id,
                        reason="handover_overdue",
                        note=OVERDUE_NOTE,
                        raised_at=arrival + dt.timedelta(minutes=60),
                        claimed_by_id=supervisor,
                        claimed_at=arrival + dt.timedelta(minutes=62),
                        response="advise",
                        response_note=OVERDUE_RESPONSE,
                        decided_by="inspector",
                        answered_by_id=supervisor,
                        answered_at=arrival + dt.timedelta(minutes=70),
                    )
                )
            if d.status not in ("completed", "unconfirmed") or d.completed_at is None:
                continue
            partner_refused = (
                d.caller_type == "partner" and t.category == "REFUSE_REDIRECT" and not d.override
            )
            rules = [
                rule
                for rule, applies in (
                    ("override", d.override),
                    ("partner_refused", partner_refused),
                    ("escalated", bool(reason) or overdue),
                )
                if applies
            ] or (["sample"] if r[5] < SAMPLE_RATE else [])
            if not rules:
                continue
            queued = d.completed_at + dt.timedelta(minutes=5 + int(r[2] * 60))
            sampling = "; ".join(SAMPLE_WORDS if rule == "sample" else labels[rule] for rule in rules)
            items.append(ReviewItem(decision=d, rules=rules, sampling=sampling, queued_at=queued))
            old = queued < self.now - dt.timedelta(days=14)
            if old and r[1] < REVIEWED_RATE and supervisor != d.handler_id:
                verdict = _pick(VERDICT_BANDS, r[3])
                first = t.answers[0] if t.answers else None
                deviation = {
                    "question_id": first.question_id if first else "",
                    "question_text": first.question_text if first else "",
                    "weight": 1 + int(r[4] * 3),
                    "note": DEVIATION_NOTE,
                }
                reviews.append(
                    Review(
                        decision=d,
                        reviewer_id=supervisor,
                        verdict=verdict,
                        deviations=[] if verdict == "compliant" or first is None else [deviation],
                        feedback=FEEDBACK[verdict == "compliant"],
                        reviewed_at=queued + dt.timedelta(hours=12 + int(r[4] * 200)),
                    )
                )
        for model, rows_of in (
            (DecisionAnswer, answers),
            (Escalation, escalations),
            (HandoverRecord, handovers),
            (ReviewItem, items),
            (Review, reviews),
        ):
            model.objects.bulk_create(rows_of, batch_size=1000)  # type: ignore[attr-defined]

    def _answers(self, d: Decision, t: Template, reached: dt.datetime) -> list[DecisionAnswer]:
        n = len(t.answers)
        over = d.status == "abandoned" or d.override
        out = []
        for seq, a in enumerate(t.answers):
            value, label = a.value, a.value_label
            if a.time:
                moment = d.pos_arrival_at if a.time == "arrival" and d.pos_arrival_at else d.started_at
                if a.time != "arrival":
                    moment = d.started_at + dt.timedelta(hours=2)
                value = label = f"{timezone.localtime(moment, self.tz):%H:%M}"
            out.append(
                DecisionAnswer(
                    decision=d,
                    sequence=seq + 1,
                    position=a.position,
                    question_id=a.question_id,
                    question_text=a.question_text,
                    value=value,
                    value_label=label,
                    note=a.note,
                    answered_at=d.started_at
                    + (reached - d.started_at) * ((seq + 1) / (n + 1 if over else n)),
                    answered_by_id=d.handler_id,
                )
            )
        return out
