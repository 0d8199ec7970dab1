"""Practice sets: a trainer builds cards in order with a pass mark; where trainees go wrong, per
card and per question; progress against a set."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.policies.factories import published_v2
from toolkit import services
from training.models import PracticeCard, PracticeResult, PracticeSet
from training.selectors.practice import practice_progress

URL = "/training/practice/"


@pytest.fixture
def cards(db: None, policy_owner: Any, second_policy_owner: Any) -> list[PracticeCard]:
    version = published_v2("welfare", author=policy_owner, approver=second_policy_owner)
    services.practice_cards_make(version=version)
    return list(PracticeCard.objects.order_by("pk")[:4])


def result(
    user: Any, card: PracticeCard, *, passed: bool, differences: list[dict[str, str]] | None = None
) -> None:
    PracticeResult.objects.create(
        user=user,
        card=card,
        decision_reference=uuid.uuid4(),
        policy_version=card.policy_version,
        passed=passed,
        differences=differences or [],
    )


def test_a_trainer_builds_a_set_in_the_chosen_order(
    client: Any, trainer: Any, cards: list[PracticeCard]
) -> None:
    client.force_login(trainer)
    a, b, c = cards[:3]
    response = client.post(
        f"{URL}new/",
        {
            "title": "Welfare basics",
            "pass_mark": "2",
            "cards": [a.pk, b.pk, c.pk],
            f"position_{c.pk}": "1",
            f"position_{a.pk}": "2",
            f"position_{b.pk}": "3",
        },
    )
    assert response.status_code == 302
    chosen = PracticeSet.objects.get()
    assert [e.card_id for e in chosen.entries.order_by("order")] == [c.pk, a.pk, b.pk]
    assert chosen.pass_mark == 2
    assert "Welfare basics" in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "pass_mark": "1"}, "Enter a title for the practice set"),
        ({"title": "X", "pass_mark": "1"}, "Choose at least one practice card"),
        ({"title": "X", "pass_mark": "5", "cards": "first"}, "Enter a pass mark from 1 to 1"),
        ({"title": "X", "pass_mark": "9" * 50, "cards": "first"}, "Enter a pass mark from 1 to 1"),
        ({"title": "X", "pass_mark": "1", "cards": "999999"}, "Choose at least one practice card"),
    ],
)
def test_a_bad_set_is_a_clear_400_and_saves_nothing(
    client: Any, trainer: Any, cards: list[PracticeCard], data: dict[str, str], message: str
) -> None:
    client.force_login(trainer)
    if data.get("cards") == "first":
        data = {**data, "cards": str(cards[0].pk)}
    response = client.post(f"{URL}new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PracticeSet.objects.exists()


def test_trainers_see_the_cards_that_teach_least_and_the_questions_that_confuse_most(
    client: Any, trainer: Any, call_handler: Any, second_call_handler: Any, cards: list[PracticeCard]
) -> None:
    easy, hard = cards[:2]
    wrong = [
        {
            "question_id": "q_threshold",
            "question_text": "Is anyone in danger now?",
            "expected": "No",
            "given": "Yes",
        }
    ]
    result(call_handler, easy, passed=True)
    result(second_call_handler, easy, passed=True)
    result(call_handler, hard, passed=False, differences=wrong)
    result(second_call_handler, hard, passed=False, differences=wrong)
    result(second_call_handler, hard, passed=True)
    client.force_login(trainer)
    body = client.get(URL).content.decode()
    assert body.index(hard.title) < body.index(easy.title)  # least passed first
    assert "33%" in body
    assert "100%" in body
    assert "Is anyone in danger now?" in body
    assert ">2</td>" in body  # twice answered differently


def test_progress_counts_each_card_passed_once_against_the_pass_mark(
    call_handler: Any, trainer: Any, cards: list[PracticeCard]
) -> None:
    chosen = services_set(trainer, cards[:3], pass_mark=2)
    result(call_handler, cards[0], passed=True)
    result(call_handler, cards[0], passed=True)
    result(call_handler, cards[1], passed=False)
    progress = practice_progress(practice_set=chosen, user=call_handler)
    assert (progress.passed_count, progress.passed) == (1, False)
    result(call_handler, cards[1], passed=True)
    assert practice_progress(practice_set=chosen, user=call_handler).passed


def services_set(actor: Any, cards: list[PracticeCard], *, pass_mark: int) -> PracticeSet:
    from training.services.practice import practice_set_create

    return practice_set_create(title="Set", pass_mark=pass_mark, card_ids=[c.pk for c in cards], actor=actor)


def test_the_practice_pages_take_a_fixed_number_of_queries(
    client: Any, trainer: Any, call_handler: Any, cards: list[PracticeCard], django_assert_num_queries: Any
) -> None:
    chosen = services_set(trainer, cards, pass_mark=2)
    client.force_login(trainer)
    client.get(URL)
    for card in cards:
        result(call_handler, card, passed=False)
    # session, the user with their permissions, the cards, the sets and their courses, two for the figures
    with django_assert_num_queries(7):
        assert client.get(URL).status_code == 200
    # session, the user with their permissions, the set and its courses, its cards, two for the figures
    with django_assert_num_queries(7):
        assert client.get(f"{URL}{chosen.pk}/").status_code == 200


def test_a_practice_result_cannot_be_changed_in_the_database_on_postgresql(
    call_handler: Any, cards: list[PracticeCard]
) -> None:
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    result(call_handler, cards[0], passed=False)
    for sql in ("UPDATE training_practiceresult SET passed = true", "DELETE FROM training_practiceresult"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert not PracticeResult.objects.get().passed
