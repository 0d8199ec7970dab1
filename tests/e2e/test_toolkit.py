"""The live call in a real browser, by keyboard: every element to every outcome category it has."""

from __future__ import annotations

from typing import Any

import pytest

from policies import content
from policies import flow as engine
from tests.e2e.helpers import answer_by_keyboard, assert_accessible, start_by_keyboard
from tests.toolkit.conftest import ELEMENTS
from toolkit.models import Decision

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("gate_off"),
]


def one_scenario_per_category() -> list[tuple[str, str, dict[str, Any]]]:
    cases = []
    for slug in ELEMENTS:
        seen: set[str] = set()
        for scenario in content.scenarios(slug):
            category = scenario.expected_category
            if category not in seen and (scenario.caller_type or "public").split(":")[0] in {
                "public",
                "self",
            }:
                seen.add(category)
                cases.append((slug, category, scenario))
        for scenario in content.scenarios(slug):  # categories only partner calls reach
            category = scenario.expected_category
            if category not in seen:
                seen.add(category)
                cases.append((slug, category, scenario))
    return cases


CASES = one_scenario_per_category()


@pytest.mark.parametrize(("slug", "category", "scenario"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_each_element_reaches_each_outcome_by_keyboard(
    late_evening: None,
    login_page: Any,
    live_server: Any,
    call_handler: Any,
    v1: Any,
    slug: str,
    category: str,
    scenario: Any,
) -> None:
    page = login_page(call_handler)
    start_by_keyboard(page, live_server.url, slug, scenario.caller_type or "public")
    flow = engine.parse(content.flow_document(slug))
    given = []
    for _ in range(40):
        if page.locator("input[name=question_id]").count() == 0:
            break
        question = flow.questions[page.locator("input[name=question_id]").get_attribute("value")]
        answer_by_keyboard(page, question, scenario.answers[question.id])
        given.append(question.id)
    assert engine.CATEGORY_LABELS[engine.Category(category)] in page.inner_text(".govuk-panel__title")
    decision = Decision.objects.get()
    if decision.no_police and not decision.at_place_of_safety:  # officers at a PoS: no caller to tell
        page.locator("#caller_told").focus()
        page.keyboard.press("Space")
    if "ESCALATE" in decision.outcome_modifiers:  # its own escalation is unanswered: confirm once
        page.locator("#before_answer").focus()
        page.keyboard.press("Space")
    page.locator("button", has_text="Complete the call").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    decision.refresh_from_db()
    assert decision.status == Decision.Status.COMPLETED
    assert decision.outcome_category == category
    assert decision.outcome_id == scenario.expected_outcome
    assert decision.policy_version == v1[slug]
    assert decision.content_hash == v1[slug].content_hash
    answers = list(decision.answers.order_by("sequence"))
    assert [a.question_id for a in answers] == given
    assert all(a.answered_at is not None for a in answers)
    assert [a.answered_at for a in answers] == sorted(a.answered_at for a in answers)
    assert "Decision:" in page.inner_text("h1")


def test_start_question_and_outcome_pages_are_accessible(
    login_page: Any, live_server: Any, call_handler: Any, v1: Any
) -> None:
    page = login_page(call_handler)
    page.goto(live_server.url + "/toolkit/start/")
    assert_accessible(page)
    page.locator("button", has_text="Start the call").click()  # errors shown accessibly too
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
    scenario = next(s for s in content.scenarios("welfare") if s.expected_category == "SIGNPOST")
    start_by_keyboard(page, live_server.url, "welfare", scenario.caller_type or "public")
    assert_accessible(page)
    flow = engine.parse(content.flow_document("welfare"))
    while page.locator("input[name=question_id]").count():
        question = flow.questions[page.locator("input[name=question_id]").get_attribute("value")]
        if question.kind.has_answers and any(a.needs_note for a in question.answers):
            assert_accessible(page)
        answer_by_keyboard(page, question, scenario.answers[question.id])
    assert_accessible(page)  # the outcome page
    page.locator("button", has_text="Complete the call").click()
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)


def test_deploy_override_is_one_key_away_on_any_question(
    login_page: Any, live_server: Any, call_handler: Any, v1: Any
) -> None:
    page = login_page(call_handler)
    start_by_keyboard(page, live_server.url, "awol", "partner:nhs_trust")
    page.keyboard.press("1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("d")
    assert page.evaluate("document.activeElement.id") == "id_reason"
    assert_accessible(page)
    page.keyboard.type("Caller says he has a rope")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Deploy police" in page.inner_text(".govuk-panel__title")
    decision = Decision.objects.get()
    assert decision.override
    assert decision.override_reason == "Caller says he has a rope"


def test_reloading_resumes_and_a_double_click_records_once(
    login_page: Any, live_server: Any, call_handler: Any, v1: Any
) -> None:
    page = login_page(call_handler)
    start_by_keyboard(page, live_server.url, "welfare", "public")
    page.keyboard.press("2")  # "no" to immediate danger
    page.locator("button", has_text="Continue").dblclick()
    page.wait_for_selector("input[name=question_id][value=q_crime]", state="attached")
    page.reload()
    assert page.locator("input[name=question_id]").get_attribute("value") == "q_crime"
    assert Decision.objects.get().answers.count() == 1


def test_ask_a_supervisor_reaches_the_live_list_and_the_answer_reaches_the_handler(
    signed_in: Any, live_server: Any, call_handler: Any, supervisor: Any, v1: Any
) -> None:
    handler = signed_in(call_handler)
    desk = signed_in(supervisor)
    desk.goto(live_server.url + "/toolkit/escalations/")
    assert "No open escalations" in desk.inner_text("main")

    start_by_keyboard(handler, live_server.url, "welfare", "partner:gp")
    with handler.expect_navigation():
        handler.keyboard.press("s")
    handler.locator("input[name=reason][value=partner_dispute]").focus()
    handler.keyboard.press("Space")
    handler.locator("#id_note").focus()
    handler.keyboard.type("GP insists on a welfare check")
    handler.locator("button", has_text="Ask a supervisor").focus()
    with handler.expect_navigation():
        handler.keyboard.press("Enter")
    assert "Waiting for a supervisor" in handler.inner_text("#escalation-status")

    # The supervisor's list refreshes itself: no reload.
    desk.wait_for_selector("text=GP insists on a welfare check", timeout=15_000)
    assert_accessible(desk)
    with desk.expect_navigation():
        desk.locator("button", has_text="Claim").click()
    desk.locator("input[name=response][value=advise]").check()
    desk.locator("#id_note").fill("Ask what the GP has already tried")
    assert_accessible(desk)
    with desk.expect_navigation():
        desk.locator("button", has_text="Send answer").click()

    # The handler's page shows the answer without a reload.
    handler.wait_for_selector("text=Ask what the GP has already tried", timeout=15_000)
    assert "Supervisor answered" in handler.inner_text("#escalation-status")
    assert_accessible(handler)

    # The decision and the challenges and escalations register both show it.
    decision = Decision.objects.get()
    desk.goto(f"{live_server.url}/toolkit/decisions/{decision.reference}/")
    assert "Ask what the GP has already tried" in desk.inner_text("main")
    desk.goto(f"{live_server.url}/toolkit/register/")
    register = desk.inner_text("#register-table")
    assert "GP insists on a welfare check" in register
    assert "Advice (MetCC supervisor or team leader)" in register
    assert_accessible(desk)
    # The dashboard counts the escalation (and the call, whether or not it is completed yet).
    desk.goto(f"{live_server.url}/toolkit/dashboard/")
    totals = desk.inner_text("#dashboard-totals")
    assert "1\ndecisions" in totals
    assert "1\nescalations" in totals
    assert desk.inner_text("#element-table").count("Concern for welfare") == 1


def test_the_call_works_with_javascript_off(
    browser: Any, live_server: Any, call_handler: Any, v1: Any
) -> None:
    from tests.conftest import PASSWORD

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Staff number").fill(call_handler.staff_number)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("button", has_text="Sign in").click()
    page.goto(live_server.url + "/toolkit/start/?element=welfare&ref=CAD 7/26NOV26")
    page.locator("input[name=caller_type][value=public]").check()
    page.locator("button", has_text="Start the call").click()
    scenario = next(s for s in content.scenarios("welfare") if s.expected_category == "SIGNPOST")
    flow = engine.parse(content.flow_document("welfare"))
    while page.locator("input[name=question_id]").count():
        question = flow.questions[page.locator("input[name=question_id]").get_attribute("value")]
        value = scenario.answers[question.id]
        if question.kind is engine.Kind.CHECKLIST:
            for item in value:
                page.locator(f"input[name=answer][value={item}]").check()
        elif question.kind.has_answers:
            page.locator(f"input[name=answer][value={value}]").check()
            if question.answer(value).needs_note:
                page.locator(f"textarea[name=note_{value}]").fill("Told us so")
        else:
            page.locator("#id_answer_1").fill(str(value))
        page.locator("button", has_text="Continue").click()
    assert "Signpost" in page.inner_text(".govuk-panel__title")
    page.locator("#caller_told").check()
    page.locator("button", has_text="Complete the call").click()
    assert Decision.objects.get().status == Decision.Status.COMPLETED
    context.close()
