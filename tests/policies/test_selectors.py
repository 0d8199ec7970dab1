"""Reads: the live version, the parsed-flow cache, agencies by key and date, the library, checks, diffs."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from policies import flow as engine
from policies import selectors, services
from policies.models import PolicyVersion
from rcrp.accounts.errors import NotFound
from tests.policies import factories


@pytest.mark.django_db
def test_live_version_is_the_published_one(live: PolicyVersion, draft: PolicyVersion) -> None:
    assert selectors.policy_version_get_live(element=live.element) == live
    assert selectors.policy_version_get_live(element=factories.element("awol")) is None


@pytest.mark.django_db
def test_live_version_costs_one_query(live: PolicyVersion, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        version = selectors.policy_version_get_live(element=live.element)
        assert version is not None
        assert version.element.slug == "welfare"


@pytest.mark.django_db
def test_live_version_never_publishes_a_due_version(
    live: PolicyVersion, draft: PolicyVersion, django_assert_num_queries: Any
) -> None:
    PolicyVersion.objects.filter(pk=draft.pk).update(
        status=PolicyVersion.Status.APPROVED, effective_from=timezone.now() - timedelta(minutes=5)
    )
    with django_assert_num_queries(1):
        assert selectors.policy_version_get_live(element=live.element) == live
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.APPROVED


@pytest.mark.django_db
def test_flow_for_version_parses_once_per_content_hash(live: PolicyVersion, monkeypatch: Any) -> None:
    calls = []
    real_parse = engine.parse
    monkeypatch.setattr(selectors.engine, "parse", lambda doc: calls.append(1) or real_parse(doc))
    first = selectors.flow_for_version(live)
    again = selectors.flow_for_version(PolicyVersion.objects.get(pk=live.pk))
    assert first is again
    assert isinstance(first, engine.Flow)
    assert first.start == "q_crime"
    assert len(calls) == 1


@pytest.mark.django_db
def test_the_flow_cache_is_bounded(live: PolicyVersion, monkeypatch: Any) -> None:
    monkeypatch.setattr(selectors._flows, "limit", 2)
    for title in ("a", "b", "c"):
        document = factories.changed(live.document, title=title)
        selectors.flow_for_version(
            PolicyVersion(document=document, content_hash=engine.content_hash(document))
        )
    assert len(selectors._flows) == 2


@pytest.mark.django_db
def test_a_broken_document_raises_the_engine_error(policy_owner: Any) -> None:
    version = factories.PolicyVersionFactory(
        number=7, created_by=policy_owner, document={"element": "nonsense"}
    )
    with pytest.raises(engine.FlowDefinitionError):
        selectors.flow_for_version(version)


@pytest.mark.django_db
def test_agency_keys_are_every_key_in_force_or_not() -> None:
    factories.AgencyFactory(
        key="crisis_line", effective_from=date(2023, 11, 1), effective_to=date(2024, 8, 26)
    )
    factories.AgencyFactory(key="nhs_111_mh", effective_from=date(2024, 8, 27))
    assert selectors.agency_keys() == {"crisis_line", "nhs_111_mh"}


@pytest.mark.django_db
def test_missing_elements_agencies_and_scenarios_are_not_found() -> None:
    with pytest.raises(NotFound):
        selectors.element_get(slug="nope")
    with pytest.raises(NotFound):
        selectors.agency_get(key="nope")
    with pytest.raises(NotFound):
        selectors.scenario_get(element=factories.element("welfare"), pk=999_999)


@pytest.mark.django_db
def test_the_library_is_two_queries_whatever_the_number_of_versions(
    live: PolicyVersion,
    draft: PolicyVersion,
    policy_owner: Any,
    call_handler: Any,
    django_assert_num_queries: Any,
) -> None:
    for slug in ("awol", "s136"):
        factories.published_version(
            author=policy_owner,
            approver=factories.UserFactory(),
            element=factories.element(slug),
            number=1,
            document=factories.tiny_flow(slug),
        )
    owner = type(policy_owner).objects.get(pk=policy_owner.pk)
    owner.has_perm("accounts.manage_policies")  # load the permission cache outside the count
    with django_assert_num_queries(2):
        entries = selectors.element_list_for_library(user=owner)
        summary = [
            (e.element.slug, e.live and e.live.number, [v.number for v in e.in_progress]) for e in entries
        ]
    assert summary == [("welfare", 1, [2]), ("awol", 1, []), ("s136", 1, []), ("transport", None, [])]
    reader = type(call_handler).objects.get(pk=call_handler.pk)
    reader.has_perm("accounts.manage_policies")
    with django_assert_num_queries(2):
        entries = selectors.element_list_for_library(user=reader)
        assert [v.number for e in entries for v in e.in_progress] == []


@pytest.mark.django_db
def test_versions_in_progress_are_hidden_from_readers(
    live: PolicyVersion, draft: PolicyVersion, call_handler: Any, policy_owner: Any
) -> None:
    with pytest.raises(NotFound):
        selectors.policy_version_get_for_user(user=call_handler, element_slug="welfare", number=2)
    assert selectors.policy_version_get_for_user(user=policy_owner, element_slug="welfare", number=2) == draft
    assert selectors.policy_version_get_for_user(user=call_handler, element_slug="welfare", number=1) == live
    assert selectors.policy_version_list_for_user(user=call_handler, element=live.element) == [live]
    assert selectors.policy_version_list_for_user(user=policy_owner, element=live.element) == [draft, live]
    with pytest.raises(NotFound):
        selectors.policy_version_get_for_user(user=policy_owner, element_slug="welfare", number=9)


@pytest.mark.django_db
def test_check_reports_problems_and_scenario_results(live: PolicyVersion, scenario: Any) -> None:
    result = selectors.policy_version_check(live)
    assert result.ok
    assert [r.scenario for r in result.passed] == [scenario]
    broken = copy.deepcopy(live.document)
    broken["outcomes"][0]["script"] = ""
    bad = PolicyVersion(
        element=live.element, number=9, document=broken, content_hash=engine.content_hash(broken)
    )
    result = selectors.policy_version_check(bad)
    assert not result.ok
    assert result.messages() == [
        "o_deploy: the outcome needs a 'script' for the handler to read to the caller"
    ]
    assert result.results == []  # scenarios are not run on an invalid flow


@pytest.mark.django_db
def test_a_scenario_that_cannot_finish_fails_with_the_question(live: PolicyVersion) -> None:
    scenario = factories.PolicyScenarioFactory(name="Stops early", answers={"q_crime": "no"})
    result = selectors.scenario_run(scenario, selectors.flow_for_version(live))
    assert not result.passed
    assert "q_risk" in result.message


@pytest.mark.django_db
def test_scenarios_apply_by_version_number(live: PolicyVersion) -> None:
    later = factories.PolicyScenarioFactory(name="From v2", first_version=2)
    ended = factories.PolicyScenarioFactory(name="Until v1", last_version=1)
    assert selectors.scenarios_for_version(live) == [ended]
    assert later not in selectors.scenarios_for_version(live)


@pytest.mark.django_db
def test_the_document_fills_scripts_with_the_agency_details(live: PolicyVersion) -> None:
    document = selectors.version_document(live)
    signpost = next(o for o in document.outcomes if o.outcome.id == "o_signpost")
    assert signpost.script == "Police will not attend. Call Agency nhs_111_mh: Call 0300 000 0000."
    assert signpost.record == "RCRP welfare v1: SIGNPOST to Agency nhs_111_mh."
    deploy = next(o for o in document.outcomes if o.outcome.id == "o_deploy")
    assert deploy.record == "RCRP welfare v1: DEPLOY. Incident [incident reference]."
    checks = next(q for q in document.questions if q.question.id == "q_checks")
    assert [(a.label, a.target) for a in checks.answers] == [("Then", "q_need")]
    assert document.outline[0].startswith("q_crime")


@pytest.mark.django_db
def test_the_diff_groups_changes_by_node(
    live: PolicyVersion, draft: PolicyVersion, policy_owner: Any
) -> None:
    document = copy.deepcopy(draft.document)
    document["questions"][0]["text"] = "Any sign of a crime?"
    document["outcomes"][1]["script"] = "Police will not come. Call {agency_name}."
    document["outcomes"].append(
        {"id": "o_spare", "category": "DEPLOY", "title": "Spare", "script": "S", "record": "R"}
    )
    document["questions"][4]["answers"].append({"value": "other", "label": "Other", "next": "o_spare"})
    services.policy_version_update_draft(
        version=draft, actor=policy_owner, document=document, change_summary="x"
    )
    draft.refresh_from_db()
    groups = selectors.policy_version_diff(live, draft)
    assert [(g.node, g.what) for g in groups] == [
        ("q_crime", "question"),
        ("q_need", "question"),
        ("o_signpost", "outcome"),
        ("o_spare", "outcome"),
    ]
    words = [c.description for g in groups for c in g.changes]
    assert "Question q_crime: the wording changed from 'Is there a crime?' to 'Any sign of a crime?'" in words
    assert "Outcome o_signpost: the script changed" in words
    assert [c.kind for c in groups[-1].changes] == ["added"]
    assert selectors.policy_version_diff(live, live) == []


@pytest.mark.django_db
def test_agencies_used_but_not_in_force(live: PolicyVersion) -> None:
    assert selectors.agencies_used_but_not_in_force(live) == []
    factories.AgencyFactory(key="gp").__class__.objects.filter(key="gp").update(effective_to=date(2024, 1, 1))
    assert selectors.agencies_used_but_not_in_force(live) == ["gp"]
