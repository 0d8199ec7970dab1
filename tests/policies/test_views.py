"""The policy pages through real URLs: the permission ladder, the journey, errors and query counts."""

from __future__ import annotations

import copy
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from policies import services
from policies.models import Agency, PolicyScenario, PolicyVersion
from rcrp.accounts.models import AuditEvent
from tests.policies import factories

Status = PolicyVersion.Status

READER_PAGES = [
    "/policies/",
    "/policies/welfare/",
    "/policies/welfare/v1/",
    "/policies/welfare/v1/flowchart/",
    "/policies/welfare/v1/print/",
    "/policies/welfare/diff/",
]
OWNER_GET_PAGES = [
    "/policies/welfare/v2/edit/",
    "/policies/welfare/v2/submit/",
    "/policies/welfare/v2/changes/",
    "/policies/agencies/",
    "/policies/agencies/new/",
    "/policies/agencies/gp/",
    "/policies/agencies/gp/edit/",
    "/policies/welfare/scenarios/",
    "/policies/welfare/scenarios/new/",
]
OWNER_POST_PAGES = [
    "/policies/welfare/drafts/new/",
    "/policies/welfare/v2/edit/",
    "/policies/welfare/v2/submit/",
    "/policies/welfare/v2/approve/",
    "/policies/welfare/v2/return/",
    "/policies/welfare/v2/publish/",
    "/policies/welfare/v2/unschedule/",
    "/policies/agencies/new/",
    "/policies/agencies/gp/edit/",
    "/policies/welfare/scenarios/new/",
]


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def error_summary(response: Any) -> list[str]:
    html = response.content.decode()
    summary = html[html.index("govuk-error-summary") :]
    summary = summary[: summary.index("</ul>")]
    return [
        re.sub(r"\s+", " ", m).strip() for m in re.findall(r"<a href=\"[^\"]*\">(.*?)</a>", summary, re.S)
    ]


def submitted(draft: PolicyVersion, author: Any, summary: str = "Clearer wording") -> PolicyVersion:
    services.policy_version_update_draft(
        version=draft, actor=author, document=draft.document, change_summary=summary
    )
    return services.policy_version_submit(version=draft, actor=author)


# --- The ladder -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", READER_PAGES)
def test_anonymous_users_are_sent_to_sign_in(client: Any, live: PolicyVersion, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["outsider", "call_handler", "auditor", "policy_owner"])
@pytest.mark.parametrize("url", READER_PAGES)
def test_every_signed_in_user_reads_the_published_policy(
    client: Any, live: PolicyVersion, request: pytest.FixtureRequest, role: str, url: str
) -> None:
    client.force_login(request.getfixturevalue(role))
    response = client.get(url)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/policies/welfare/v2/", "/policies/welfare/v2/flowchart/", "/policies/welfare/v2/print/"],
)
def test_drafts_are_hidden_from_readers_and_shown_to_policy_owners(
    client: Any, draft: PolicyVersion, call_handler: Any, policy_owner: Any, url: str
) -> None:
    client.force_login(call_handler)
    assert client.get(url).status_code == 404
    client.force_login(policy_owner)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_the_diff_offers_readers_only_published_and_retired_versions(
    client: Any, draft: PolicyVersion, call_handler: Any, policy_owner: Any
) -> None:
    client.force_login(call_handler)
    assert "Version 2" not in text(client.get("/policies/welfare/diff/"))
    response = client.get("/policies/welfare/diff/?old=1&new=2")
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    client.force_login(policy_owner)
    assert "Version 2 (draft)" in text(client.get("/policies/welfare/diff/"))


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/policies/nowhere/", "/policies/welfare/v9/", "/policies/awol/v1/print/"])
def test_unknown_elements_and_versions_are_404(
    client: Any, live: PolicyVersion, policy_owner: Any, url: str
) -> None:
    client.force_login(policy_owner)
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["outsider", "call_handler", "supervisor", "auditor", "trainer"])
def test_the_editing_pages_need_the_policy_owner_role(
    client: Any, draft: PolicyVersion, request: pytest.FixtureRequest, role: str
) -> None:
    client.force_login(request.getfixturevalue(role))
    for url in OWNER_GET_PAGES:
        assert client.get(url).status_code == 403, url
    for url in OWNER_POST_PAGES:
        assert client.post(url).status_code == 403, url
    assert PolicyVersion.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("url", OWNER_GET_PAGES)
def test_policy_owners_open_the_editing_pages(
    client: Any, draft: PolicyVersion, policy_owner: Any, url: str
) -> None:
    client.force_login(policy_owner)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_a_journey_page_that_does_not_fit_the_status_is_404(
    client: Any, live: PolicyVersion, draft: PolicyVersion, policy_owner: Any
) -> None:
    client.force_login(policy_owner)
    for url in (
        "/policies/welfare/v1/edit/",
        "/policies/welfare/v2/approve/",
        "/policies/welfare/v2/publish/",
    ):
        assert client.get(url).status_code == 404, url


# --- Reading pages -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_library_lists_each_element_and_is_a_fixed_number_of_queries(
    client: Any, live: PolicyVersion, draft: PolicyVersion, policy_owner: Any, django_assert_num_queries: Any
) -> None:
    client.force_login(policy_owner)
    client.get("/policies/")
    with django_assert_num_queries(4):  # session, user with permissions, 2 for the library, none per element
        response = client.get("/policies/")
    page = text(response)
    for title in ("Concern for welfare", "Walkouts and AWOL", "Section 136 handover", "Transport"):
        assert title in page
    assert "Version 1, in force since" in page
    assert "In progress:" in page
    assert "No version is published yet." in page


@pytest.mark.django_db
def test_the_element_page_shows_the_document_in_force(
    client: Any, live: PolicyVersion, call_handler: Any
) -> None:
    client.force_login(call_handler)
    page = text(client.get("/policies/welfare/"))
    assert "Concern for welfare, version 1" in page
    assert "Is there a real and immediate risk to life?" in page
    assert "Police will not attend. Call Agency nhs_111_mh: Call 0300 000 0000." in page
    assert live.content_hash in page
    assert "Start a new draft" not in page
    assert "Audit trail" not in page


@pytest.mark.django_db
def test_the_element_page_says_when_nothing_is_published(client: Any, call_handler: Any) -> None:
    client.force_login(call_handler)
    response = client.get("/policies/s136/")
    assert response.status_code == 200
    assert "No version of this element has been published yet." in text(response)


@pytest.mark.django_db
def test_the_flowchart_page_has_the_chart_the_outline_and_the_mermaid_source(
    client: Any, live: PolicyVersion, call_handler: Any
) -> None:
    client.force_login(call_handler)
    page = text(client.get("/policies/welfare/v1/flowchart/"))
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="rcrp-fc" role="img"' in page
    assert "Text outline" in page
    assert "q_crime: Is there a crime?" in page
    assert "flowchart TD" in page


@pytest.mark.django_db
def test_the_print_view_is_stamped_with_element_version_hash_and_date(
    client: Any, live: PolicyVersion, call_handler: Any
) -> None:
    client.force_login(call_handler)
    page = text(client.get("/policies/welfare/v1/print/"))
    assert "css/policies.css" in page
    stamp = page[page.index("rcrp-print-stamp") : page.index("</dl>")]
    assert "Concern for welfare" in stamp
    assert "1 (published)" in stamp
    assert live.content_hash in stamp
    assert f"{timezone.localtime():%-d %B %Y}" in stamp
    assert "Hana Handler" in stamp


@pytest.mark.django_db
def test_the_print_view_of_a_retired_version_warns_it_is_not_in_force(
    client: Any, live: PolicyVersion, call_handler: Any
) -> None:
    PolicyVersion.objects.filter(pk=live.pk).update(status=Status.RETIRED, retired_at=timezone.now())
    client.force_login(call_handler)
    assert "This version is not the one in force" in text(client.get("/policies/welfare/v1/print/"))


@pytest.mark.django_db
def test_the_diff_page_describes_the_changes_in_words(
    client: Any, live: PolicyVersion, draft: PolicyVersion, policy_owner: Any
) -> None:
    document = copy.deepcopy(draft.document)
    document["questions"][0]["text"] = "Any sign of a crime?"
    services.policy_version_update_draft(
        version=draft, actor=policy_owner, document=document, change_summary="x"
    )
    client.force_login(policy_owner)
    page = text(client.get("/policies/welfare/diff/?old=1&new=2"))
    assert "Changes from version 1 to version 2" in page
    assert "0 added, 0 removed, 1 changed." in page
    assert (
        "the wording changed from &#x27;Is there a crime?&#x27; to &#x27;Any sign of a crime?&#x27;" in page
    )
    response = client.get("/policies/welfare/diff/?old=1&new=1")
    assert error_summary(response) == ["Choose two different versions"]


# --- Drafts ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_start_a_draft_then_a_second_is_refused(client: Any, live: PolicyVersion, policy_owner: Any) -> None:
    client.force_login(policy_owner)
    assert client.get("/policies/welfare/drafts/new/").status_code == 405
    response = client.post("/policies/welfare/drafts/new/")
    assert response.status_code == 302
    assert response.url == "/policies/welfare/v2/edit/"
    response = client.post("/policies/welfare/drafts/new/", follow=True)
    assert "already has version 2 in progress" in text(response)
    assert PolicyVersion.objects.count() == 2


@pytest.mark.django_db
def test_the_editor_saves_a_valid_document(client: Any, draft: PolicyVersion, policy_owner: Any) -> None:
    client.force_login(policy_owner)
    page = text(client.get("/policies/welfare/v2/edit/"))
    assert "&quot;start&quot;: &quot;q_crime&quot;" in page
    document = factories.changed(draft.document, title="Reworded")
    response = client.post(
        "/policies/welfare/v2/edit/",
        {
            "document": json.dumps(document),
            "change_summary": "Reworded the title",
            "acknowledgement_required": "on",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.document["title"] == "Reworded"
    assert draft.acknowledgement_required
    assert AuditEvent.objects.filter(action="policies.version.edited").count() == 1


@pytest.mark.django_db
def test_the_editor_explains_invalid_json_and_keeps_the_text(
    client: Any, draft: PolicyVersion, policy_owner: Any
) -> None:
    client.force_login(policy_owner)
    response = client.post("/policies/welfare/v2/edit/", {"document": '{"element": "welfare",\n  oops}'})
    assert response.status_code == 400
    assert error_summary(response) == [
        "The document is not valid JSON: line 2, column 3: Expecting property name enclosed in double quotes"
    ]
    assert "oops}" in response.content.decode()


@pytest.mark.django_db
def test_the_editor_lists_one_problem_per_line_naming_the_node_and_keeps_the_text(
    client: Any, draft: PolicyVersion, policy_owner: Any
) -> None:
    document = copy.deepcopy(draft.document)
    document["outcomes"][1]["script"] = ""
    document["questions"].append(
        {
            "id": "q_orphan",
            "text": "Nobody asks",
            "kind": "yes_no",
            "answers": [{"value": "yes", "next": "o_deploy"}, {"value": "no", "next": "o_deploy"}],
        }
    )
    typed = json.dumps(document, indent=1)
    client.force_login(policy_owner)
    response = client.post(
        "/policies/welfare/v2/edit/", {"document": typed, "change_summary": "Broken on purpose"}
    )
    assert response.status_code == 400
    assert error_summary(response) == [
        "o_signpost: the outcome needs a &#x27;script&#x27; for the handler to read to the caller",
        "q_orphan: this question cannot be reached from the start",
    ]
    assert "Error: Edit draft" in text(response)
    assert "Broken on purpose" in text(response)
    assert "&quot;q_orphan&quot;" in response.content.decode()
    draft.refresh_from_db()
    assert "q_orphan" not in json.dumps(draft.document)


# --- Submit, approve, publish ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_shows_the_checks_and_refuses_without_a_summary(
    client: Any, draft: PolicyVersion, policy_owner: Any, scenario: Any
) -> None:
    client.force_login(policy_owner)
    page = text(client.get("/policies/welfare/v2/submit/"))
    assert "Passed" in page
    response = client.post("/policies/welfare/v2/submit/")
    assert response.status_code == 400
    assert error_summary(response) == [
        "Write a change summary before submitting: approvers and handlers read it."
    ]
    services.policy_version_update_draft(
        version=draft, actor=policy_owner, document=draft.document, change_summary="Summary"
    )
    response = client.post("/policies/welfare/v2/submit/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


@pytest.mark.django_db
def test_the_author_sees_no_approve_form_and_cannot_post_one(
    client: Any, draft: PolicyVersion, policy_owner: Any
) -> None:
    submitted(draft, policy_owner)
    client.force_login(policy_owner)
    page = text(client.get("/policies/welfare/v2/approve/"))
    assert "another policy owner must approve it (four-eyes)" in page
    assert "Legal clearance reference" not in page
    response = client.post("/policies/welfare/v2/approve/", {"legal_clearance_ref": "LEGAL-1"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED


@pytest.mark.django_db
def test_another_owner_approves_with_the_legal_reference(
    client: Any, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    submitted(draft, policy_owner)
    client.force_login(second_policy_owner)
    response = client.post("/policies/welfare/v2/approve/", {"legal_clearance_ref": ""})
    assert response.status_code == 400
    assert error_summary(response) == ["Enter the legal clearance reference"]
    response = client.post("/policies/welfare/v2/approve/", {"legal_clearance_ref": "LEGAL-77"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.legal_clearance_ref) == (
        Status.APPROVED,
        second_policy_owner,
        "LEGAL-77",
    )


@pytest.mark.django_db
def test_return_to_draft_needs_a_reason(
    client: Any, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    submitted(draft, policy_owner)
    client.force_login(second_policy_owner)
    response = client.post("/policies/welfare/v2/return/", {"reason": ""})
    assert error_summary(response) == ["Say why the version is going back to draft"]
    response = client.post("/policies/welfare/v2/return/", {"reason": "Scripts unclear"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


@pytest.mark.django_db
def test_publish_now_retires_the_live_version(
    client: Any, live: PolicyVersion, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    submitted(draft, policy_owner)
    services.policy_version_approve(version=draft, actor=second_policy_owner, legal_clearance_ref="L-1")
    client.force_login(second_policy_owner)
    assert "Publishing retires version 1" in text(client.get("/policies/welfare/v2/publish/"))
    response = client.post("/policies/welfare/v2/publish/", {"when": "now"})
    assert response.status_code == 302
    assert response.url == "/policies/welfare/"
    page = text(client.get("/policies/"))
    assert "Version 2, in force since" in page
    live.refresh_from_db()
    assert live.status == Status.RETIRED


@pytest.mark.django_db
def test_publish_later_needs_a_future_date_and_time(
    client: Any, live: PolicyVersion, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    submitted(draft, policy_owner)
    services.policy_version_approve(version=draft, actor=second_policy_owner, legal_clearance_ref="L-1")
    client.force_login(second_policy_owner)
    response = client.post("/policies/welfare/v2/publish/", {"when": "later", "effective_time": "7"})
    assert response.status_code == 400
    assert error_summary(response) == [
        "Enter the date it takes effect",
        "Enter the time in 24-hour format, like 07:00",
    ]
    yesterday = timezone.localdate() - timedelta(days=1)
    past = {
        "when": "later",
        "effective_date_0": yesterday.day,
        "effective_date_1": yesterday.month,
        "effective_date_2": yesterday.year,
        "effective_time": "07:00",
    }
    assert error_summary(client.post("/policies/welfare/v2/publish/", past)) == [
        "The date and time must be in the future, or choose Now"
    ]
    tomorrow = timezone.localdate() + timedelta(days=1)
    future = {
        **past,
        "effective_date_0": tomorrow.day,
        "effective_date_1": tomorrow.month,
        "effective_date_2": tomorrow.year,
    }
    response = client.post("/policies/welfare/v2/publish/", future)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_scheduled
    assert timezone.localtime(draft.effective_from).hour == 7
    page = text(client.get("/policies/welfare/v2/"))
    assert "To be published" in page
    response = client.post("/policies/welfare/v2/unschedule/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert not draft.is_scheduled


@pytest.mark.django_db
def test_publish_shows_the_failing_scenarios(
    client: Any, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    submitted(draft, policy_owner)
    services.policy_version_approve(version=draft, actor=second_policy_owner, legal_clearance_ref="L-1")
    PolicyScenario.objects.create(
        element=draft.element,
        name="Expects police",
        answers=factories.TINY_ANSWERS_SIGNPOST,
        expected_category="DEPLOY",
    )
    client.force_login(second_policy_owner)
    response = client.post("/policies/welfare/v2/publish/", {"when": "now"})
    assert response.status_code == 400
    [message] = error_summary(response)
    assert message.startswith("Scenario &#x27;Expects police&#x27; fails: reaches o_signpost")


@pytest.mark.django_db
def test_what_would_change_lists_the_scenarios_that_change(
    client: Any, draft: PolicyVersion, policy_owner: Any, scenario: Any
) -> None:
    document = copy.deepcopy(draft.document)
    document["outcomes"][1]["agency"] = "gp"
    services.policy_version_update_draft(
        version=draft, actor=policy_owner, document=document, change_summary="x"
    )
    client.force_login(policy_owner)
    page = text(client.get("/policies/welfare/v2/changes/"))
    assert "1 of 1 scenarios would change or fail." in page
    assert "Mental health need, no risk" in page
    assert "Not met" in page


# --- Agencies and scenarios -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_and_change_an_agency(client: Any, policy_owner: Any) -> None:
    client.force_login(policy_owner)
    data = {
        "key": "crisis_cafe",
        "name": "Crisis cafe",
        "kind": "mental_health",
        "contact": "Walk in",
        "hours": "Evenings",
        "coverage": "Lambeth",
        "effective_from_0": "1",
        "effective_from_1": "1",
        "effective_from_2": "2024",
    }
    response = client.post("/policies/agencies/new/", {**data, "key": "new"})
    assert error_summary(response) == ["Choose another key: &#x27;new&#x27; is reserved"]
    response = client.post("/policies/agencies/new/", data)
    assert response.status_code == 302
    response = client.post(
        "/policies/agencies/crisis_cafe/edit/",
        {**data, "effective_to_0": "31", "effective_to_1": "12", "effective_to_2": "2023"},
    )
    assert response.status_code == 400
    assert error_summary(response) == ["The last day must be the same as or after the first day"]
    response = client.post(
        "/policies/agencies/crisis_cafe/edit/",
        {**data, "effective_to_0": "31", "effective_to_1": "12", "effective_to_2": "2024"},
    )
    assert response.status_code == 302
    agency = Agency.objects.get(key="crisis_cafe")
    assert str(agency.effective_to) == "2024-12-31"
    page = text(client.get("/policies/agencies/crisis_cafe/"))
    history = page[page.index(">History<") :]
    assert history.count("Priya Policy") == 2  # two rows: added, then changed
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "policies.agency.created",
        "policies.agency.changed",
    ]


@pytest.mark.django_db
def test_the_agency_list_is_a_fixed_number_of_queries(
    client: Any, agencies: Any, policy_owner: Any, django_assert_num_queries: Any
) -> None:
    factories.AgencyFactory.create_batch(5)
    client.force_login(policy_owner)
    client.get("/policies/agencies/")
    with django_assert_num_queries(3):  # session, user with permissions, the agencies
        response = client.get("/policies/agencies/")
    assert text(response).count("govuk-table__row") == 8


@pytest.mark.django_db
def test_add_a_scenario_and_see_it_run(client: Any, live: PolicyVersion, policy_owner: Any) -> None:
    client.force_login(policy_owner)
    data = {
        "name": "Needs the GP",
        "answers": json.dumps({**factories.TINY_ANSWERS_SIGNPOST, "q_need": "gp"}),
        "expected_category": "SIGNPOST",
        "expected_agency": "gp",
        "first_version": "1",
    }
    response = client.post("/policies/welfare/scenarios/new/", {**data, "expected_agency": ""})
    assert response.status_code == 400
    [message] = error_summary(response)
    assert "The published version 1 fails this scenario" in message
    response = client.post("/policies/welfare/scenarios/new/", data)
    assert response.status_code == 302
    scenario = PolicyScenario.objects.get(name="Needs the GP")
    page = text(client.get("/policies/welfare/scenarios/"))
    assert "Needs the GP" in page
    assert "Passed" in page
    edit = client.get(f"/policies/welfare/scenarios/{scenario.pk}/edit/")
    assert "&quot;q_need&quot;: &quot;gp&quot;" in text(edit)
    response = client.post(f"/policies/welfare/scenarios/{scenario.pk}/edit/", {**data, "last_version": "1"})
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.last_version == 1
