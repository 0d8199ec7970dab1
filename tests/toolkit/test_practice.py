"""Practice calls on the real flows: cards from a version's scenarios, a practice call on the live
call page, the comparison with the card, and proof that a practice call is never a live record
(decision log, exports, dashboards, review queue, register, escalation queue)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from policies.models import PolicyVersion
from tests.policies.factories import published_v2, published_version
from tests.toolkit.helpers import walk
from toolkit import services
from toolkit.models import DailyCount, Decision, Escalation, ReviewItem
from toolkit.selectors.practice import situation_and_why
from training.models import PracticeCard, PracticeResult

pytestmark = pytest.mark.usefixtures("gate_off")


def card_named(name: str) -> PracticeCard:
    return PracticeCard.objects.get(scenario_name=name)


def first_card(category: str, slug: str = "welfare") -> PracticeCard:
    return (
        PracticeCard.objects.filter(element__slug=slug, expected_category=category, facts={})
        .exclude(caller_type="partner")
        .order_by("pk")
        .first()
    )


def practise(client: Any, card: PracticeCard, answers: dict[str, Any] | None = None) -> Decision:
    """Start a practice call from the card's page and walk it with `answers` (the card's own by default)."""
    response = client.post(f"/toolkit/practice/cards/{card.pk}/start/", {"token": ""})
    assert response.status_code == 302, response.content.decode()[-800:]
    decision = Decision.all_calls.get(reference=response.url.rstrip("/").split("/")[-1])
    return walk(client, decision, {**card.answers, **(answers or {})})


def complete(client: Any, decision: Decision) -> Any:
    decision.refresh_from_db()
    return client.post(
        f"/toolkit/calls/{decision.reference}/complete/",
        {
            "step": decision.step,
            "caller_told": "yes",
            "safeguarding_referral": "made",
            "before_answer": "yes",
        },
    )


@pytest.fixture
def with_scenarios(v2: dict[str, PolicyVersion]) -> dict[str, PolicyVersion]:
    """v2 live with each element's scenarios (what practice cards are made from)."""
    return {slug: published_v2(slug) for slug in v2}


@pytest.fixture
def cards(with_scenarios: dict[str, PolicyVersion]) -> dict[str, PolicyVersion]:
    for version in with_scenarios.values():
        services.practice_cards_make(version=version)
    return with_scenarios


def test_each_scenario_of_a_version_becomes_one_card_and_making_them_again_adds_none(
    with_scenarios: dict[str, PolicyVersion],
) -> None:
    v2 = with_scenarios
    made = services.practice_cards_make(version=v2["welfare"])
    applying = [s for s in v2["welfare"].element.scenarios.all() if s.applies_to(2)]
    assert made == len(applying) > 0
    assert services.practice_cards_make(version=v2["welfare"]) == 0
    card = card_named("Man with a knife threatening his partner, neighbour mentions his mental health")
    # The sentence that gives the policy's answer away is not on the card.
    assert "ordinary policing" not in card.situation
    assert card.situation.startswith("A neighbour hears screaming next door")
    assert (card.expected_category, card.expected_modifiers) == ("DEPLOY", ["NON_RCRP"])


def test_the_situation_keeps_a_description_that_explains_nothing() -> None:
    assert situation_and_why("A ward nurse reports a patient left. She cannot find him.") == (
        "A ward nurse reports a patient left. She cannot find him.",
        "",
    )
    assert situation_and_why("A man collapses. Police attend and the ambulance is requested.")[1] == (
        "Police attend and the ambulance is requested."
    )


def test_a_practice_call_walks_the_real_page_marked_practice_and_compares_with_the_card(
    client: Any, call_handler: Any, cards: Any
) -> None:
    client.force_login(call_handler)
    card = first_card("SIGNPOST")
    decision = practise(client, card)
    page = client.get(f"/toolkit/calls/{decision.reference}/").content.decode()
    assert 'id="practice-banner"' in page
    assert "<title>PRACTICE: " in page
    response = complete(client, decision)
    assert response.url == f"/toolkit/practice/results/{decision.reference}/"
    result = PracticeResult.objects.get()
    assert result.passed
    assert (result.user, result.card, result.differences) == (call_handler, card, [])
    body = client.get(response.url).content.decode()
    assert "Same outcome as the policy" in body
    assert 'id="path-comparison"' in body


def test_a_different_path_is_not_passed_and_names_the_question_where_it_differed(
    client: Any, call_handler: Any, cards: Any
) -> None:
    client.force_login(call_handler)
    signpost, deploy = first_card("SIGNPOST"), first_card("DEPLOY")
    # The handler answers the signposting card as if it were the deploy one.
    decision = practise(client, signpost, deploy.answers)
    complete(client, decision)
    result = PracticeResult.objects.get()
    assert not result.passed
    assert result.outcome_category == "DEPLOY"
    first_asked = decision.answers.order_by("sequence").first()
    assert result.differences[0]["question_id"] == first_asked.question_id
    body = client.get(f"/toolkit/practice/results/{decision.reference}/").content.decode()
    assert "Not the policy&#x27;s outcome" in body or "Not the policy's outcome" in body
    assert "Different" in body


def test_a_practice_call_is_never_a_live_record(
    client: Any, call_handler: Any, supervisor: Any, auditor: Any, cards: Any
) -> None:
    client.force_login(call_handler)
    decision = practise(client, first_card("REFUSE_REDIRECT") or first_card("SIGNPOST"))
    # Asking a supervisor in practice asks nobody.
    page = client.get(f"/toolkit/calls/{decision.reference}/escalate/").content.decode()
    assert "In practice nobody is asked" in page
    assert (
        client.post(f"/toolkit/calls/{decision.reference}/escalate/", {"reason": "unsure"}).status_code == 200
    )
    with pytest.raises(ValidationError, match="practice call"):
        services.escalation_raise(reference=decision.reference, actor=call_handler, reason="unsure")
    complete(client, decision)
    services.review_queue_build()
    assert not Escalation.objects.exists()
    assert not ReviewItem.objects.exists()
    assert not DailyCount.objects.exists()
    assert not Decision.objects.exists()  # the live manager every reader uses
    ref = str(decision.reference)
    for reader in (supervisor, auditor, call_handler):
        client.force_login(reader)
        for url in ("/toolkit/decisions/", "/toolkit/decisions/export.csv", "/toolkit/my-calls/"):
            response = client.get(url)
            if response.status_code == 200:
                body = b"".join(response.streaming_content) if response.streaming else response.content
                assert ref.encode() not in body, (reader, url)
        assert client.get(f"/toolkit/decisions/{ref}/").status_code == 404
    client.force_login(supervisor)
    dashboard = client.get("/toolkit/dashboard/")
    assert dashboard.context["board"].total.decisions == 0
    assert ref not in client.get("/toolkit/register/").content.decode()
    assert ref not in client.get("/toolkit/escalations/").content.decode()
    assert ref not in client.get("/toolkit/reviews/").content.decode()


def test_an_escalate_outcome_in_practice_raises_no_escalation(
    client: Any, call_handler: Any, cards: Any
) -> None:
    card = next(c for c in PracticeCard.objects.order_by("pk") if "ESCALATE" in c.expected_modifiers)
    client.force_login(call_handler)
    decision = practise(client, card)
    decision.refresh_from_db()
    assert "ESCALATE" in decision.outcome_modifiers
    assert not Escalation.objects.exists()


def test_trainers_and_policy_owners_practise_drafts_and_handlers_only_the_live_version(
    client: Any, call_handler: Any, trainer: Any, cards: Any, policy_owner: Any, second_policy_owner: Any
) -> None:
    live = cards["welfare"]
    draft = published_version(  # v3: approved, not yet published
        author=policy_owner,
        approver=second_policy_owner,
        element=live.element,
        number=3,
        document=live.document,
        content_hash=live.content_hash,
        status=PolicyVersion.Status.APPROVED,
        published_at=None,
        effective_from=None,
    )
    services.practice_cards_make(version=draft)
    on_draft = PracticeCard.objects.filter(policy_version=draft).first()
    client.force_login(call_handler)
    assert client.get(f"/toolkit/practice/cards/{on_draft.pk}/").status_code == 404
    client.force_login(trainer)
    assert client.get(f"/toolkit/practice/cards/{on_draft.pk}/").status_code == 200
    # A trainer (no live calls) practises on the call page, and can never reach a live call.
    decision = practise(client, on_draft)
    assert decision.practice
    assert client.get("/toolkit/start/").status_code == 403


def test_a_trainer_saves_a_practice_call_as_a_card(client: Any, trainer: Any, cards: Any) -> None:
    client.force_login(trainer)
    decision = practise(client, first_card("SIGNPOST"))
    complete(client, decision)
    response = client.post(
        f"/toolkit/practice/results/{decision.reference}/card/",
        {"title": "Worried daughter, mum fine", "situation": "A daughter cannot reach her mother."},
    )
    assert response.status_code == 302
    card = PracticeCard.objects.get(source="trainer")
    assert (card.created_by, card.expected_category) == (trainer, "SIGNPOST")
    assert card.answers == {a.question_id: a.value for a in decision.answers.order_by("sequence")}
    bad = client.post(f"/toolkit/practice/results/{decision.reference}/card/", {"title": "", "situation": ""})
    assert bad.status_code == 400
    assert "Enter a title for the card" in bad.content.decode()
    assert PracticeCard.objects.filter(source="trainer").count() == 1
