"""Calls on the v2 content in a real browser, by keyboard, with an axe scan of each kind of page:
a crime with an unconscious adult ends DEPLOY +LAS; a threshold answered "not known" never ends
without police or a supervisor; a walkout checklist answered "not known" says so on the decision;
and the start page's "not a health call" route records ordinary policing in one press."""

from __future__ import annotations

from typing import Any

import pytest

from policies import content
from policies import flow as engine
from tests.e2e.helpers import answer_by_keyboard, assert_accessible, question_on, start_by_keyboard
from toolkit.models import Decision

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("gate_off"),
]


def case(slug: str, name: str) -> content.ScenarioContent:
    return next(s for s in content.scenarios(slug, 2) if s.name == name)


def walk_by_keyboard(page: Any, slug: str, scenario: content.ScenarioContent, *, scan: set[str]) -> None:
    """Answer every question the call asks from the scenario, scanning the first page of each kind."""
    flow = engine.parse(content.flow_document(slug, 2))
    for _ in range(30):
        if not page.locator("input[name=question_id]").count():
            return
        question = flow.questions[question_on(page)]
        if str(question.kind) in scan:
            scan.discard(str(question.kind))
            assert_accessible(page)
        response = answer_by_keyboard(page, question, scenario.answers[question.id])
        assert response.status == 302
    raise AssertionError("the call did not reach an outcome")


def complete_by_keyboard(page: Any, *, caller_told: bool = False) -> None:
    if caller_told:
        page.locator("#caller_told").focus()
        page.keyboard.press("Space")
    page.locator("button", has_text="Complete the call").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_crime_with_an_unconscious_adult_ends_deploy_plus_las(
    login_page: Any, live_server: Any, call_handler: Any, v2: Any
) -> None:
    scenario = case("welfare", "Man beaten up in a park, lying unconscious")
    page = login_page(call_handler)
    start_by_keyboard(page, live_server.url, "welfare", scenario.caller_type)
    walk_by_keyboard(page, "welfare", scenario, scan={"multi_choice"})
    assert page.inner_text(".govuk-panel__title").strip() == "Deploy police +LAS"
    facts = page.inner_text("#call-facts")
    assert "+LAS" in facts
    assert "unconscious" in facts.lower()
    assert_accessible(page)
    complete_by_keyboard(page)
    decision = Decision.objects.get()
    assert (decision.status, decision.outcome_modifiers) == ("completed", ["LAS"])


def test_a_threshold_answered_not_known_never_ends_without_police_or_a_supervisor(
    login_page: Any, live_server: Any, call_handler: Any, v2: Any
) -> None:
    scenario = case("welfare", "Caller cut off before she can say whether her brother is safe")
    page = login_page(call_handler)
    start_by_keyboard(page, live_server.url, "welfare", scenario.caller_type)
    walk_by_keyboard(page, "welfare", scenario, scan=set())
    decision = Decision.objects.get()
    outcome = engine.parse(content.flow_document("welfare", 2)).outcomes[decision.outcome_id]
    assert outcome.police_attend or outcome.supervisor
    assert "Not known" in page.inner_text("#call-facts")
    assert page.locator("#caller_told").count() == 0  # police attend: there is no "not attending" to tell
    assert_accessible(page)


def test_a_walkout_checklist_with_items_not_known_shows_them_on_the_decision(
    login_page: Any, live_server: Any, call_handler: Any, v2: Any
) -> None:
    scenario = case("awol", "Ward has not searched, and the detained patient cannot be found")
    page = login_page(call_handler)
    start_by_keyboard(page, live_server.url, "awol", scenario.caller_type)
    walk_by_keyboard(page, "awol", scenario, scan={"checklist"})
    complete_by_keyboard(page)
    assert "/toolkit/decisions/" in page.url
    flow = engine.parse(content.flow_document("awol", 2))
    checklist = next(
        q for q in flow.questions.values() if q.kind is engine.Kind.CHECKLIST and q.id in scenario.answers
    )
    unknown = [i.label for i in checklist.items if scenario.answers[checklist.id].get(i.value) == "not_known"]
    assert unknown
    answers = page.inner_text("table.govuk-table")
    for label in unknown:
        assert f"{label}: Not known" in answers
    assert unknown[0] in page.inner_text("#call-facts")
    assert_accessible(page)


def test_not_a_health_call_is_recorded_in_one_press(
    login_page: Any, live_server: Any, call_handler: Any, v2: Any
) -> None:
    page = login_page(call_handler)
    page.goto(f"{live_server.url}/toolkit/start/")
    assert_accessible(page)
    page.locator("#id_incident_ref").focus()
    page.keyboard.type("CAD 808/26NOV26")
    page.locator("#not-health-weapons").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Recorded as not a health call" in page.inner_text("main")
    decision = Decision.objects.get()
    assert (decision.status, decision.outcome_category, decision.outcome_modifiers) == (
        "completed",
        "DEPLOY",
        ["NON_RCRP"],
    )
    assert decision.incident_ref == "CAD 808/26NOV26"
    assert decision.element is None
    assert_accessible(page)
