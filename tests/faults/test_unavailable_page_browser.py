"""The service-unavailable page in Chromium: GOV.UK styles load under its own CSP, axe finds no
violations, and the keyboard reaches its links. (The page itself is served as the middleware
serves it; tests/faults/test_processes.py gets it from a real outage.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from rcrp.accounts.unavailable import unavailable_response
from tests.e2e.helpers import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_unavailable_page_is_accessible_and_keyboard_usable(
    live_server: Any, page: Any, method: str
) -> None:
    path = "/toolkit/calls/0b6e6bde-8b7c-4b0e-9d55-1d3c5a1f2f10/"
    response = unavailable_response(RequestFactory().generic(method, path))
    page.route(
        f"{live_server.url}{path}",
        lambda route: route.fulfill(
            status=response.status_code,
            headers=dict(response.items()),
            body=response.content,
        ),
    )
    answered = page.goto(live_server.url + path)
    assert answered is not None
    assert answered.status == 503
    assert page.locator("h1").inner_text() == "The service is not available"
    # The GOV.UK stylesheet applied (served by the app; the page's CSP allows it).
    assert page.locator("h1").evaluate("e => getComputedStyle(e).fontFamily").startswith('"GDS Transport"')
    assert_accessible(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "My calls":
            break
    else:
        pytest.fail("the keyboard never reached the My calls link")
