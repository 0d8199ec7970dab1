"""Supervision pages in a real browser: each passes an axe scan, and works by keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from policies import content
from tests.e2e.helpers import assert_accessible
from tests.toolkit.helpers import start_scenario, walk
from toolkit import services
from toolkit.models import Decision

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("gate_off"),
]


def test_the_supervision_pages_pass_axe_and_filter_by_keyboard(
    signed_in: Any, live_server: Any, client: Any, call_handler: Any, supervisor: Any, auditor: Any, v2: Any
) -> None:
    client.force_login(call_handler)
    case = next(
        s for s in content.scenarios("welfare", 2) if s.name == "Man beaten up in a park, lying unconscious"
    )
    decision = walk(client, start_scenario(client, "welfare", case), case.answers)
    client.post(
        f"/toolkit/calls/{decision.reference}/escalate/",
        {"reason": "partner_dispute", "note": "Caller disagrees"},
    )
    client.post(
        f"/toolkit/calls/{decision.reference}/complete/",
        {"step": Decision.objects.get().step, "before_answer": "yes"},
    )
    services.review_queue_build()
    base = live_server.url
    page = signed_in(supervisor)
    for path in (
        "/toolkit/decisions/",
        f"/toolkit/decisions/{decision.reference}/",
        f"/toolkit/decisions/{decision.reference}/evidence/",
        "/toolkit/register/",
        "/toolkit/reviews/",
        f"/toolkit/reviews/{decision.reference}/",
        "/toolkit/reviews/compliance/",
        "/toolkit/friction/welfare/v2/",
    ):
        page.goto(base + path)
        assert_accessible(page)
    # Filter the log by keyboard: choose the outcome, then Enter on the button.
    page.goto(base + "/toolkit/decisions/")
    page.locator("#id_category").focus()
    page.keyboard.type("Deploy police")
    page.locator("button", has_text="Apply filters").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "category=DEPLOY" in page.url
    assert decision.incident_ref in page.inner_text("#log-table")
    # A bad date is a clear error, still accessible.
    page.goto(base + "/toolkit/decisions/?date_from=yesterday")
    assert "Enter the first date as a real date" in page.inner_text(".govuk-error-summary")
    assert_accessible(page)
    auditor_page = signed_in(auditor)
    auditor_page.goto(base + "/toolkit/access-log/")
    assert "Viewed the decision" in auditor_page.inner_text("#access-table")
    assert_accessible(auditor_page)
