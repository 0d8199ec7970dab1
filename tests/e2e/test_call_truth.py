"""The live call tells the truth, in a real browser, by keyboard, with an axe scan of each new page.

Two tabs answering one question differently see both answers and choose; deploying from the start
page keeps what was typed (once, however often the button is pressed); the override asks for LAS
and keeps its first reason; an +ESCALATE outcome asks a supervisor by itself, and completing the
call before the supervisor answers needs the handler's confirmation and says so on the decision.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from policies import content
from policies import flow as engine
from policies.models import Element
from tests.e2e.helpers import (
    answer_by_keyboard,
    assert_accessible,
    posting_to,
    press,
    question_on,
    start_by_keyboard,
)
from toolkit.models import Decision, DecisionAnswer, Escalation
from toolkit.selectors import call_state

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("gate_off"),
]

FIRST = "q_immediate_danger"  # welfare's first question: "Is anyone in immediate danger …?"
CONFLICT_TITLE = "This question was answered differently in another tab"
REF = "CAD 4321/26NOV26"


def shares_one_connection() -> bool:
    """live_server on in-memory SQLite serves every request thread through one shared connection:
    two requests at once interfere inside the database driver there, whatever the app does, so
    the concurrent double submits are checked on PostgreSQL only."""
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


# --- 1. Two tabs, different answers ---------------------------------------------------------------------


def test_two_tabs_answering_differently_see_both_answers_and_choose(
    login_page: Any, live_server: Any, call_handler: Any, v1: Any
) -> None:
    base = live_server.url
    tab_a = login_page(call_handler)
    decision = start_by_keyboard(tab_a, base, "welfare")
    call_url = f"{base}/toolkit/calls/{decision.reference}/"
    tab_b = tab_a.context.new_page()
    tab_b.goto(call_url)
    tab_c = tab_a.context.new_page()  # a third stale tab, for the harmless repeat
    tab_c.goto(call_url)
    flow = engine.parse(content.flow_document("welfare"))
    first = flow.questions[FIRST]
    for tab in (tab_a, tab_b, tab_c):
        assert question_on(tab) == FIRST

    response = answer_by_keyboard(tab_a, first, "no")
    assert response.status == 302
    assert question_on(tab_a) != FIRST  # tab A moved on

    # A stale tab repeating the recorded answer: no conflict page, nothing new stored.
    decision.refresh_from_db()
    step, stored = decision.step, DecisionAnswer.objects.filter(decision=decision).count()
    response = answer_by_keyboard(tab_c, first, "no")
    assert response.status == 302
    assert CONFLICT_TITLE not in tab_c.inner_text("main")
    assert question_on(tab_c) == question_on(tab_a)
    decision.refresh_from_db()
    assert decision.step == step
    assert DecisionAnswer.objects.filter(decision=decision).count() == stored

    # Tab B, still on the first question, answers it differently: a conflict page (409).
    response = answer_by_keyboard(tab_b, first, "yes")
    assert response.status == 409
    assert tab_b.inner_text("h1") == CONFLICT_TITLE
    assert "No" in tab_b.inner_text("#clash-recorded")
    assert "Yes" in tab_b.inner_text("#clash-posted")
    mine = tab_b.locator("#record-mine")
    assert mine.inner_text().startswith("Record my answer: Yes")
    keep = tab_b.locator("#keep-recorded")
    assert keep.get_attribute("href") == f"/toolkit/calls/{decision.reference}/"
    assert tab_b.evaluate("document.activeElement.id") == "record-mine"  # autofocus: Enter records mine
    decision.refresh_from_db()
    assert decision.step == step  # the conflict recorded nothing yet
    assert DecisionAnswer.objects.filter(decision=decision).count() == stored
    assert_accessible(tab_b)

    with tab_b.expect_navigation():
        tab_b.keyboard.press("Enter")
    decision.refresh_from_db()
    state = call_state(decision)
    assert state.path[0].question_id == FIRST
    assert state.path[0].value == "yes"
    given = DecisionAnswer.objects.filter(decision=decision, question_id=FIRST).order_by("sequence")
    history = [a.value for a in given]
    assert history == ["no", "yes"]  # both answers stay in the record
    assert_accessible(tab_b)  # where recording the change led


# --- 2. Deploy from the start page ----------------------------------------------------------------------


def fill_start_page(page: Any, base: str, element: Element) -> None:
    page.goto(base + "/toolkit/start/")
    page.locator("#id_incident_ref").focus()
    page.keyboard.type(REF)
    press(page, f"input[name=element][value='{element.pk}']", "Space")
    press(page, "input[name=caller_type][value=self]", "Space")
    page.locator("#override_reason").focus()
    page.keyboard.type("Caller has a knife")
    press(page, "#start_las", "Space")
    assert page.locator("#start_las").is_checked()


def _lands_on_the_call(page: Any) -> None:
    """The page ends on the call, however the two submits raced: the second POST may abort the
    first one's navigation (net::ERR_ABORTED), which `wait_for_url` reports as a failure; the URL
    is polled instead."""
    expect(page).to_have_url(re.compile(r"/toolkit/calls/[0-9a-f-]+/"))


def test_deploy_from_the_start_page_keeps_what_was_typed_and_records_once(
    login_page: Any, live_server: Any, call_handler: Any, v1: Any
) -> None:
    base = live_server.url
    page = login_page(call_handler)
    awol = Element.objects.get(slug="awol")
    fill_start_page(page, base, awol)
    assert_accessible(page)
    page.locator("#deploy-now").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    decision = Decision.objects.latest("started_at")
    assert Decision.objects.count() == 1
    assert decision.override is True
    assert decision.outcome_category == "DEPLOY"
    assert "LAS" in decision.outcome_modifiers
    assert decision.caller_type == "self"
    assert decision.element == awol
    assert decision.incident_ref == REF
    assert decision.override_reason == "Caller has a knife"
    assert REF in decision.record_text
    assert "RCRP RCRP" not in decision.record_text
    assert "+LAS" in page.inner_text(".govuk-panel__title")
    assert_accessible(page)  # the outcome page of a deploy from the start

    # The same form sent again, three ways: a double click, Enter pressed twice, a retried POST.
    # Each leaves one decision: the form's one-time token finds the decision it already made.
    made = 1
    if not shares_one_connection():
        fill_start_page(page, base, awol)
        page.dblclick("#deploy-now")  # Chromium sends one POST or two
        _lands_on_the_call(page)
        time.sleep(0.5)  # let an overtaken request finish on the server
        made += 1
        assert Decision.objects.count() == made
        second = Decision.objects.latest("started_at")
        assert second.override
        assert "LAS" in second.outcome_modifiers
        assert second.incident_ref == REF

    fill_start_page(page, base, awol)
    form = page.evaluate(
        "() => Object.fromEntries(new FormData(document.getElementById('start-form'),"
        " document.getElementById('deploy-now')))"
    )
    assert form["deploy"] == "1"
    assert form["las"] == "on"
    assert form["token"]
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.locator("#deploy-now").focus()
    with page.expect_request(lambda r: r.method == "POST"):  # the first submit is on its way …
        page.keyboard.press("Enter")
    if not shares_one_connection():
        page.keyboard.press("Enter")  # … and Enter again before its answer arrives
    _lands_on_the_call(page)
    time.sleep(0.5)
    assert len(posts) == (1 if shares_one_connection() else 2)
    made += 1
    assert Decision.objects.count() == made
    latest = Decision.objects.latest("started_at")
    assert str(latest.start_token) == form["token"]
    response = page.context.request.post(base + "/toolkit/start/", form=form, max_redirects=0)
    assert response.status == 302
    assert response.headers["location"] == f"/toolkit/calls/{latest.reference}/"
    assert Decision.objects.count() == made


# --- 3. The override on a call asks for LAS -------------------------------------------------------------


def test_override_on_a_call_asks_for_las_and_keeps_its_first_reason(
    login_page: Any, live_server: Any, call_handler: Any, v1: Any
) -> None:
    base = live_server.url
    page = login_page(call_handler)
    decision = start_by_keyboard(page, base, "welfare")
    with page.expect_navigation():
        page.keyboard.press("d")
    assert page.url.endswith(f"/toolkit/calls/{decision.reference}/override/")
    assert page.evaluate("document.activeElement.id") == "id_reason"
    page.keyboard.type("Caller says he has a rope")
    las = page.get_by_label("Ambulance (LAS) needed too?")
    las.focus()
    page.keyboard.press("Space")
    assert las.is_checked()
    assert_accessible(page)
    page.locator("button", has_text="Deploy police").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.inner_text(".govuk-panel__title").strip() == "Deploy police +LAS"
    assert_accessible(page)
    decision.refresh_from_db()
    assert decision.override
    assert decision.override_reason == "Caller says he has a rope"
    assert decision.outcome_modifiers == ["LAS"]
    step = decision.step

    # The override again (a second tab, a retry): the first reason and +LAS stand.
    page.goto(base + f"/toolkit/calls/{decision.reference}/override/")
    page.keyboard.type("A different reason")
    page.locator("button", has_text="Deploy police").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    decision.refresh_from_db()
    assert decision.override_reason == "Caller says he has a rope"
    assert decision.outcome_modifiers == ["LAS"]
    assert decision.step == step
    assert page.inner_text(".govuk-panel__title").strip() == "Deploy police +LAS"


# --- 4. An +ESCALATE outcome asks a supervisor by itself ------------------------------------------------


def escalate_scenario() -> Any:
    """The shortest s136 scenario whose expected outcome carries +ESCALATE."""
    flow = engine.parse(content.flow_document("s136"))
    scenarios = [
        s
        for s in content.scenarios("s136")
        if engine.Modifier.ESCALATE in flow.outcomes[s.expected_outcome].modifiers
    ]
    assert scenarios, "no s136 scenario reaches an +ESCALATE outcome"
    return min(scenarios, key=lambda s: len(s.answers))


def test_an_escalate_outcome_reaches_the_supervisor_and_completing_early_is_confirmed(
    signed_in: Any, live_server: Any, call_handler: Any, supervisor: Any, v1: Any
) -> None:
    base = live_server.url
    scenario = escalate_scenario()
    flow = engine.parse(content.flow_document("s136"))
    handler = signed_in(call_handler)
    decision = start_by_keyboard(handler, base, "s136", scenario.caller_type or "public")
    for _ in range(len(scenario.answers) + 1):
        if handler.locator("input[name=question_id]").count() == 0:
            break
        question = flow.questions[question_on(handler)]
        assert answer_by_keyboard(handler, question, scenario.answers[question.id]).status == 302
    decision.refresh_from_db()
    assert decision.outcome_id == scenario.expected_outcome
    assert "+ESCALATE" in handler.inner_text(".govuk-panel__title")
    escalation = Escalation.objects.get(decision=decision)  # nobody pressed S
    assert escalation.reason == Escalation.Reason.OUTCOME
    assert escalation.raised_by is None
    assert handler.locator("#before_answer").count() == 1
    assert_accessible(handler)

    desk = signed_in(supervisor)
    desk.goto(base + "/toolkit/escalations/")
    row = desk.locator(f"tr[data-escalation='{escalation.pk}']")
    assert "Section 136 handover" in row.inner_text()
    assert f"The outcome needs a supervisor: {decision.outcome_title}" in row.inner_text()
    assert call_handler.display_name in row.inner_text()
    assert_accessible(desk)

    # Completing without the confirmation: an error summary (400), nothing completed.
    handler.locator("button", has_text="Complete the call").focus()
    with handler.expect_navigation(), handler.expect_response(posting_to("/complete/")) as info:
        handler.keyboard.press("Enter")
    assert info.value.status == 400
    summary = handler.locator(".govuk-error-summary")
    assert "A supervisor has not answered yet" in summary.inner_text()
    assert summary.locator("a").get_attribute("href") == "#before_answer"
    decision.refresh_from_db()
    assert decision.status == Decision.Status.IN_PROGRESS
    assert_accessible(handler)

    press(handler, "#before_answer", "Space")
    handler.locator("button", has_text="Complete the call").focus()
    with handler.expect_navigation(url=f"**/toolkit/decisions/{decision.reference}/"):
        handler.keyboard.press("Enter")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.COMPLETED
    assert decision.completed_before_answer is True
    assert "Completed before the supervisor answered" in handler.inner_text("main")
    assert_accessible(handler)
    escalation.refresh_from_db()
    assert escalation.is_open  # still waiting for the supervisor
