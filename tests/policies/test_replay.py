"""The "what would change" report: scenarios and registered sources' decisions replayed on a draft."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from policies import replay, services
from policies.models import PolicyVersion
from tests.policies import factories

SIGNPOST_PAIRS: list[tuple[str, str | tuple[str, ...]]] = [
    ("q_crime", "no"),
    ("q_risk", "no"),
    ("q_harm", "no"),
    ("q_checks", ("address", "pnc")),
    ("q_need", "mh"),
]


@pytest.fixture
def source() -> Iterator[list[replay.ReplayCase]]:
    """A registered source returning whatever the test puts in the list."""
    cases: list[replay.ReplayCase] = []
    calls: list[tuple[str, int]] = []

    def recorded(element_slug: str, limit: int) -> list[replay.ReplayCase]:
        calls.append((element_slug, limit))
        return cases

    replay.register_source(recorded)
    replay.register_source(recorded)  # idempotent
    assert replay.registered_sources().count(recorded) == 1
    yield cases
    replay.unregister_source(recorded)
    assert calls
    assert calls[0][0] == "welfare"


def send_mental_health_to_gp(draft: PolicyVersion, actor: Any) -> None:
    document = copy.deepcopy(draft.document)
    document["questions"][4]["answers"][0]["next"] = "o_refer_gp"
    document["questions"][4]["answers"][1]["next"] = "o_signpost"
    services.policy_version_update_draft(version=draft, actor=actor, document=document, change_summary="Swap")
    draft.refresh_from_db()


@pytest.mark.django_db
def test_an_unchanged_draft_changes_nothing(draft: PolicyVersion, scenario: Any, source: list[Any]) -> None:
    source.append(replay.ReplayCase("Call 1", SIGNPOST_PAIRS, "o_signpost", "SIGNPOST", "/toolkit/x/"))
    report = replay.what_would_change(draft)
    assert report.live is not None
    assert report.live.number == 1
    assert len(report.scenarios) == 1
    assert report.changed_scenarios == []
    assert len(report.cases) == 1
    assert report.changed_cases == []


@pytest.mark.django_db
def test_the_report_lists_every_scenario_and_decision_whose_outcome_would_differ(
    draft: PolicyVersion, scenario: Any, source: list[Any], policy_owner: Any
) -> None:
    source.append(replay.ReplayCase("Call 1", SIGNPOST_PAIRS, "o_signpost", "SIGNPOST", None))
    source.append(
        replay.ReplayCase(
            "Call 2 (crime)", [("q_crime", "yes")], "o_deploy", "DEPLOY", "/toolkit/decisions/2/"
        )
    )
    send_mental_health_to_gp(draft, policy_owner)
    report = replay.what_would_change(draft)
    [row] = report.changed_scenarios
    assert row.scenario == scenario
    assert (row.now.outcome_id, row.draft.outcome_id, row.passes) == ("o_signpost", "o_refer_gp", False)  # type: ignore[union-attr]
    [case] = report.changed_cases
    assert case.case.label == "Call 1"
    assert case.draft.outcome_id == "o_refer_gp"


@pytest.mark.django_db
def test_a_decision_the_draft_cannot_finish_is_listed(
    draft: PolicyVersion, source: list[Any], policy_owner: Any
) -> None:
    document = copy.deepcopy(draft.document)
    document["questions"][0]["answers"][1]["next"] = "q_new"
    document["questions"].insert(
        1,
        {
            "id": "q_new",
            "text": "A new question",
            "kind": "yes_no",
            "answers": [{"value": "yes", "next": "o_deploy"}, {"value": "no", "next": "q_risk"}],
        },
    )
    services.policy_version_update_draft(
        version=draft, actor=policy_owner, document=document, change_summary="x"
    )
    draft.refresh_from_db()
    source.append(replay.ReplayCase("Old call", SIGNPOST_PAIRS, "o_signpost", "SIGNPOST", None))
    [case] = replay.what_would_change(draft).changed_cases
    assert not case.draft.finished
    assert "q_new" in str(case.draft)


@pytest.mark.django_db
def test_a_broken_source_does_not_break_the_report(draft: PolicyVersion) -> None:
    def broken(element_slug: str, limit: int) -> list[replay.ReplayCase]:
        raise RuntimeError("decision log unavailable")

    replay.register_source(broken)
    try:
        report = replay.what_would_change(draft)
    finally:
        replay.unregister_source(broken)
    assert report.source_errors == [broken.__qualname__]


@pytest.mark.django_db
def test_a_scenario_new_in_the_draft_is_shown_as_not_run_now(draft: PolicyVersion) -> None:
    factories.PolicyScenarioFactory(name="New in v2", first_version=2)
    report = replay.what_would_change(draft)
    [row] = report.changed_scenarios
    assert row.now is None
    assert row.passes
