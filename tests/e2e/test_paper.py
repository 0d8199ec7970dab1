"""A paper record in a real browser, by keyboard alone: tick "I am entering a decision made on
paper", give the date and time it was made, enter the paper's answers and complete the call."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from policies import content
from policies import flow as engine
from tests.e2e.helpers import answer_by_keyboard, assert_accessible, press
from toolkit.models import Decision

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("gate_off")]


def test_a_paper_record_is_entered_and_completed_by_keyboard(
    login_page: Any, live_server: Any, call_handler: Any, welfare: Any
) -> None:
    when = (
        (timezone.now() - dt.timedelta(hours=2))
        .astimezone(ZoneInfo("Europe/London"))
        .replace(second=0, microsecond=0)
    )
    page = login_page(call_handler)
    page.goto(f"{live_server.url}/toolkit/start/?element=welfare&ref=CAD 88/01DEC26")
    press(page, "input[name=caller_type][value=public]", "Space")
    assert not page.locator("#id_paper_day").is_visible()  # closed until ticked
    press(page, "#id_paper", "Space")
    assert page.locator("#id_paper_day").is_visible()
    assert_accessible(page)  # the start page with the paper option open

    page.keyboard.press("Tab")  # into the revealed date: day, month, year, then time and reference
    assert page.evaluate("document.activeElement.id") == "id_paper_day"
    for value in (str(when.day), str(when.month), str(when.year), f"{when:%H:%M}", "PF-0099"):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.locator("button", has_text="Start the call").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    mark = f"Entered from a paper record made at {when:%H:%M} on {when.day} {when:%b %Y}"
    assert mark in page.inner_text("#paper-mark")
    flow = engine.parse(content.flow_document("welfare", 1))
    question = flow.questions[page.locator("input[name=question_id]").get_attribute("value")]
    answer_by_keyboard(page, question, "yes")  # the paper says: immediate danger
    assert mark in page.inner_text("#paper-mark")
    page.locator("button", has_text="Complete the call").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert mark in page.inner_text("#paper-mark")  # the decision page
    decision = Decision.objects.get()
    assert decision.status == Decision.Status.COMPLETED
    assert (decision.paper_made_at, decision.paper_reference) == (when, "PF-0099")
    assert decision.answers.get().answered_at > decision.paper_made_at  # answered when entered
