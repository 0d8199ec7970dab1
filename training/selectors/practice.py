"""Practice reads: cards, sets, how a person stands against a set, and where trainees go wrong."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from policies.models import PolicyVersion
from policies.selectors import changed_questions, policy_version_before, policy_version_diff
from rcrp.accounts.models import User
from training.models import PracticeCard, PracticeResult, PracticeSet


@dataclass(frozen=True)
class SetProgress:
    """A person against a practice set: which of its cards they have passed (any attempt counts)."""

    practice_set: PracticeSet
    total: int
    passed_cards: frozenset[int]
    attempted_cards: frozenset[int]

    @property
    def passed_count(self) -> int:
        return len(self.passed_cards)

    @property
    def passed(self) -> bool:
        return self.passed_count >= self.practice_set.pass_mark

    @property
    def summary(self) -> str:
        verdict = "passed" if self.passed else "not passed yet"
        mark = self.practice_set.pass_mark
        return f"{self.passed_count} of {self.total} cards passed (pass mark {mark}): {verdict}"


def practice_set_cards(practice_set: PracticeSet) -> list[PracticeCard]:
    """The set's cards in order (one query)."""
    entries = (
        practice_set.entries.select_related("card__element", "card__policy_version")
        .defer("card__policy_version__document")
        .order_by("order")
    )
    return [entry.card for entry in entries]


def practice_progress_for_users(*, practice_set: PracticeSet, users: Iterable[int]) -> dict[int, SetProgress]:
    """Each user's progress against the set, by user id (two queries whatever the number of users)."""
    card_ids = list(practice_set.entries.values_list("card_id", flat=True))
    wanted = set(users)
    passed: dict[int, set[int]] = {pk: set() for pk in wanted}
    attempted: dict[int, set[int]] = {pk: set() for pk in wanted}
    rows = PracticeResult.objects.filter(user_id__in=wanted, card_id__in=card_ids).values_list(
        "user_id", "card_id", "passed"
    )
    for user_id, card_id, ok in rows:
        attempted[user_id].add(card_id)
        if ok:
            passed[user_id].add(card_id)
    return {
        pk: SetProgress(practice_set, len(card_ids), frozenset(passed[pk]), frozenset(attempted[pk]))
        for pk in wanted
    }


def practice_progress(*, practice_set: PracticeSet, user: User | None) -> SetProgress:
    """One person's progress against the set (nobody signed in: nothing passed)."""
    if user is None:
        return SetProgress(practice_set, practice_set.entries.count(), frozenset(), frozenset())
    return practice_progress_for_users(practice_set=practice_set, users=[user.pk])[user.pk]


def practice_set_list() -> QuerySet[PracticeSet]:
    return (
        PracticeSet.objects.annotate(card_count=Count("entries"))
        .prefetch_related("courses")
        .order_by("-created_at")
    )


def practice_cards_to_choose() -> list[PracticeCard]:
    """Active cards on published or approved versions, by element (what a set may hold)."""
    return list(
        PracticeCard.objects.filter(active=True, policy_version__status__in=["published", "approved"])
        .select_related("element", "policy_version")
        .defer("policy_version__document")
        .order_by("element__order", "-policy_version__number", "title")
    )


@dataclass
class CardStat:
    card: PracticeCard
    attempts: int = 0
    passed: int = 0
    people: int = 0

    @property
    def pass_rate(self) -> int | None:
        return round(100 * self.passed / self.attempts) if self.attempts else None


@dataclass
class QuestionStat:
    question_id: str
    question_text: str
    wrong: int = 0  # results whose path differed at this question
    answers: Counter[str] = field(default_factory=Counter)  # what was given instead

    @property
    def commonest(self) -> str:
        if not self.answers:
            return ""
        given, _ = self.answers.most_common(1)[0]
        return given or "Not reached"


RECENT_RESULTS = 20_000
"""How many of the most recent results the question figures read (the page says so)."""


def practice_stats(*, cards: Iterable[PracticeCard]) -> tuple[list[CardStat], list[QuestionStat], int]:
    """Where trainees go wrong: per card, attempts and pass rate, least passed first; per question,
    how many results differed there and the commonest answer given instead (two queries)."""
    by_card = {c.pk: CardStat(c) for c in cards}
    rows = (
        PracticeResult.objects.filter(card_id__in=list(by_card))
        .values("card_id")
        .annotate(
            attempts=Count("pk"),
            passed=Count("pk", filter=Q(passed=True)),
            people=Count("user_id", distinct=True),
        )
    )
    for row in rows:
        stat = by_card[row["card_id"]]
        stat.attempts, stat.passed, stat.people = row["attempts"], row["passed"], row["people"]
    questions: dict[str, QuestionStat] = {}
    recent = (
        PracticeResult.objects.filter(card_id__in=list(by_card), passed=False)
        .order_by("-completed_at")
        .values_list("differences", flat=True)[:RECENT_RESULTS]
    )
    read = 0
    for differences in recent:
        read += 1
        for d in differences or []:
            stat = questions.setdefault(d["question_id"], QuestionStat(d["question_id"], d["question_text"]))
            stat.wrong += 1
            stat.answers[d.get("given", "")] += 1
    cards_sorted = sorted(
        by_card.values(), key=lambda s: (s.pass_rate is None, s.pass_rate or 0, s.card.title)
    )
    return cards_sorted, sorted(questions.values(), key=lambda q: -q.wrong), read


@dataclass(frozen=True)
class PolicyChange:
    """What a version changed, for the handler acknowledging it: the changes in words, grouped by
    question or outcome, and the practice cards that go through the changed questions."""

    version: PolicyVersion
    before: PolicyVersion | None
    groups: list[Any]
    cards: list[PracticeCard]


def policy_change_for(version: PolicyVersion) -> PolicyChange:
    """The diff against the version it replaced, and its active cards touching a changed question."""
    before = policy_version_before(version)
    groups = policy_version_diff(before, version) if before is not None else []
    changed = set(changed_questions(version, before))
    cards = [
        card
        for card in PracticeCard.objects.filter(policy_version=version, active=True).order_by("title")
        if changed & set(card.answers or {})
    ]
    return PolicyChange(version=version, before=before, groups=groups, cards=cards)
