"""Each demo role signs in through a real browser and lands on its home; axe finds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

ROLE_HOME = {
    "call_handler": "Take a call",
    "supervisor": "Escalations",
    "floor_walker": "Escalations",
    "trainer": "Training",
    "policy_owner": "Policy versions",
    "auditor": "Decision log",
    "administrator": "Take a call",
}


def assert_accessible(page: Any) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.django_db(transaction=True)
def test_login_page_is_accessible_and_keyboard_operable(
    live_server: Any, page: Any, call_handler: Any
) -> None:
    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + "/accounts/login/")
    assert_accessible(page)
    # The skip link is the first thing a keyboard reaches; the staff number field has focus on load.
    assert (
        page.locator("a[href], button, input:not([type=hidden])").first.inner_text() == "Skip to main content"
    )
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type("h1001")
    page.keyboard.press("Tab")
    page.keyboard.type("wrong password")
    page.keyboard.press("Enter")
    page.wait_for_selector(".govuk-error-summary")
    assert "Enter a correct staff number and password" in page.inner_text(".govuk-error-summary")
    assert_accessible(page)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", list(ROLE_HOME))
def test_each_role_signs_in_and_lands_on_its_home(
    login_page: Any, request: pytest.FixtureRequest, role: str
) -> None:
    user = request.getfixturevalue(role)
    page = login_page(user)
    assert page.url.endswith("/")
    assert page.get_by_role("heading", name="RCRP Toolkit", level=1).is_visible()
    assert ROLE_HOME[role] in page.inner_text("main")
    assert user.display_name in page.inner_text("header")
    assert_accessible(page)
