"""The policy journey in a real browser with two policy owners, and every reader page axe-clean."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from policies.models import PolicyVersion
from rcrp.accounts.models import AuditEvent
from tests.policies import factories

pytestmark = pytest.mark.django_db(transaction=True)

ELEMENTS = ("welfare", "awol", "s136", "transport")


def assert_accessible(page: Any) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@pytest.fixture
def v1(make_user: Any) -> dict[str, PolicyVersion]:
    author = make_user("p5900", "Policy owner", "Vera Version-One")
    approver = make_user("p5901", "Policy owner", "Val Approver")
    return {slug: factories.published_v1(slug, author=author, approver=approver) for slug in ELEMENTS}


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def test_two_policy_owners_draft_approve_and_publish_a_new_version(
    live_server: Any,
    login_page: Any,
    v1: dict[str, PolicyVersion],
    policy_owner: Any,
    second_policy_owner: Any,
) -> None:
    # Owner A starts a draft of welfare from v1, writes the change summary and submits it.
    page = login_page(policy_owner)
    page.goto(live_server.url + "/policies/")
    assert_accessible(page)
    page.get_by_role("link", name="Concern for welfare", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Concern for welfare, version 1"
    page.get_by_role("button", name=re.compile("Start a new draft")).click()
    page.wait_for_url(re.compile(r"/policies/welfare/v2/edit/$"))
    assert_accessible(page)
    page.get_by_label("Change summary").fill("Clearer guidance on the first question.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/policies/welfare/v2/$"))
    assert "Draft version 2 saved." in page.inner_text("main")
    assert_accessible(page)
    page.get_by_role("link", name="Submit for approval").click()
    assert_accessible(page)
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_url(re.compile(r"/policies/welfare/v2/$"))
    assert "Submitted for approval" in page.inner_text("main")
    sign_out(page)

    # Owner B approves it with the legal clearance reference, then publishes it now.
    page = login_page(second_policy_owner)
    page.goto(live_server.url + "/policies/")
    page.get_by_role("link", name="version 2 of Concern for welfare").click()
    page.get_by_role("link", name="Review and approve").click()
    assert_accessible(page)
    page.get_by_role("button", name="Approve this version").click()
    page.wait_for_selector(".govuk-error-summary")
    assert "Enter the legal clearance reference" in page.inner_text(".govuk-error-summary")
    assert_accessible(page)
    page.get_by_label("Legal clearance reference").fill("MPS-LEGAL-2026-014")
    page.get_by_role("button", name="Approve this version").click()
    page.wait_for_url(re.compile(r"/policies/welfare/v2/$"))
    assert "approved" in page.inner_text("main")
    page.get_by_role("link", name="Publish", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Now").check()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r"/policies/welfare/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Concern for welfare, version 2"
    assert_accessible(page)

    page.goto(live_server.url + "/policies/")
    assert "Version 2, in force since" in page.inner_text("main")
    welfare = {v.number: v for v in PolicyVersion.objects.filter(element__slug="welfare")}
    assert (welfare[1].status, welfare[2].status) == ("retired", "published")
    assert (welfare[2].created_by, welfare[2].approved_by) == (policy_owner, second_policy_owner)
    assert welfare[2].legal_clearance_ref == "MPS-LEGAL-2026-014"
    actions = list(
        AuditEvent.objects.filter(target_id=str(welfare[2].pk), target_type="policies.policyversion")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "policies.version.created",
        "policies.version.edited",
        "policies.version.submitted",
        "policies.version.approved",
        "policies.version.published",
    ]


def test_the_author_cannot_approve_in_the_browser(
    live_server: Any, login_page: Any, v1: dict[str, PolicyVersion], policy_owner: Any
) -> None:
    from policies import services

    draft = services.policy_version_create_draft(element=v1["awol"].element, actor=policy_owner)
    services.policy_version_update_draft(
        version=draft, actor=policy_owner, document=draft.document, change_summary="Same content, new number"
    )
    services.policy_version_submit(version=draft, actor=policy_owner)
    page = login_page(policy_owner)
    page.goto(live_server.url + "/policies/awol/v2/approve/")
    assert "another policy owner must approve it (four-eyes)" in page.inner_text("main")
    assert page.get_by_label("Legal clearance reference").count() == 0
    assert_accessible(page)


@pytest.mark.parametrize("slug", ELEMENTS)
def test_every_reader_page_renders_and_is_accessible(
    live_server: Any, login_page: Any, v1: dict[str, PolicyVersion], call_handler: Any, slug: str
) -> None:
    page = login_page(call_handler)
    title = v1[slug].element.title
    for path, heading in (
        ("/policies/", "Policy library"),
        (f"/policies/{slug}/", f"{title}, version 1"),
        (f"/policies/{slug}/v1/", f"{title}, version 1"),
        (f"/policies/{slug}/v1/flowchart/", "Flowchart"),
        (f"/policies/{slug}/v1/print/", f"{title}, version 1"),
        (f"/policies/{slug}/diff/", "Compare versions"),
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert_accessible(page)
    # The flowchart: drawn, scrollable by keyboard, with its text outline; the print view's stamp.
    page.goto(live_server.url + f"/policies/{slug}/v1/flowchart/")
    assert page.locator("#flowchart svg .rcrp-fc__node--start").count() == 1
    page.locator("#flowchart").focus()
    assert page.evaluate("document.activeElement.id") == "flowchart"
    page.get_by_role("button", name="Fit the chart to the page width").click()
    assert "rcrp-fc-scroll--fit" in (page.locator("#flowchart").get_attribute("class") or "")
    assert page.locator(".rcrp-outline__line").count() > 5
    page.goto(live_server.url + f"/policies/{slug}/v1/print/")
    stamp = page.inner_text(".rcrp-print-stamp")
    assert v1[slug].content_hash in stamp
    assert title in stamp
    assert page.get_by_role("button", name="Print this page").is_visible()


def test_the_policy_owner_pages_are_accessible_with_and_without_errors(
    live_server: Any, login_page: Any, v1: dict[str, PolicyVersion], policy_owner: Any
) -> None:
    from policies import services

    draft = services.policy_version_create_draft(element=v1["s136"].element, actor=policy_owner)
    page = login_page(policy_owner)
    # The editor with a broken document: the error summary names each node, focus moves to it.
    page.goto(live_server.url + f"/policies/s136/v{draft.number}/edit/")
    editor = page.get_by_label("Flow document (JSON)")
    editor.fill(editor.input_value().replace('"script": "', '"script": "{nonsense} ', 1))
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_selector(".govuk-error-summary")
    summary = page.inner_text(".govuk-error-summary")
    assert "{nonsense}, which is not a placeholder" in summary
    assert page.evaluate("document.activeElement.closest('.govuk-error-summary') !== null")
    assert "{nonsense}" in page.get_by_label("Flow document (JSON)").input_value()  # the text is kept
    assert_accessible(page)
    for path in (
        f"/policies/s136/v{draft.number}/",
        f"/policies/s136/v{draft.number}/submit/",
        f"/policies/s136/v{draft.number}/changes/",
        "/policies/s136/scenarios/",
        "/policies/s136/scenarios/new/",
        "/policies/agencies/",
        "/policies/agencies/las/",
        "/policies/agencies/las/edit/",
        "/policies/agencies/new/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert_accessible(page)
    page.get_by_role("button", name="Save agency").click()
    page.wait_for_selector(".govuk-error-summary")
    assert_accessible(page)
