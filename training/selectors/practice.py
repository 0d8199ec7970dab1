"""Practice reads: cards, sets, how a person stands against a set, and where trainees go wrong."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

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
    return [entry.card for entry in practice_set.entries.select_related("card__element").order_by("order")]


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


def practice_results_for_user(*, user: User) -> QuerySet[PracticeResult]:
    return PracticeResult.objects.filter(user=user).select_related("card__element", "practice_set")
