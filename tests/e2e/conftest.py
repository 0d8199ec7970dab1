"""Browser fixtures: the toolkit's v1 policy fixtures, and users signed in in fresh contexts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.toolkit.conftest import agencies, gate_off, v1, v2, welfare  # noqa: F401


@pytest.fixture
def signed_in(browser: Any, live_server: Any) -> Iterator[Any]:
    """signed_in(user): a page in a fresh browser context, signed in through the real login form."""
    contexts: list[Any] = []

    def sign_in(user: Any) -> Any:
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.get_by_label("Staff number").fill(user.staff_number)
        page.get_by_label("Password").fill(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        return page

    yield sign_in
    for context in contexts:
        context.close()
