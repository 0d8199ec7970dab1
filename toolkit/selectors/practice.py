"""Practice reads: which cards a person may practise on, a practice call against its card (the
expected outcome, modifiers and agency beside theirs, and where their path differed), and a
person's practice calls. Reads only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet

from policies import flow as engine
from policies.flow.scenarios import walk_facts
from policies.models import PolicyScenario, PolicyVersion
from rcrp.accounts.errors import NotFound
from rcrp.accounts.models import User
from toolkit.models import Decision
from toolkit.selectors import CallState, decision_flow, value_label
from training.models import PracticeCard, PracticeResult

# A scenario's description often ends with the sentence that explains the policy's answer; on a
# practice card that sentence is kept for the comparison, not shown before the walk.
_EXPLAINS = re.compile(
    r"\b(police|policing|ambulance|LAS|deploy|signpost|refuse|attend|RCRP|supervisor|AMHP|s136|"
    r"threshold|redirect|escalat|the policy|health's|NHS)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"“])")


def situation_and_why(description: str) -> tuple[str, str]:
    """Split a scenario's description into the situation (what the caller says) and the closing
    sentence that explains the policy's answer, when it has one."""
    sentences = _SENTENCE.split(description.strip())
    if len(sentences) > 1 and _EXPLAINS.search(sentences[-1]):
        return " ".join(sentences[:-1]), sentences[-1]
    return description.strip(), ""


def card_why(card: PracticeCard) -> str:
    """Why the policy answers a scenario card as it does (its scenario's closing sentence), or ""."""
    if not card.scenario_name:
        return ""
    scenario = PolicyScenario.objects.filter(element_id=card.element_id, name=card.scenario_name).first()
    return situation_and_why(scenario.description)[1] if scenario else ""


TAKE_CALLS = "accounts.take_calls"
TRAIN = "accounts.manage_training"
POLICY = "accounts.manage_policies"
PRACTISERS = (TAKE_CALLS, TRAIN, POLICY)


def may_practise(user: User) -> bool:
    return any(user.has_perm(p) for p in PRACTISERS)


def may_practise_on(*, user: User, version: PolicyVersion) -> bool:
    """The live version: anyone who practises. An approved draft: trainers and policy owners."""
    if version.status == PolicyVersion.Status.PUBLISHED:
        return may_practise(user)
    if version.status == PolicyVersion.Status.APPROVED:
        return user.has_perm(TRAIN) or user.has_perm(POLICY)
    return False


def practice_cards_for(user: User) -> list[PracticeCard]:
    """The active cards the user may practise on: the live versions', and approved drafts' for
    trainers and policy owners (one query)."""
    statuses = [PolicyVersion.Status.PUBLISHED]
    if user.has_perm(TRAIN) or user.has_perm(POLICY):
        statuses.append(PolicyVersion.Status.APPROVED)
    return list(
        PracticeCard.objects.filter(active=True, policy_version__status__in=statuses)
        .select_related("element", "policy_version")
        .defer("policy_version__document")
        .order_by("element__order", "policy_version__number", "source", "title")
    )


def practice_card_get(*, user: User, pk: int) -> PracticeCard:
    card = PracticeCard.objects.select_related("element", "policy_version").filter(pk=pk, active=True).first()
    if card is None or not may_practise_on(user=user, version=card.policy_version):
        raise NotFound("No such practice card")
    return card


def practice_decision_get(*, user: User, reference: UUID) -> Decision:
    """One of the user's own practice calls (404 otherwise)."""
    decision = (
        Decision.all_calls.for_page()
        .select_related("practice_card", "practice_set")
        .filter(practice=True, handler=user, reference=reference)
        .first()
    )
    if decision is None:
        raise NotFound("No such practice call")
    return decision


def practice_results_mine(*, user: User, limit: int = 20) -> QuerySet[PracticeResult]:
    return (
        PracticeResult.objects.filter(user=user)
        .select_related("card__element")
        .order_by("-completed_at")[:limit]
    )


def practice_open_mine(*, user: User) -> QuerySet[Decision]:
    return Decision.all_calls.filter(
        practice=True, handler=user, status=Decision.Status.IN_PROGRESS
    ).select_related("practice_card")


@dataclass(frozen=True)
class Line:
    """One question on either path: the answer the card expects and the one given."""

    question_id: str
    question_text: str
    expected: str  # "" when the expected path does not reach the question
    given: str  # "" when the trainee's path did not reach it

    @property
    def same(self) -> bool:
        return self.expected == self.given


@dataclass(frozen=True)
class Comparison:
    card: PracticeCard
    lines: list[Line]
    expected_category: str
    expected_modifiers: tuple[str, ...]
    expected_agency: str
    category: str
    modifiers: tuple[str, ...]
    agency: str
    override: bool
    problem: str = ""  # the card's answers no longer walk on this flow (shown, never hidden)

    @property
    def category_right(self) -> bool:
        return self.category == self.expected_category

    @property
    def modifiers_right(self) -> bool:
        return sorted(self.modifiers) == sorted(self.expected_modifiers)

    @property
    def agency_right(self) -> bool:
        return not self.expected_agency or self.agency == self.expected_agency

    @property
    def passed(self) -> bool:
        return not self.problem and self.category_right and self.modifiers_right and self.agency_right

    @property
    def differences(self) -> list[Line]:
        return [line for line in self.lines if not line.same]

    def differences_json(self) -> list[dict[str, str]]:
        return [
            {
                "question_id": d.question_id,
                "question_text": d.question_text,
                "expected": d.expected,
                "given": d.given,
            }
            for d in self.differences
        ]

    @staticmethod
    def label(category: str, modifiers: tuple[str, ...]) -> str:
        if not category:
            return "No outcome"
        name = engine.CATEGORY_LABELS.get(engine.Category(category), category)
        return name + "".join(f" +{m}" for m in modifiers)

    @property
    def expected_label(self) -> str:
        return self.label(self.expected_category, self.expected_modifiers)

    @property
    def given_label(self) -> str:
        return self.label(self.category, self.modifiers)


def _labels(flow: engine.Flow, walked: engine.Walk) -> dict[str, tuple[str, str]]:
    """Each asked question's id -> (text, the words of the answer), in walk order."""
    return {
        step.question.id: (step.question.text, value_label(step.question, step.value))
        for step in walked.asked
    }


def card_facts(card: PracticeCard) -> dict[str, str]:
    """What the call page answers on the card's walk: the caller, and its facts (the s136 clock)."""
    caller = engine.caller_word(card.caller_type, card.partner_kind) if card.caller_type else ""
    return walk_facts(caller, {k: str(v) for k, v in (card.facts or {}).items()})


def expected_walk(card: PracticeCard, flow: engine.Flow) -> engine.Walk:
    """The walk the card expects (raises the engine's errors when its answers no longer fit)."""
    facts = card_facts(card)
    given, _ = engine.run_scenario(flow, card.answers, facts)
    return engine.walk(flow, given, facts)


def compare(card: PracticeCard, state: CallState) -> Comparison:
    """A practice call against its card: every question on either path, and the outcome."""
    decision = state.decision
    flow = state.flow or decision_flow(decision)
    problem = ""
    expected: Mapping[str, tuple[str, str]] = {}
    if flow is not None:
        try:
            expected = _labels(flow, expected_walk(card, flow))
        except (engine.ScenarioError, engine.InvalidAnswer, engine.FlowDefinitionError) as error:
            problem = f"The card's answers no longer fit this flow ({error}); tell a trainer."
    given: dict[str, tuple[str, str]] = {}
    if flow is not None and state.walk is not None:
        given = _labels(flow, state.walk)
    order = [*given, *(qid for qid in expected if qid not in given)]
    lines = [
        Line(
            question_id=qid,
            question_text=(given.get(qid) or expected.get(qid) or ("", ""))[0],
            expected=expected.get(qid, ("", ""))[1],
            given=given.get(qid, ("", ""))[1],
        )
        for qid in order
    ]
    return Comparison(
        card=card,
        lines=lines,
        expected_category=card.expected_category,
        expected_modifiers=tuple(card.expected_modifiers or ()),
        expected_agency=card.expected_agency,
        category=decision.outcome_category,
        modifiers=tuple(decision.outcome_modifiers or ()),
        agency=decision.agency_key,
        override=decision.override,
        problem=problem,
    )
