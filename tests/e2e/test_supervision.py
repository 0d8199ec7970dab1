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


def test_the_dashboard_draws_its_charts_beside_their_tables_and_the_baseline_imports(
    signed_in: Any,
    live_server: Any,
    client: Any,
    call_handler: Any,
    administrator: Any,
    v2: Any,
    tmp_path: Any,
) -> None:
    client.force_login(call_handler)
    case = next(s for s in content.scenarios("welfare", 2) if s.expected_category == "SIGNPOST")
    decision = walk(client, start_scenario(client, "welfare", case), case.answers)
    assert decision.has_outcome
    base = live_server.url
    page = signed_in(administrator)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(base + "/toolkit/dashboard/")
    # Chart.js drew each chart (no CSP refusal, no script error); the tables carry the figures.
    page.wait_for_selector("canvas[data-chart='outcomes']:not([hidden])")
    assert page.locator("canvas[data-chart='rate']").is_visible()
    assert not errors, errors
    assert "1\ndecisions" in page.inner_text("#dashboard-totals")
    assert_accessible(page)
    # By keyboard: show the range by week.
    page.locator("#id_period").focus()
    page.keyboard.type("Week")
    page.locator("button", has_text="Apply filters").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "period=week" in page.url
    assert "w/c" in page.inner_text("#outcomes-table")
    # A bad range is a clear error, still accessible.
    page.goto(base + "/toolkit/dashboard/?date_from=2001-01-01")
    assert "Show a range this long by week or month" in page.inner_text(".govuk-error-summary")
    assert_accessible(page)
    # The administrator imports a baseline; a bad file lists its rows and changes nothing.
    page.goto(base + "/toolkit/dashboard/baseline/")
    assert_accessible(page)
    bad = tmp_path / "bad.csv"
    bad.write_text("element,month,deployments\nwelfare,2023-04,many\n", encoding="utf-8")
    page.set_input_files("#id_file", str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert "deployments “many” is not a whole number" in page.inner_text("#problem-table")
    assert_accessible(page)
    good = tmp_path / "good.csv"
    good.write_text("element,month,deployments\nwelfare,2023-04,1210\n", encoding="utf-8")
    page.set_input_files("#id_file", str(good))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and import").click()
    assert "Baseline imported: 1 months." in page.inner_text("main")
    assert "1210" in page.inner_text("#baseline-figures")
