"""Shared pieces of the browser journeys: signing in, walking a call by keyboard, the axe scan."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

from policies import flow as engine
from toolkit.models import Decision


def assert_accessible(page: Any) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def press(page: Any, selector: str, key: str) -> None:
    page.locator(selector).focus()
    page.keyboard.press(key)


def start_by_keyboard(page: Any, base: str, slug: str, caller: str = "public") -> Decision:
    page.goto(f"{base}/toolkit/start/?element={slug}&ref=CAD 42/26NOV26")
    kind, _, partner = caller.partition(":")
    press(page, f"input[name=caller_type][value={kind}]", "Space")
    if kind == "partner":
        page.locator("#id_partner_kind").focus()
        page.keyboard.type(dict(Decision.PartnerKind.choices)[partner or "other"])
    page.locator("button", has_text="Start the call").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return Decision.objects.latest("started_at")


def question_on(page: Any) -> str:
    return page.locator("input[name=question_id]").get_attribute("value")


def posting_to(path: str) -> Any:
    return lambda r: r.request.method == "POST" and r.url.endswith(path)


def answer_by_keyboard(page: Any, question: engine.Question, value: Any) -> Any:
    """Answer the question on the page by number keys (or typing) and Enter.

    Returns the POST's own response (302 when recorded or harmless, 409 for a conflict), after the
    page it leads to has loaded.
    """
    if question.kind in {engine.Kind.TEXT, engine.Kind.TIME}:
        page.locator("#id_answer_1").focus()
        page.keyboard.type(str(value))
    elif isinstance(value, dict):  # a checklist of states: each item's radio, chosen with Space
        for item, state in value.items():
            if state:
                press(page, f"#id_state_{item}_{state}", "Space")
        if any(i.required and value.get(i.value) != "done" for i in question.items):
            page.locator("#id_note").focus()
            page.keyboard.type("Not possible tonight (test)")
        page.locator("button", has_text="Continue").focus()
    elif question.kind is engine.Kind.MULTI:
        page.locator("#id_answer_1").focus()
        for index, answer in enumerate(question.answers, start=1):
            if answer.value in value and index <= 9:
                page.keyboard.press(str(index))  # the number keys reach the first nine answers
            elif answer.value in value:
                press(page, f"#id_answer_{index}", "Space")
        if any(a.needs_note for a in question.answers if a.value in value):
            page.locator("#id_note").focus()
            page.keyboard.type("Caller told us so")
            page.locator("button", has_text="Continue").focus()
    elif question.kind is engine.Kind.CHECKLIST:
        for index, item in enumerate(question.items, start=1):
            if item.value in value:
                page.keyboard.press(str(index))
    else:
        index = next(i for i, a in enumerate(question.answers, start=1) if a.value == value)
        page.keyboard.press(str(index))
        if question.answer(value).needs_note:
            page.keyboard.press("Tab")
            page.keyboard.type("Caller told us so")
            page.locator("button", has_text="Continue").focus()
    with page.expect_navigation(), page.expect_response(posting_to("/answer/")) as info:
        page.keyboard.press("Enter")
    return info.value
