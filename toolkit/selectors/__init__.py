"""Reads for the live call and the decision log, with the object gate (404 for no relationship)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import connection, router
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from policies import flow as engine
from rcrp.accounts.errors import NotFound
from rcrp.accounts.models import User
from rcrp.prepared import PreparedRead
from toolkit.flows import flow_for
from toolkit.models import Decision, DecisionAnswer, DecisionNote, Escalation, HandoverRecord, Review

AnswerPair = tuple[str, engine.AnswerValue]
SUPERVISE = "accounts.supervise_calls"
AUDIT = "accounts.audit_decisions"
HANDOVER_LIMIT = timedelta(minutes=60)
# A s136 detention lasts at most 24 hours plus a 12-hour extension: a clock older than that has
# ended in law even if nobody recorded the handover, so it is no longer shown or swept.
S136_CLOCK_WINDOW = timedelta(hours=36)


def value_label(question: engine.Question, value: engine.AnswerValue) -> str:
    """The words shown for an answer value: the answer's label, the labels ticked, or each
    checklist item with what was established about it ("Not answered" when left blank)."""
    if isinstance(value, list):
        value = tuple(value)
    chosen = (
        tuple(a for a in question.answers if a.value in value)
        if question.kind is engine.Kind.MULTI and isinstance(value, tuple)
        else ()
    )
    if question.kind.has_answers and not chosen:
        answer = question.answer(str(value))
        return answer.label if answer else str(value)
    return engine.Step(question=question, value=value, chosen=chosen).label()


def answer_pairs(answers: list[DecisionAnswer]) -> list[AnswerPair]:
    """(question id, value) pairs for the engine; ticks are stored as lists, checklist states as
    a mapping."""
    return [(a.question_id, tuple(a.value) if isinstance(a.value, list) else a.value) for a in answers]


def decision_facts(decision: Decision) -> dict[str, str]:
    """What the toolkit, not the handler, answers on this call's walk: the start page's caller and
    the s136 clock's time since arrival once it was taken."""
    facts = {"caller": engine.caller_word(decision.caller_type, decision.partner_kind)}
    if decision.arrival_elapsed:
        facts["arrival_elapsed"] = decision.arrival_elapsed
    return facts


def current_path(answers: list[DecisionAnswer]) -> list[DecisionAnswer]:
    """Replay the answers in the order given: an answer at position p replaces p and what follows."""
    path: list[DecisionAnswer] = []
    for answer in sorted(answers, key=lambda a: a.sequence):
        path = [*path[: answer.position], answer]
    return path


@dataclass(frozen=True)
class CallState:
    """Where a call stands: the answers that count, and the question to ask or the outcome reached."""

    decision: Decision
    history: list[DecisionAnswer]  # every answer ever given, in order
    path: list[DecisionAnswer]  # the answers that count now
    flow: engine.Flow | None
    node: engine.Question | engine.Outcome | None
    walk: engine.Walk | None = None

    @property
    def question(self) -> engine.Question | None:
        return self.node if isinstance(self.node, engine.Question) else None

    def node_at(self, position: int) -> engine.Question | engine.Outcome | None:
        """The node asked at `position` of the path (the current node at the end: no second walk)."""
        if position == len(self.path) or self.flow is None:
            return self.node
        return engine.next_step(self.flow, answer_pairs(self.path[:position]), decision_facts(self.decision))

    @property
    def bound_steps(self) -> list[engine.Step]:
        """The questions the start page or the s136 clock answered on the current path."""
        return [step for step in self.walk.steps if step.bound] if self.walk is not None else []

    @property
    def superseded(self) -> list[DecisionAnswer]:
        current = {a.pk for a in self.path}
        return [a for a in self.history if a.pk not in current]


def decision_flow(decision: Decision) -> engine.Flow | None:
    if decision.policy_version_id is None:
        return None
    return flow_for(content_hash=decision.content_hash, version_id=decision.policy_version_id)


def call_state(decision: Decision, history: list[DecisionAnswer] | None = None) -> CallState:
    """The call's state, replayed from its answers (one query when `history` is not given)."""
    if history is None:
        history = list(decision.answers.all())
    path = current_path(history)
    flow = decision_flow(decision)
    if flow is None:
        return CallState(decision=decision, history=history, path=path, flow=None, node=None)
    walked = engine.walk(flow, answer_pairs(path), decision_facts(decision))
    return CallState(decision=decision, history=history, path=path, flow=flow, node=walked.node, walk=walked)


# --- The live call's one read: the decision with its answers -----------------------------------------

_ANSWER_FIELDS = (
    "id",
    "sequence",
    "position",
    "question_id",
    "question_text",
    "value",
    "value_label",
    "note",
    "answered_at",
    "answered_by_id",
)


@functools.cache
def _answers_json_sql(vendor: str) -> str:
    """A scalar subquery in the decision's SELECT: all its answers as one JSON array."""
    answers = connection.ops.quote_name(DecisionAnswer._meta.db_table)
    outer = f"{connection.ops.quote_name(Decision._meta.db_table)}.{connection.ops.quote_name('id')}"
    if vendor == "postgresql":
        pairs = ", ".join(f"'{name}', a.{connection.ops.quote_name(name)}" for name in _ANSWER_FIELDS)
        # Built from the models' own table and column names only: no input reaches this SQL.
        return (
            f"SELECT COALESCE(json_agg(json_build_object({pairs})), '[]') "  # noqa: S608
            f"FROM {answers} a WHERE a.decision_id = {outer}"
        )
    pairs = ", ".join(
        f"'{name}', " + (f"json(a.{name})" if name == "value" else f"a.{connection.ops.quote_name(name)}")
        for name in _ANSWER_FIELDS
    )
    return f"SELECT json_group_array(json_object({pairs})) FROM {answers} a WHERE a.decision_id = {outer}"  # noqa: S608


def _snapshot_step_sql() -> str:
    """The decision's step as this statement's snapshot sees it (see `_attach_answers`)."""
    table = connection.ops.quote_name(Decision._meta.db_table)
    return f"SELECT d.step FROM {table} d WHERE d.id = {table}.id"  # noqa: S608 (the model's table name)


def _attach_answers(decision: Decision, raw: Any, *, fresh: bool) -> None:
    """Put the answers read with the decision where `decision.answers.all()` finds them.

    `fresh` is False when the decision row changed between this statement's snapshot and the lock
    (PostgreSQL, READ COMMITTED: a `SELECT ... FOR UPDATE` that waited for another transaction's
    lock returns the row as that transaction left it, but its subqueries still see the snapshot
    taken before the wait). Every answer is written with a step increment on the decision, so a
    changed step means the JSON may lack the answer just committed: the answers are then read
    again, after the lock, exactly as they were before this read was joined.
    """
    queryset = DecisionAnswer.objects.filter(decision=decision).order_by("sequence")
    if fresh:
        rows = json.loads(raw) if isinstance(raw, str | bytes) else (raw or [])
        answers = []
        for row in sorted(rows, key=lambda r: r["sequence"]):
            answered_at = datetime.fromisoformat(row["answered_at"])
            if answered_at.tzinfo is None:  # SQLite stores UTC without an offset
                answered_at = answered_at.replace(tzinfo=UTC)
            row.update(answered_at=answered_at, decision_id=decision.pk)
            names = [f.attname for f in DecisionAnswer._meta.concrete_fields]  # the model's order
            answer = DecisionAnswer.from_db(decision._state.db, names, [row[name] for name in names])
            DecisionAnswer.decision.field.set_cached_value(answer, decision)
            answers.append(answer)
        queryset._result_cache = answers
        queryset._prefetch_done = True
    decision._prefetched_objects_cache = {"answers": queryset}


def _call_read(practice_only: bool, lock: bool, *, reference: UUID, handler_id: int) -> QuerySet[Decision]:
    qs = (
        Decision.all_calls.for_call()
        .defer("policy_version__document")
        .annotate(
            answers_json=RawSQL(_answers_json_sql(connection.vendor), ()),  # noqa: S611 (no input)
            has_escalations=Exists(Escalation.objects.filter(decision=OuterRef("pk"))),
        )
        .filter(reference=reference, handler_id=handler_id)
    )
    if practice_only:
        qs = qs.filter(practice=True)
    if lock:
        qs = qs.select_for_update(of=("self",)).annotate(
            snapshot_step=RawSQL(_snapshot_step_sql(), ())  # noqa: S611 (no input)
        )
    return qs


# Compiled once per connection and variant (rcrp/prepared.py): building and compiling this read
# cost more than PostgreSQL's answer to it, on every call page and every answer.
_CALL_READ = PreparedRead(
    Decision, _call_read, reference=Decision._meta.get_field("reference"), handler_id=User._meta.pk
)


def decision_get_for_handler(*, user: User, reference: UUID, lock: bool = False) -> Decision:
    """A call the user is taking: their own decisions only (404 otherwise), practice calls too; a
    user who does not take live calls (a trainer, a policy owner) reaches only practice calls.

    One query: the decision, what the call pages show with it, its answers (as a JSON array built
    by the database; `decision.answers.all()` reads them without a query) and whether it has any
    escalation (`escalation_list_for_decision` asks no query when it has none). With `lock`, the
    decision row is locked for the transaction (FOR UPDATE OF the decision alone).
    """
    practice_only = not user.has_perm("accounts.take_calls")
    using = router.db_for_write(Decision) if lock else None  # a locking read is a write's first step
    rows = _CALL_READ.fetch(practice_only, lock, using=using, reference=reference, handler_id=user.pk)
    if not rows:
        raise NotFound("No such call")
    decision = rows[0]
    Decision.handler.field.set_cached_value(decision, user)  # the filter made it so: no join
    fresh = not lock or decision.snapshot_step == decision.step
    _attach_answers(decision, decision.answers_json, fresh=fresh)
    return decision


def _reader_read(*, reference: UUID) -> QuerySet[Decision]:
    def exists(model: Any, **where: Any) -> Exists:
        return Exists(model.objects.filter(**where))

    on_incident = Decision.objects.filter(incident_ref=OuterRef("incident_ref")).exclude(pk=OuterRef("pk"))
    return (
        Decision.objects.for_page()
        .defer("policy_version__document")
        .annotate(
            answers_json=RawSQL(_answers_json_sql(connection.vendor), ()),  # noqa: S611 (no input)
            has_escalations=exists(Escalation, decision=OuterRef("pk")),
            has_reviews=exists(Review, decision=OuterRef("pk")),
            has_notes=exists(DecisionNote, decision=OuterRef("pk")),
            has_later=exists(Decision, follows=OuterRef("pk")),
            has_incident_others=Exists(on_incident),
        )
        .filter(reference=reference)
    )


# Compiled once per connection (rcrp/prepared.py): the decision page follows every completed call.
_READER_READ = PreparedRead(Decision, _reader_read, reference=Decision._meta.get_field("reference"))


def decision_get_for_reader(*, user: User, reference: UUID) -> Decision:
    """A decision to read: the handler's own, or any for supervisors and auditors (404 otherwise).

    One query: the decision with what its pages show, its answers (as `decision_get_for_handler`)
    and whether it has escalations, reviews, notes, later decisions following it and other
    decisions on its incident, so that the page asks no query for what a decision does not have
    (a call just completed has none of them)."""
    rows = _READER_READ.fetch(reference=reference)
    if not rows:
        raise NotFound("No such decision")
    decision = rows[0]
    if decision.handler_id == user.pk or user.has_perm(SUPERVISE) or user.has_perm(AUDIT):
        _attach_answers(decision, decision.answers_json, fresh=True)
        return decision
    raise NotFound("No such decision")


def has_none_of(decision: Decision, what: str) -> bool:
    """True when the decision's read said it has none of `what` (see `decision_get_for_reader`);
    False when it has some or was read without asking."""
    return getattr(decision, f"has_{what}", True) is False


def notes_for_decision(decision: Decision) -> list[Any]:
    """The decision's notes and corrections, oldest first, with their authors."""
    if has_none_of(decision, "notes"):
        return []
    return list(decision.notes.select_related("author"))


def may_act_on_decision(*, user: User, decision: Decision) -> bool:
    """The handler of the call, or a supervisor: who may add to a decision (notes, the handover)."""
    return decision.handler_id == user.pk or user.has_perm(SUPERVISE)


def decision_list_mine(*, user: User, now: datetime | None = None) -> QuerySet[Decision]:
    """My calls: every open call whenever it started, today's calls, and any call with a running
    s136 clock or an unanswered escalation. Open first, then newest (one query)."""
    now = now or timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    waiting = Escalation.objects.filter(decision=OuterRef("pk"), answered_at__isnull=True)
    clock_running = Q(
        pos_arrival_at__gte=now - S136_CLOCK_WINDOW, pos_arrival_at__isnull=False, handover__isnull=True
    )
    return (
        Decision.objects.for_list()
        .annotate(waiting=Exists(waiting), clock_running=Q(clock_running))
        .filter(handler=user)
        .filter(
            Q(started_at__gte=midnight)
            | Q(status=Decision.Status.IN_PROGRESS)
            | Q(waiting=True)
            | clock_running
        )
        .annotate(
            open_first=Case(
                When(status=Decision.Status.IN_PROGRESS, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-started_at")
    )


def decision_get_latest_for_incident(*, incident_ref: str) -> Decision | None:
    """The latest decision on this incident: what a new call on it re-assesses (new information)."""
    if not incident_ref:
        return None
    return Decision.objects.filter(incident_ref=incident_ref).order_by("-started_at").first()


def escalation_list_open() -> QuerySet[Escalation]:
    """Open escalations, oldest first, with what the live list shows (one query)."""
    return (
        Escalation.objects.filter(answered_at__isnull=True)
        .select_related("decision__element", "decision__handler", "site", "claimed_by", "raised_by")
        .order_by("raised_at")
    )


def escalation_list_for_decision(*, decision: Decision) -> list[Escalation]:
    """The call's escalations, oldest first (no query when the read said it has none)."""
    if has_none_of(decision, "escalations"):
        return []
    return list(
        decision.escalations.select_related("answered_by", "claimed_by", "reassessment").order_by("raised_at")
    )


def reassessments_waiting_for(*, user: User, exclude: Decision | None = None) -> list[Decision]:
    """Re-assessments a supervisor opened for this handler that are still in progress (an alert)."""
    qs = Decision.objects.for_list().filter(
        handler=user, status=Decision.Status.IN_PROGRESS, reassessment_opened_by__isnull=False
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.order_by("-started_at")[:5])


@dataclass(frozen=True)
class HandoverClock:
    """s136: the 60-minute clock from arrival at the place of safety, and what stopped it."""

    arrival: datetime
    stop: HandoverRecord | None
    now: datetime

    @property
    def running(self) -> bool:
        return self.stop is None and self.now - self.arrival < S136_CLOCK_WINDOW

    @property
    def elapsed(self) -> timedelta:
        return (self.stop.occurred_at if self.stop else self.now) - self.arrival

    @property
    def overdue(self) -> bool:
        return self.elapsed >= HANDOVER_LIMIT

    @property
    def minutes(self) -> int:
        return int(self.elapsed.total_seconds() // 60)


def handover_clock(decision: Decision, now: datetime | None = None) -> HandoverClock | None:
    """The decision's s136 clock, or None when no arrival time is on its path.

    No query when the decision came from `for_call()` or `for_page()` (both join the handover record).
    """
    if decision.pos_arrival_at is None:
        return None
    stop: HandoverRecord | None = getattr(decision, "handover", None)
    return HandoverClock(arrival=decision.pos_arrival_at, stop=stop, now=now or timezone.now())


@dataclass(frozen=True)
class Reassessment:
    """How a re-assessment changed the decision: the earlier and later decision and their outcomes."""

    earlier: Decision
    later: Decision

    @property
    def to_police(self) -> bool:
        """A no-police decision re-assessed to police attendance: shown at the top of both records."""
        return self.earlier.no_police and self.later.police_attend


def decision_links(decision: Decision) -> dict[str, Any]:
    """The decisions linked to this one on new information: what it follows, what superseded it."""
    later = (
        []
        if has_none_of(decision, "later")
        else list(Decision.objects.for_list().filter(follows=decision).order_by("started_at"))
    )
    changes = [Reassessment(decision, d) for d in later]
    earlier = None
    if decision.follows_id is not None:
        earlier = Decision.objects.for_list().get(pk=decision.follows_id)
        changes.insert(0, Reassessment(earlier, decision))
    return {
        "follows": earlier,
        "superseded_by": later,
        "to_police": [c for c in changes if c.to_police],
    }


def earlier_decision_summary(decision: Decision) -> dict[str, Any] | None:
    """What the call page shows beside the new questions: the earlier decision's outcome and answers."""
    if decision.follows_id is None:
        return None
    earlier = Decision.objects.for_list().get(pk=decision.follows_id)
    return {"decision": earlier, "answers": current_path(list(earlier.answers.all()))}
