"""The version life cycle, the agency directory and scenarios: state, refusals and the audit rows."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from policies import flow as engine
from policies import services
from policies.models import Agency, PolicyScenario, PolicyVersion
from policies.selectors import policy_version_get_live
from rcrp.accounts.models import AuditEvent
from tests.policies import factories

Status = PolicyVersion.Status


def audit(action: str, version: Any = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action=action)
    if version is not None:
        events = events.filter(target_type=version._meta.label_lower, target_id=str(version.pk))
    return list(events.order_by("id"))


def edit(
    version: PolicyVersion, actor: Any, document: dict[str, Any], summary: str = "Changed"
) -> PolicyVersion:
    return services.policy_version_update_draft(
        version=version, actor=actor, document=document, change_summary=summary
    )


def approved(
    draft: PolicyVersion, author: Any, approver: Any, summary: str = "Clearer wording"
) -> PolicyVersion:
    document = copy.deepcopy(draft.document)
    document["questions"][0]["text"] = "Is there any sign of a crime?"
    edit(draft, author, document, summary)
    services.policy_version_submit(version=draft, actor=author)
    return services.policy_version_approve(version=draft, actor=approver, legal_clearance_ref="LEGAL-42")


# --- Drafts ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_draft_copies_the_live_version_as_the_next_number(
    live: PolicyVersion, policy_owner: Any
) -> None:
    draft = services.policy_version_create_draft(element=live.element, actor=policy_owner)
    assert (draft.number, draft.status, draft.created_by) == (2, Status.DRAFT, policy_owner)
    assert draft.document == live.document
    assert draft.content_hash == live.content_hash
    [event] = audit("policies.version.created", draft)
    assert event.actor == policy_owner
    assert event.data["new"]["copied_from"] == 1
    assert event.data["old"] is None


@pytest.mark.django_db
def test_only_one_version_of_an_element_is_in_progress_at_a_time(
    draft: PolicyVersion, policy_owner: Any
) -> None:
    with pytest.raises(ValidationError, match="already has version 2 in progress"):
        services.policy_version_create_draft(element=draft.element, actor=policy_owner)


@pytest.mark.django_db
def test_a_first_draft_with_nothing_to_copy_is_a_skeleton(policy_owner: Any) -> None:
    draft = services.policy_version_create_draft(element=factories.element("s136"), actor=policy_owner)
    assert draft.number == 1
    assert draft.document["element"] == "s136"
    assert draft.document["questions"] == []


@pytest.mark.django_db
def test_editing_a_draft_saves_the_document_and_its_hash_and_audits_old_and_new(
    draft: PolicyVersion, policy_owner: Any
) -> None:
    document = factories.changed(draft.document, title="Welfare, reworded")
    old_hash = draft.content_hash
    edit(draft, policy_owner, document, "  Reworded the title  ")
    draft.refresh_from_db()
    assert draft.document["title"] == "Welfare, reworded"
    assert draft.content_hash == engine.content_hash(document) != old_hash
    assert draft.change_summary == "Reworded the title"
    [event] = audit("policies.version.edited", draft)
    assert event.data == {
        "old": {"content_hash": old_hash, "change_summary": ""},
        "new": {"content_hash": draft.content_hash, "change_summary": "Reworded the title"},
    }


def _unreachable(document: dict[str, Any]) -> str:
    document["questions"].append(
        {
            "id": "q_orphan",
            "text": "Nobody asks this",
            "kind": "yes_no",
            "answers": [{"value": "yes", "next": "o_deploy"}, {"value": "no", "next": "o_deploy"}],
        }
    )
    return "q_orphan"


def _skips_risk_to_life(document: dict[str, Any]) -> str:
    crime = document["questions"][0]
    crime["kind"] = "choice"
    crime["answers"].append({"value": "unsure", "label": "Not sure", "next": "q_harm"})
    return "o_signpost"


def _missing_script(document: dict[str, Any]) -> str:
    document["outcomes"][1]["script"] = ""
    return "o_signpost"


def _cycle(document: dict[str, Any]) -> str:
    document["questions"][4]["answers"].append({"value": "unsure", "label": "Not sure", "next": "q_loop"})
    document["questions"].append(
        {
            "id": "q_loop",
            "text": "Ask again?",
            "kind": "yes_no",
            "answers": [{"value": "yes", "next": "q_need"}, {"value": "no", "next": "o_signpost"}],
        }
    )
    return "q_need"


BREAKAGES = {
    "unreachable node": (_unreachable, "cannot be reached from the start"),
    "path to SIGNPOST skipping the risk-to-life question": (_skips_risk_to_life, "risk_to_life"),
    "missing script": (_missing_script, "script"),
    "cycle": (_cycle, "cycle"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_draft_is_refused_with_a_message_naming_the_node(
    draft: PolicyVersion, policy_owner: Any, breakage: str
) -> None:
    document = copy.deepcopy(draft.document)
    breaker, words = BREAKAGES[breakage]
    node = breaker(document)
    with pytest.raises(ValidationError) as refused:
        edit(draft, policy_owner, document)
    messages = refused.value.messages
    assert any(m.startswith(f"{node}: ") and words in m for m in messages), messages
    draft.refresh_from_db()
    assert draft.content_hash == engine.content_hash(draft.document)
    assert draft.document != document
    assert audit("policies.version.edited", draft) == []


@pytest.mark.django_db
def test_a_draft_broken_four_ways_gets_one_message_per_problem(
    draft: PolicyVersion, policy_owner: Any
) -> None:
    document = copy.deepcopy(draft.document)
    nodes = [breaker(document) for breaker, _words in BREAKAGES.values()]
    with pytest.raises(ValidationError) as refused:
        edit(draft, policy_owner, document)
    messages = refused.value.messages
    assert len(messages) == len(set(messages)), "each problem once"
    for node, (_breaker, words) in zip(nodes, BREAKAGES.values(), strict=True):
        assert any(m.startswith(f"{node}: ") and words in m for m in messages), (node, messages)
    # one message per problem: the unreachable question, the cycle, the missing script, and the
    # signpost outcomes each reached without asking about risk to life (o_signpost, o_refer_gp)
    assert len(messages) == 5, messages


@pytest.mark.django_db
def test_a_draft_naming_an_agency_not_in_the_directory_is_refused(
    draft: PolicyVersion, policy_owner: Any
) -> None:
    document = copy.deepcopy(draft.document)
    document["outcomes"][1]["agency"] = "no_such_agency"
    with pytest.raises(ValidationError, match="o_signpost: the agency 'no_such_agency' is not in the agency"):
        edit(draft, policy_owner, document)


@pytest.mark.django_db
def test_a_draft_for_another_element_is_refused(draft: PolicyVersion, policy_owner: Any) -> None:
    with pytest.raises(ValidationError, match="'element' must be 'welfare'"):
        edit(draft, policy_owner, factories.tiny_flow("awol"))


@pytest.mark.django_db
def test_only_drafts_can_be_edited(live: PolicyVersion, policy_owner: Any) -> None:
    with pytest.raises(ValidationError, match="Only a draft can be edited"):
        edit(live, policy_owner, live.document)


# --- Submit, approve, return ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_needs_a_change_summary(draft: PolicyVersion, policy_owner: Any) -> None:
    with pytest.raises(ValidationError, match="change summary"):
        services.policy_version_submit(version=draft, actor=policy_owner)


@pytest.mark.django_db
def test_submit_moves_a_draft_on_and_is_audited(draft: PolicyVersion, policy_owner: Any) -> None:
    edit(draft, policy_owner, draft.document, "No change in substance")
    services.policy_version_submit(version=draft, actor=policy_owner)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.submitted_at is not None
    [event] = audit("policies.version.submitted", draft)
    assert event.data == {"old": {"status": "draft"}, "new": {"status": "submitted"}}


@pytest.mark.django_db
def test_submit_is_refused_while_a_scenario_fails_naming_it(draft: PolicyVersion, policy_owner: Any) -> None:
    factories.PolicyScenarioFactory(
        name="Mental health need goes to 111", answers={**factories.TINY_ANSWERS_SIGNPOST}
    )
    document = copy.deepcopy(draft.document)
    document["outcomes"][1]["agency"] = "gp"
    edit(draft, policy_owner, document, "Send mental health needs to the GP")
    with pytest.raises(ValidationError) as refused:
        services.policy_version_submit(version=draft, actor=policy_owner)
    assert refused.value.messages == [
        "Scenario 'Mental health need goes to 111' fails: reaches o_signpost (agency gp, expected nhs_111_mh)"
    ]


@pytest.mark.django_db
def test_the_author_cannot_approve_their_own_version(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    edit(draft, policy_owner, draft.document, "Summary")
    services.policy_version_submit(version=draft, actor=policy_owner)
    with pytest.raises(PermissionDenied, match="four-eyes"):
        services.policy_version_approve(version=draft, actor=policy_owner, legal_clearance_ref="LEGAL-1")
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert audit("policies.version.approved") == []


@pytest.mark.django_db
def test_an_editor_of_the_version_cannot_approve_it_either(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    edit(draft, second_policy_owner, draft.document, "Edited by the second owner")
    services.policy_version_submit(version=draft, actor=policy_owner)
    with pytest.raises(PermissionDenied):
        services.policy_version_approve(
            version=draft, actor=second_policy_owner, legal_clearance_ref="LEGAL-1"
        )
    third = factories.UserFactory(staff_number="p5003", role="Policy owner")
    services.policy_version_approve(version=draft, actor=third, legal_clearance_ref="LEGAL-1")


@pytest.mark.django_db
def test_approval_needs_the_legal_clearance_reference(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    edit(draft, policy_owner, draft.document, "Summary")
    services.policy_version_submit(version=draft, actor=policy_owner)
    with pytest.raises(ValidationError) as refused:
        services.policy_version_approve(version=draft, actor=second_policy_owner, legal_clearance_ref="  ")
    assert refused.value.message_dict == {"legal_clearance_ref": ["Enter the legal clearance reference"]}


@pytest.mark.django_db
def test_approve_records_the_approver_and_reference(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.legal_clearance_ref) == (
        Status.APPROVED,
        second_policy_owner,
        "LEGAL-42",
    )
    [event] = audit("policies.version.approved", draft)
    assert event.actor == second_policy_owner
    assert event.data["new"] == {"status": "approved", "legal_clearance_ref": "LEGAL-42"}


@pytest.mark.django_db
def test_only_a_submitted_version_can_be_approved(draft: PolicyVersion, second_policy_owner: Any) -> None:
    with pytest.raises(ValidationError, match="Only a version submitted"):
        services.policy_version_approve(version=draft, actor=second_policy_owner, legal_clearance_ref="L")


@pytest.mark.django_db
def test_return_to_draft_clears_the_approval(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    with pytest.raises(ValidationError, match="Say why"):
        services.policy_version_return_to_draft(version=draft, actor=second_policy_owner, reason=" ")
    services.policy_version_return_to_draft(
        version=draft, actor=second_policy_owner, reason="Wording unclear"
    )
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.legal_clearance_ref) == (Status.DRAFT, None, "")
    [event] = audit("policies.version.returned", draft)
    assert event.data["new"] == {"status": "draft", "reason": "Wording unclear"}
    assert event.data["old"]["legal_clearance_ref"] == "LEGAL-42"


# --- Publish ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_publish_retires_the_live_version_in_the_same_transaction_and_audits_both(
    live: PolicyVersion, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    services.policy_version_publish(version=draft, actor=second_policy_owner)
    live.refresh_from_db()
    draft.refresh_from_db()
    assert live.status == Status.RETIRED
    assert live.retired_at == draft.published_at
    assert draft.status == Status.PUBLISHED
    assert draft.effective_from == draft.published_at
    assert policy_version_get_live(element=draft.element) == draft
    [retired] = audit("policies.version.retired", live)
    [published] = audit("policies.version.published", draft)
    assert retired.data == {"old": {"status": "published"}, "new": {"status": "retired", "replaced_by": 2}}
    assert published.data["old"] == {"status": "approved", "live": 1}
    assert published.data["new"]["content_hash"] == draft.content_hash
    assert retired.request_id == published.request_id


@pytest.mark.django_db
def test_publish_refuses_a_version_whose_scenario_fails_and_names_it(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    # A scenario added after approval, which this version fails:
    PolicyScenario.objects.create(
        element=draft.element,
        name="Mental health need goes to the GP",
        answers=factories.TINY_ANSWERS_SIGNPOST,
        expected_category="SIGNPOST",
        expected_agency="gp",
    )
    with pytest.raises(ValidationError) as refused:
        services.policy_version_publish(version=draft, actor=second_policy_owner)
    assert refused.value.messages == [
        "Scenario 'Mental health need goes to the GP' fails: "
        "reaches o_signpost (agency nhs_111_mh, expected gp)"
    ]
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert audit("policies.version.published") == []


@pytest.mark.django_db
def test_publish_refuses_a_version_that_no_longer_validates(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    Agency.objects.filter(key="gp").delete()  # the directory changed after approval
    with pytest.raises(ValidationError) as refused:
        services.policy_version_publish(version=draft, actor=second_policy_owner)
    assert refused.value.messages == ["o_refer_gp: the agency 'gp' is not in the agency directory"]


@pytest.mark.django_db
def test_only_an_approved_version_can_be_published(draft: PolicyVersion, second_policy_owner: Any) -> None:
    with pytest.raises(ValidationError, match="Only an approved version"):
        services.policy_version_publish(version=draft, actor=second_policy_owner)


@pytest.mark.django_db
def test_publishing_the_first_version_of_an_element_retires_nothing(
    agencies: Any, policy_owner: Any, second_policy_owner: Any
) -> None:
    version = services.policy_version_import(
        element=factories.element("welfare"),
        document=factories.tiny_flow(),
        change_summary="First",
        actor=policy_owner,
    )
    services.policy_version_submit(version=version, actor=policy_owner)
    services.policy_version_approve(version=version, actor=second_policy_owner, legal_clearance_ref="L-1")
    services.policy_version_publish(version=version, actor=second_policy_owner)
    assert audit("policies.version.retired") == []
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "policies.version.created",
        "policies.version.submitted",
        "policies.version.approved",
        "policies.version.published",
    ]


@pytest.mark.django_db
def test_import_refuses_an_invalid_document(agencies: Any, policy_owner: Any) -> None:
    document = factories.tiny_flow()
    document["outcomes"][0]["record"] = ""
    with pytest.raises(ValidationError, match="o_deploy: the outcome needs a 'record'"):
        services.policy_version_import(
            element=factories.element("welfare"), document=document, change_summary="x", actor=policy_owner
        )


# --- Scheduled publication ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_future_effective_time_schedules_the_version(
    live: PolicyVersion, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    when = timezone.now() + timedelta(days=2)
    services.policy_version_publish(version=draft, actor=second_policy_owner, effective_from=when)
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert draft.is_scheduled
    assert (draft.effective_from, draft.scheduled_by) == (when, second_policy_owner)
    assert policy_version_get_live(element=draft.element) == live
    [event] = audit("policies.version.scheduled", draft)
    recorded = parse_datetime(event.data["new"]["effective_from"])
    assert recorded is not None
    assert abs(recorded - when) < timedelta(milliseconds=1)


@pytest.mark.django_db
def test_a_due_version_stays_approved_until_publish_due_runs(
    live: PolicyVersion, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    import time_machine

    approved(draft, policy_owner, second_policy_owner)
    when = timezone.now() + timedelta(hours=1)
    services.policy_version_publish(version=draft, actor=second_policy_owner, effective_from=when)
    with time_machine.travel(when + timedelta(seconds=1), tick=False):
        assert policy_version_get_live(element=draft.element) == live  # reading never publishes
        draft.refresh_from_db()
        assert draft.status == Status.APPROVED
        assert audit("policies.version.published", draft) == []
        [result] = services.policy_versions_publish_due(now=timezone.now(), element=draft.element)
        assert result.published
        assert policy_version_get_live(element=draft.element) == draft
    live.refresh_from_db()
    assert live.status == Status.RETIRED
    [event] = audit("policies.version.published", draft)
    assert event.actor == second_policy_owner
    assert event.data["new"]["scheduled_for"] is not None


@pytest.mark.django_db
def test_publish_due_for_one_element_leaves_the_others_alone(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    when = timezone.now() + timedelta(hours=1)
    services.policy_version_publish(version=draft, actor=second_policy_owner, effective_from=when)
    assert services.policy_versions_publish_due(now=when, element=factories.element("awol")) == []
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED


@pytest.mark.django_db
def test_publish_due_publishes_only_what_is_due(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    when = timezone.now() + timedelta(hours=1)
    services.policy_version_publish(version=draft, actor=second_policy_owner, effective_from=when)
    assert services.policy_versions_publish_due(now=when - timedelta(minutes=1)) == []
    [result] = services.policy_versions_publish_due(now=when)
    assert result.published
    assert result.version.status == Status.PUBLISHED
    assert services.policy_versions_publish_due(now=when + timedelta(hours=1)) == []


@pytest.mark.django_db
def test_a_scheduled_version_that_fails_when_due_is_unscheduled_with_the_reason(
    live: PolicyVersion, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    when = timezone.now() + timedelta(hours=1)
    services.policy_version_publish(version=draft, actor=second_policy_owner, effective_from=when)
    Agency.objects.filter(key="gp").delete()
    [result] = services.policy_versions_publish_due(now=when)
    assert not result.published
    assert result.messages == ["o_refer_gp: the agency 'gp' is not in the agency directory"]
    draft.refresh_from_db()
    assert (draft.status, draft.effective_from) == (Status.APPROVED, None)
    [event] = audit("policies.version.unscheduled", draft)
    assert "Refused when due" in event.data["new"]["reason"]
    assert policy_version_get_live(element=draft.element) == live


@pytest.mark.django_db
def test_a_schedule_can_be_cancelled(
    draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    approved(draft, policy_owner, second_policy_owner)
    with pytest.raises(ValidationError, match="not scheduled"):
        services.policy_version_unschedule(version=draft, actor=second_policy_owner)
    services.policy_version_publish(
        version=draft, actor=second_policy_owner, effective_from=timezone.now() + timedelta(days=1)
    )
    services.policy_version_unschedule(version=draft, actor=second_policy_owner, reason="Not yet")
    draft.refresh_from_db()
    assert not draft.is_scheduled
    assert len(audit("policies.version.unscheduled", draft)) == 1


@pytest.mark.django_db
def test_the_database_backs_the_four_eyes_rule_under_the_service(
    draft: PolicyVersion, policy_owner: Any
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.filter(pk=draft.pk).update(status=Status.APPROVED, approved_by=policy_owner)


# --- Agencies --------------------------------------------------------------------------------------


AGENCY = {
    "name": "Borough crisis cafe",
    "kind": "mental_health",
    "contact": "Walk in, 18:00 to 23:00",
    "transfer": "",
    "hours": "Evenings",
    "coverage": "Lambeth",
    "effective_from": date(2024, 1, 1),
    "effective_to": None,
    "notes": "",
}


@pytest.mark.django_db
def test_agency_create_records_history_and_audit(policy_owner: Any) -> None:
    agency = services.agency_create(actor=policy_owner, key="crisis_cafe", **AGENCY)
    assert agency.history.get().history_user == policy_owner
    [event] = audit("policies.agency.created", agency)
    assert event.data["new"]["key"] == "crisis_cafe"
    assert event.data["new"]["effective_from"] == "2024-01-01"


@pytest.mark.django_db
def test_agency_update_audits_only_what_changed_and_keeps_history(policy_owner: Any) -> None:
    agency = services.agency_create(actor=policy_owner, key="crisis_cafe", **AGENCY)
    services.agency_update(
        agency=agency, actor=policy_owner, **{**AGENCY, "effective_to": date(2024, 12, 31)}
    )
    services.agency_update(
        agency=agency, actor=policy_owner, **{**AGENCY, "effective_to": date(2024, 12, 31)}
    )
    [event] = audit("policies.agency.changed", agency)
    assert event.data == {"old": {"effective_to": None}, "new": {"effective_to": "2024-12-31"}}
    assert agency.history.count() == 2


@pytest.mark.django_db
def test_agency_dates_must_be_in_order(policy_owner: Any) -> None:
    with pytest.raises(ValidationError, match="The last day must be the same as or after the first day"):
        services.agency_create(actor=policy_owner, key="bad", **{**AGENCY, "effective_to": date(2023, 1, 1)})
    assert not Agency.objects.filter(key="bad").exists()
    assert audit("policies.agency.created") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("new", "Choose another key: 'new' is reserved"),
        ("Crisis-Cafe", "Enter a key of lower-case letters, numbers and underscores"),
        ("", "Enter a key of lower-case letters, numbers and underscores"),
    ],
)
def test_agency_create_refuses_a_reserved_or_badly_formed_key(
    policy_owner: Any, key: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.agency_create(actor=policy_owner, key=key, **AGENCY)
    assert refused.value.message_dict == {"key": [message]}
    assert not Agency.objects.exists()
    assert audit("policies.agency.created") == []


@pytest.mark.django_db
def test_agency_update_refuses_dates_out_of_order(policy_owner: Any) -> None:
    agency = services.agency_create(actor=policy_owner, key="crisis_cafe", **AGENCY)
    with pytest.raises(ValidationError) as refused:
        services.agency_update(agency=agency, actor=policy_owner, effective_to=date(2023, 12, 31))
    assert refused.value.message_dict == {
        "effective_to": ["The last day must be the same as or after the first day"]
    }
    agency.refresh_from_db()
    assert agency.effective_to is None
    assert agency.history.count() == 1
    assert audit("policies.agency.changed") == []


# --- Scenarios --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_scenario_the_published_version_fails_is_refused(live: PolicyVersion, policy_owner: Any) -> None:
    with pytest.raises(ValidationError, match="The published version 1 fails this scenario"):
        services.scenario_create(
            element=live.element,
            actor=policy_owner,
            name="Wrongly expects police",
            answers=factories.TINY_ANSWERS_SIGNPOST,
            expected_category="DEPLOY",
        )


@pytest.mark.django_db
def test_a_policy_change_ends_the_old_scenario_and_starts_a_new_one(
    live: PolicyVersion, draft: PolicyVersion, policy_owner: Any
) -> None:
    old = services.scenario_create(
        element=live.element,
        actor=policy_owner,
        name="Mental health need",
        answers=factories.TINY_ANSWERS_SIGNPOST,
        expected_category="SIGNPOST",
        expected_agency="nhs_111_mh",
    )
    services.scenario_update(scenario=old, actor=policy_owner, last_version=1)
    new = services.scenario_create(
        element=live.element,
        actor=policy_owner,
        name="Mental health need (from v2)",
        answers=factories.TINY_ANSWERS_SIGNPOST,
        expected_category="SIGNPOST",
        expected_agency="gp",
        first_version=2,
    )
    actions = AuditEvent.objects.filter(action__startswith="policies.scenario").order_by("id")
    assert [a.action for a in actions] == [
        "policies.scenario.created",
        "policies.scenario.changed",
        "policies.scenario.created",
    ]
    from policies.selectors import policy_version_check

    assert policy_version_check(live).ok
    assert [r.scenario for r in policy_version_check(draft).failed] == [new]


@pytest.mark.django_db
def test_scenario_create_refuses_an_agency_not_in_the_directory(
    live: PolicyVersion, policy_owner: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.scenario_create(
            element=live.element,
            actor=policy_owner,
            name="Names a made-up agency",
            answers=factories.TINY_ANSWERS_SIGNPOST,
            expected_category="SIGNPOST",
            expected_agency="no_such_agency",
        )
    assert refused.value.message_dict == {
        "expected_agency": ["Choose an agency from the directory, or no agency"]
    }
    assert not PolicyScenario.objects.exists()
    assert audit("policies.scenario.created") == []


@pytest.mark.django_db
def test_scenario_create_refuses_fields_it_does_not_know(live: PolicyVersion, policy_owner: Any) -> None:
    with pytest.raises(TypeError, match="Unknown scenario fields: element_id"):
        services.scenario_create(
            element=live.element,
            actor=policy_owner,
            name="Sneaks in a field",
            answers=factories.TINY_ANSWERS_SIGNPOST,
            expected_category="SIGNPOST",
            expected_agency="nhs_111_mh",
            element_id=99,
        )
    assert not PolicyScenario.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"expected_agency": "no_such_agency"}, "expected_agency", "Choose an agency from the directory"),
        ({"expected_category": "MAYBE"}, "expected_category", "Choose the expected outcome category"),
        ({"first_version": 3, "last_version": 2}, "last_version", "The last version must not be before"),
    ],
)
def test_scenario_update_refuses_bad_choices_and_stores_nothing(
    live: PolicyVersion, policy_owner: Any, change: dict[str, Any], field: str, message: str
) -> None:
    scenario = services.scenario_create(
        element=live.element,
        actor=policy_owner,
        name="Mental health need",
        answers=factories.TINY_ANSWERS_SIGNPOST,
        expected_category="SIGNPOST",
        expected_agency="nhs_111_mh",
    )
    with pytest.raises(ValidationError) as refused:
        services.scenario_update(scenario=scenario, actor=policy_owner, **change)
    assert list(refused.value.message_dict) == [field]
    assert refused.value.message_dict[field][0].startswith(message)
    scenario.refresh_from_db()
    assert (scenario.expected_agency, scenario.expected_category) == ("nhs_111_mh", "SIGNPOST")
    assert (scenario.first_version, scenario.last_version) == (1, None)
    assert audit("policies.scenario.changed") == []
