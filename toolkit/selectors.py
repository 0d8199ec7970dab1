"""Reads for the live call and the decision log, with the object gate (404 for no relationship)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from policies import flow as engine
from rcrp.accounts.errors import NotFound
from rcrp.accounts.models import User
from toolkit.flows import flow_for
from toolkit.models import Decision, DecisionAnswer, Escalation

AnswerPair = tuple[str, engine.AnswerValue]


def answer_pairs(answers: list[DecisionAnswer]) -> list[AnswerPair]:
    """(question id, value) pairs for the engine; checklists are stored as lists."""
    return [(a.question_id, tuple(a.value) if isinstance(a.value, list) else a.value) for a in answers]


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

    @property
    def question(self) -> engine.Question | None:
        return self.node if isinstance(self.node, engine.Question) else None

    def node_at(self, position: int) -> engine.Question | engine.Outcome | None:
        """The node asked at `position` of the path (the current node at the end: no second walk)."""
        if position == len(self.path) or self.flow is None:
            return self.node
        return engine.next_step(self.flow, answer_pairs(self.path[:position]))

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
    node = engine.next_step(flow, answer_pairs(path)) if flow is not None else None
    return CallState(decision=decision, history=history, path=path, flow=flow, node=node)


def decision_get_for_handler(*, user: User, reference: UUID, lock: bool = False) -> Decision:
    """A call the user is taking: their own decisions only (404 otherwise)."""
    qs = Decision.objects.for_page().defer("policy_version__document")
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(reference=reference, handler=user)
    except Decision.DoesNotExist:
        raise NotFound("No such call") from None


def decision_get_for_reader(*, user: User, reference: UUID) -> Decision:
    """A decision to read: the handler's own, or any for supervisors and auditors (404 otherwise)."""
    try:
        decision = Decision.objects.for_page().defer("policy_version__document").get(reference=reference)
    except Decision.DoesNotExist:
        raise NotFound("No such decision") from None
    if decision.handler_id == user.pk:
        return decision
    if user.has_perm("accounts.supervise_calls") or user.has_perm("accounts.audit_decisions"):
        return decision
    raise NotFound("No such decision")


def decision_list_mine_today(*, user: User, now: datetime | None = None) -> QuerySet[Decision]:
    """The handler's decisions since midnight (local time), in progress first, newest first."""
    now = now or timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Decision.objects.for_list()
        .filter(handler=user, started_at__gte=midnight)
        .annotate(
            open_first=Case(
                When(status=Decision.Status.IN_PROGRESS, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-started_at")
    )


def decision_list_for_incident(*, incident_ref: str, exclude: Decision | None = None) -> list[Decision]:
    """Earlier decisions on the same incident (new information), newest first."""
    if not incident_ref:
        return []
    qs = Decision.objects.for_list().filter(incident_ref=incident_ref)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.order_by("-started_at")[:10])


def decision_list_recent(*, incident_ref: str = "") -> QuerySet[Decision]:
    qs = Decision.objects.for_list().order_by("-started_at")
    if incident_ref:
        qs = qs.filter(incident_ref__iexact=incident_ref.strip())
    return qs


def escalation_list_open() -> QuerySet[Escalation]:
    """Open escalations, oldest first, with what the live list shows (one query)."""
    return (
        Escalation.objects.filter(answered_at__isnull=True)
        .select_related("decision__element", "decision__handler", "site", "claimed_by", "raised_by")
        .order_by("raised_at")
    )


def escalation_list_for_decision(*, decision: Decision) -> list[Escalation]:
    return list(decision.escalations.select_related("answered_by", "claimed_by").order_by("raised_at"))


def handover_elapsed(decision: Decision, now: datetime | None = None) -> timedelta | None:
    if decision.pos_arrival_at is None:
        return None
    return (now or timezone.now()) - decision.pos_arrival_at
