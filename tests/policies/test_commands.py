"""check_policies on the real v1 content and on broken versions; publish_due_policies."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from policies import content, services
from policies.models import PolicyScenario, PolicyVersion
from policies.selectors import policy_version_get_live
from tests.policies import factories

ELEMENTS = ("welfare", "awol", "s136", "transport")


def run(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("check_policies", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.mark.django_db
def test_check_policies_passes_on_v1_for_all_four_elements(
    policy_owner: Any, second_policy_owner: Any
) -> None:
    for slug in ELEMENTS:
        factories.published_v1(slug, author=policy_owner, approver=second_policy_owner)
    output, error = run()
    assert error is None, output
    counts = {slug: len(content.scenarios(slug)) for slug in ELEMENTS}
    total = sum(counts.values())
    assert total >= 32
    assert [line for line in output.splitlines() if not line.startswith("  screens to ")] == [
        *(f"{slug} v1: {counts[slug]} scenarios passed" for slug in ELEMENTS),
        f"scenarios: {total} passed, 0 failed",
        "screens to a no-police outcome: median 11, max 13",
    ]


@pytest.mark.django_db
def test_check_policies_passes_v2_with_at_most_eight_screens_to_a_no_police_outcome(
    policy_owner: Any, second_policy_owner: Any
) -> None:
    for slug in ELEMENTS:
        factories.published_v2(slug, author=policy_owner, approver=second_policy_owner)
    output, error = run()
    assert error is None, output
    counts = {slug: len(content.scenarios(slug, 2)) for slug in ELEMENTS}
    assert min(counts.values()) >= 25
    assert sum(counts.values()) >= 120
    lines = output.splitlines()
    for slug in ELEMENTS:
        assert f"{slug} v1 (retired): valid (scenarios are not run on retired versions)" in lines
        at = lines.index(f"{slug} v2: {counts[slug]} scenarios passed")
        assert lines[at + 1].startswith("  screens to DEPLOY: median ")
    assert lines[-2] == f"scenarios: {sum(counts.values())} passed, 0 failed"
    words = lines[-1].split()
    assert words[:6] == ["screens", "to", "a", "no-police", "outcome:", "median"]
    assert float(words[6].rstrip(",")) <= 8


@pytest.mark.django_db
def test_check_policies_names_a_failing_scenario_and_exits_non_zero(
    live: PolicyVersion, scenario: Any
) -> None:
    PolicyScenario.objects.create(
        element=live.element,
        name="Expects police",
        answers=factories.TINY_ANSWERS_SIGNPOST,
        expected_category="DEPLOY",
    )
    output, error = run()
    assert error is not None
    assert error.returncode == 1
    assert output.splitlines() == [
        "welfare v1: 1 scenarios passed, 1 failed",
        "  - FAILED Expects police: reaches o_signpost (category SIGNPOST, expected DEPLOY; "
        "agency nhs_111_mh, expected none)",
        "  screens to SIGNPOST: median 5, max 5 (1 scenarios)",
        "scenarios: 1 passed, 1 failed",
        "screens to a no-police outcome: median 5, max 5",
    ]


@pytest.mark.django_db
def test_check_policies_validates_every_version_and_agency_keys(
    live: PolicyVersion, draft: PolicyVersion, policy_owner: Any
) -> None:
    broken = factories.tiny_flow()
    broken["outcomes"][1]["agency"] = "not_in_directory"
    PolicyVersion.objects.filter(pk=draft.pk).update(document=broken)
    output, error = run()
    assert error is not None
    assert output.splitlines() == [
        "welfare v1: 0 scenarios passed",
        "welfare v2 (draft): INVALID, 1 problems",
        "  - o_signpost: the agency 'not_in_directory' is not in the agency directory",
        "scenarios: 0 passed, 0 failed",
        "screens to a no-police outcome: no published scenario ends without police",
    ]
    assert "1 invalid versions" in str(error)


@pytest.mark.django_db
def test_check_policies_validates_retired_versions_without_running_scenarios(
    live: PolicyVersion, policy_owner: Any, second_policy_owner: Any, scenario: Any
) -> None:
    draft = services.policy_version_create_draft(element=live.element, actor=policy_owner)
    services.policy_version_update_draft(
        version=draft, actor=policy_owner, document=draft.document, change_summary="Same again"
    )
    services.policy_version_submit(version=draft, actor=policy_owner)
    services.policy_version_approve(version=draft, actor=second_policy_owner, legal_clearance_ref="L")
    services.policy_version_publish(version=draft, actor=second_policy_owner)
    output, error = run()
    assert error is None
    assert output.splitlines() == [
        "welfare v1 (retired): valid (scenarios are not run on retired versions)",
        "welfare v2: 1 scenarios passed",
        "  screens to SIGNPOST: median 5, max 5 (1 scenarios)",
        "scenarios: 1 passed, 0 failed",
        "screens to a no-police outcome: median 5, max 5",
    ]


@pytest.mark.django_db
def test_check_policies_warns_about_a_published_agency_that_has_stopped(live: PolicyVersion) -> None:
    from policies.models import Agency

    Agency.objects.filter(key="gp").update(effective_to=timezone.localdate() - timedelta(days=1))
    output, error = run()
    assert error is None
    assert "  - warning: the agency 'gp' is not in force today" in output.splitlines()


@pytest.mark.django_db
def test_publish_due_policies(
    live: PolicyVersion, draft: PolicyVersion, policy_owner: Any, second_policy_owner: Any
) -> None:
    services.policy_version_update_draft(
        version=draft, actor=policy_owner, document=draft.document, change_summary="Same"
    )
    services.policy_version_submit(version=draft, actor=policy_owner)
    services.policy_version_approve(version=draft, actor=second_policy_owner, legal_clearance_ref="L")
    when = timezone.now() + timedelta(hours=2)
    services.policy_version_publish(version=draft, actor=second_policy_owner, effective_from=when)
    out = StringIO()
    call_command("publish_due_policies", stdout=out)
    assert out.getvalue() == "Nothing due.\n"
    with time_machine.travel(when, tick=False):
        # Due, but reading the live version publishes nothing: the command does.
        assert policy_version_get_live(element=draft.element) == live
        out = StringIO()
        call_command("publish_due_policies", stdout=out)
        assert policy_version_get_live(element=draft.element) == draft
    assert out.getvalue() == "welfare v2: published\n"
    draft.refresh_from_db()
    assert draft.status == PolicyVersion.Status.PUBLISHED
    live.refresh_from_db()
    assert live.status == PolicyVersion.Status.RETIRED
