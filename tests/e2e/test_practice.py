"""Practice in a real browser: a trainee walks a practice card by keyboard on the real call page,
marked PRACTICE on every screen, and sees the comparison; none of it reaches the decision log,
the dashboard or the review queue."""

from __future__ import annotations

from typing import Any

import pytest

from policies.selectors import flow_for_version
from tests.e2e.helpers import answer_by_keyboard, assert_accessible
from tests.policies.factories import published_v2
from toolkit import services
from toolkit.models import Decision, ReviewItem
from toolkit.selectors.practice import expected_walk
from training.models import PracticeCard, PracticeResult

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("gate_off"),
]


def test_a_trainee_walks_a_practice_card_by_keyboard_and_nothing_reaches_the_live_record(
    signed_in: Any, live_server: Any, call_handler: Any, supervisor: Any, v2: Any
) -> None:
    version = published_v2("welfare")  # with its scenarios
    services.practice_cards_make(version=version)
    card = (
        PracticeCard.objects.filter(
            element__slug="welfare", expected_category="SIGNPOST", caller_type="public"
        )
        .order_by("pk")
        .first()
    )
    flow = flow_for_version(version)
    expected = {step.question.id: step.value for step in expected_walk(card, flow).asked}
    base = live_server.url
    page = signed_in(call_handler)
    page.goto(base + "/toolkit/practice/")
    assert_accessible(page)
    page.locator(f"a[href='/toolkit/practice/cards/{card.pk}/']").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert card.title in page.inner_text("h1")
    assert_accessible(page)
    page.locator("#start-practice").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for _ in range(30):
        if page.locator("input[name=question_id]").count() == 0:
            break
        assert "PRACTICE" in page.inner_text("#practice-banner")
        assert page.title().startswith("PRACTICE: ")
        question = flow.questions[page.locator("input[name=question_id]").get_attribute("value")]
        value = expected[question.id]
        answer_by_keyboard(page, question, list(value) if isinstance(value, tuple) else value)
    assert "PRACTICE" in page.inner_text("#practice-banner")  # the outcome page too
    assert_accessible(page)
    page.locator("#caller_told").focus()
    page.keyboard.press("Space")
    page.locator("button", has_text="Complete the call").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Same outcome as the policy" in page.inner_text("#practice-verdict")
    assert "Same" in page.inner_text("#outcome-comparison")
    assert card.expected_category.title()[:4] in page.inner_text("#outcome-comparison").title()
    assert_accessible(page)
    assert PracticeResult.objects.get().passed
    # Nothing of it in the live record.
    services.review_queue_build()
    assert not ReviewItem.objects.exists()
    assert not Decision.objects.exists()
    desk = signed_in(supervisor)
    desk.goto(base + "/toolkit/decisions/")
    assert "No decisions match" in desk.inner_text("main") or desk.locator("#log-table tbody tr").count() == 0
    desk.goto(base + "/toolkit/dashboard/")
    assert "0\ndecisions" in desk.inner_text("#dashboard-totals")
    desk.goto(base + "/toolkit/reviews/")
    practice_ref = str(Decision.all_calls.get().reference)
    assert practice_ref not in desk.content()
