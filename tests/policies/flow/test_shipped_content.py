"""The shipped v1 policy content: every flow validates, and every scenario reaches its expected outcome.

No Django and no database: the documents are read from policies/content/ and walked with the pure
engine in policies.flow, as the publish service and ``check_policies`` do.
"""

from __future__ import annotations

import datetime
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from policies import flow

CONTENT = Path(__file__).resolve().parents[3] / "policies" / "content"
VERSION_DIR = CONTENT / "v1"
ELEMENTS = ("welfare", "awol", "s136", "transport")
MIN_SCENARIOS = 8

CALLER_TYPES = {
    "public",
    "self",
    "partner:nhs_trust",
    "partner:gp",
    "partner:social_care",
    "partner:care_provider",
    "partner:ambulance",
    "partner:alarm_company",
    "partner:housing",
    "partner:other",
}
AGENCY_KINDS = {
    "health",
    "ambulance",
    "mental_health",
    "social_care",
    "support",
    "access",
    "police_internal",
    "partner",
}
AGENCY_FIELDS = {
    "key",
    "name",
    "kind",
    "contact",
    "transfer",
    "hours",
    "coverage",
    "effective_from",
    "effective_to",
    "notes",
}
# Agencies the flows and domain.md section 7 rely on; removing one needs a policy decision.
REQUIRED_AGENCIES = {
    "nhs_111_mh",
    "trust_crisis_line",
    "las",
    "nhs_111",
    "gp",
    "care_team",
    "adult_social_care",
    "adult_social_care_edt",
    "childrens_social_care",
    "keyholder",
    "samaritans",
    "shout",
    "mind_info",
    "childline",
    "referring_provider",
    "secure_transport",
    "pos_trust_oncall",
    "police_mh_advice_line",
}


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


@cache
def _agencies() -> tuple[dict[str, Any], ...]:
    return tuple(_load(CONTENT / "agencies.json"))


def _agency_keys() -> set[str]:
    return {agency["key"] for agency in _agencies()}


@cache
def _document(element: str) -> dict[str, Any]:
    return _load(VERSION_DIR / f"{element}.json")


@cache
def _flow(element: str) -> flow.Flow:
    return flow.parse(_document(element))


@cache
def _scenarios(element: str) -> tuple[dict[str, Any], ...]:
    return tuple(_load(VERSION_DIR / "scenarios" / f"{element}.json"))


SCENARIO_CASES = [
    pytest.param(element, scenario, id=f"{element}: {scenario['name']}")
    for element in ELEMENTS
    for scenario in _scenarios(element)
]


# Agency directory ------------------------------------------------------------------------------------


def test_agency_keys_are_unique():
    keys = [agency["key"] for agency in _agencies()]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert duplicates == []


def test_agency_directory_holds_the_agencies_the_flows_rely_on():
    assert REQUIRED_AGENCIES - _agency_keys() == set()


@pytest.mark.parametrize("agency", _agencies(), ids=lambda agency: agency["key"])
def test_agency_entry_is_complete_and_dated(agency):
    assert set(agency) == AGENCY_FIELDS
    assert agency["kind"] in AGENCY_KINDS
    for field in ("key", "name", "contact", "transfer", "hours", "coverage"):
        assert agency[field].strip(), f"{agency['key']}: '{field}' is empty"
    start = datetime.date.fromisoformat(agency["effective_from"])
    if agency["effective_to"] is not None:
        assert datetime.date.fromisoformat(agency["effective_to"]) >= start


def test_111_option_2_supersedes_the_trust_crisis_line_without_a_gap():
    by_key = {agency["key"]: agency for agency in _agencies()}
    crisis_line_ends = datetime.date.fromisoformat(by_key["trust_crisis_line"]["effective_to"])
    option_2_starts = datetime.date.fromisoformat(by_key["nhs_111_mh"]["effective_from"])
    assert option_2_starts - crisis_line_ends == datetime.timedelta(days=1)


# Flow documents --------------------------------------------------------------------------------------


@pytest.mark.parametrize("element", ELEMENTS)
def test_flow_passes_every_check(element):
    problems = flow.check(_document(element), agency_keys=_agency_keys())
    assert [str(problem) for problem in problems] == []


@pytest.mark.parametrize("element", ELEMENTS)
def test_flow_file_holds_its_own_element(element):
    assert _document(element)["element"] == element


@pytest.mark.parametrize("element", ELEMENTS)
def test_no_police_outcomes_require_checks(element):
    assert _document(element)["requires_checks"] is True


@pytest.mark.parametrize("element", ELEMENTS)
def test_flow_outcomes_point_at_agencies_in_force_today(element):
    in_force = {agency["key"] for agency in _agencies() if agency["effective_to"] is None}
    stale = {
        o.id: o.agency for o in _flow(element).outcomes.values() if o.agency and o.agency not in in_force
    }
    assert stale == {}


@pytest.mark.parametrize("element", ELEMENTS)
def test_every_question_cites_a_policy_extract_and_every_extract_is_cited(element):
    questions = _flow(element).questions.values()
    uncited_questions = [question.id for question in questions if not question.reference]
    cited = {question.reference for question in questions}
    assert uncited_questions == []
    assert set(_flow(element).references) - cited == set()


@pytest.mark.parametrize("element", ELEMENTS)
def test_every_outcome_is_complete_for_the_handler_and_the_log(element):
    for outcome in _flow(element).outcomes.values():
        assert outcome.title.strip(), outcome.id
        assert outcome.script.strip(), outcome.id
        assert outcome.call_back_if.strip(), outcome.id
        assert outcome.rationale.strip(), outcome.id
        assert outcome.record.startswith("RCRP {element} v{version}:"), outcome.id
        assert "redial" not in outcome.script.lower(), outcome.id


# Scenarios -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("element", ELEMENTS)
def test_element_has_enough_scenarios_with_unique_names(element):
    names = [scenario["name"] for scenario in _scenarios(element)]
    assert len(names) >= MIN_SCENARIOS
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(("element", "scenario"), SCENARIO_CASES)
def test_scenario_reaches_expected_outcome(element, scenario):
    assert scenario["caller_type"] in CALLER_TYPES
    assert scenario["description"].strip()
    given, outcome = flow.run_scenario(_flow(element), scenario["answers"])
    reached = {
        "category": str(outcome.category),
        "agency": outcome.agency or None,
        "outcome": outcome.id,
    }
    assert reached == scenario["expected"]
    # Every answer in the scenario is used by the walk, so stale answers cannot hide a changed path.
    assert [question_id for question_id, _ in given] == list(scenario["answers"])


@pytest.mark.parametrize("element", ELEMENTS)
def test_scenarios_reach_every_outcome_category_of_the_flow(element):
    used = {str(outcome.category) for outcome in _flow(element).outcomes.values()}
    reached = {scenario["expected"]["category"] for scenario in _scenarios(element)}
    assert used - reached == set()


@pytest.mark.parametrize("element", ELEMENTS)
def test_scenarios_reach_every_outcome_of_the_flow(element):
    reached = {scenario["expected"]["outcome"] for scenario in _scenarios(element)}
    assert set(_flow(element).outcomes) - reached == set()
