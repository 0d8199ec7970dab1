"""diff: what changed between two versions of a flow, in plain words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pytest

from policies.flow import Change, diff, parse
from tests.policies.flow.builders import Doc, answer, load, node, outcome, yes_no

Mutation = Callable[[Doc], object]
CASES: list[object] = []


def case(
    *expected: tuple[Literal["added", "removed", "changed"], str, str],
) -> Callable[[Mutation], Mutation]:
    def register(mutate: Mutation) -> Mutation:
        CASES.append(pytest.param(mutate, [Change(*c) for c in expected], id=mutate.__name__))
        return mutate

    return register


@case()
def nothing(doc: Doc) -> None:
    pass


@case(
    (
        "changed",
        "q_crime",
        "Question q_crime: the wording changed from 'Has a crime happened, or is one happening now "
        "(including assault, domestic abuse, neglect or threats)?' to 'Has a crime happened?'",
    )
)
def wording(doc: Doc) -> None:
    node(doc, "q_crime")["text"] = "Has a crime happened?"


@case(
    (
        "changed",
        "q_own_options",
        "Question q_own_options: answer 'no' now leads to o_refuse_partner instead of o_signpost_111_mh",
    )
)
def answer_target(doc: Doc) -> None:
    answer(doc, "q_own_options", "no")["next"] = "o_refuse_partner"


@case(("changed", "o_signpost_111_mh", "Outcome o_signpost_111_mh: the script changed"))
def script(doc: Doc) -> None:
    node(doc, "o_signpost_111_mh")["script"] += " Thank you."


@case(
    ("changed", "o_signpost_111_mh", "Outcome o_signpost_111_mh: the record text changed"),
    ("changed", "o_signpost_111_mh", "Outcome o_signpost_111_mh: the 'call back if' text changed"),
    ("changed", "o_signpost_111_mh", "Outcome o_signpost_111_mh: the rationale changed"),
)
def other_outcome_texts(doc: Doc) -> None:
    for key in ("record", "call_back_if", "rationale"):
        node(doc, "o_signpost_111_mh")[key] += "!"


@case(
    (
        "changed",
        "o_signpost_keyholder",
        "Outcome o_signpost_keyholder: the category changed from Signpost to Refuse and redirect",
    ),
    (
        "changed",
        "o_signpost_keyholder",
        "Outcome o_signpost_keyholder: the modifiers changed from none to +LAS, +ESCALATE",
    ),
    (
        "changed",
        "o_signpost_keyholder",
        "Outcome o_signpost_keyholder: the title changed from 'Signpost the caller to check on the "
        "person themselves' to 'Keyholder'",
    ),
    (
        "changed",
        "o_signpost_keyholder",
        "Outcome o_signpost_keyholder: the agency changed from keyholder to none",
    ),
)
def outcome_settings(doc: Doc) -> None:
    node(doc, "o_signpost_keyholder").update(
        {"category": "REFUSE_REDIRECT", "modifiers": ["ESCALATE", "LAS"], "title": "Keyholder", "agency": ""}
    )


@case(
    ("changed", "q_crime", "Question q_crime: the kind changed from yes_no to choice"),
    ("changed", "q_crime", "Question q_crime: the guidance changed"),
    ("changed", "q_crime", "Question q_crime: the policy reference changed from 'threshold' to 'immediate'"),
    ("changed", "q_crime", "Question q_crime: no longer tagged crime"),
    ("changed", "q_crime", "Question q_crime: now tagged checks"),
)
def question_settings(doc: Doc) -> None:
    node(doc, "q_crime").update(
        {"kind": "choice", "guidance": "New", "reference": "immediate", "tags": ["checks"]}
    )


@case(
    ("changed", "q_crime", "Question q_crime: answer 'yes' is now labelled 'Yes, a crime' instead of 'Yes'"),
    ("changed", "q_crime", "Question q_crime: answer 'yes' is no longer tagged crime"),
    ("changed", "q_crime", "Question q_crime: answer 'yes' is now tagged serious_harm"),
    ("changed", "q_crime", "Question q_crime: the hint on answer 'yes' changed"),
    ("changed", "q_crime", "Question q_crime: answer 'yes' now needs a note: 'Say what'"),
)
def answer_settings(doc: Doc) -> None:
    answer(doc, "q_crime", "yes").update(
        {"label": "Yes, a crime", "tags": ["serious_harm"], "hint": "Hint", "note": "Say what"}
    )


@case(
    (
        "changed",
        "q_risk_to_life",
        "Question q_risk_to_life: the note prompt on answer 'no' changed from 'Say what the caller "
        "told you that rules this out' to 'Why?'",
    ),
    ("changed", "q_checks_result", "Question q_checks_result: answer 'yes' no longer needs a note"),
)
def notes(doc: Doc) -> None:
    answer(doc, "q_risk_to_life", "no")["note"] = "Why?"
    del answer(doc, "q_checks_result", "yes")["note"]


@case(
    ("changed", "q_caller", "Question q_caller: answer 'unsure' was added ('Unsure'), leading to o_not_rcrp"),
    (
        "changed",
        "q_caller",
        "Question q_caller: answer 'partner_threat' ('A partner with a planned visit and a "
        "specific threat to their staff') was removed",
    ),
    ("changed", "q_caller", "Question q_caller: the answers are in a different order"),
)
def answers_added_removed_and_reordered(doc: Doc) -> None:
    answers = node(doc, "q_caller")["answers"]
    answers[:] = [answers[1], answers[0], {"value": "unsure", "label": "Unsure", "next": "o_not_rcrp"}]


@case(
    ("changed", "q_checks", "Question q_checks: now leads to q_caller instead of q_checks_result"),
    (
        "changed",
        "q_checks",
        "Question q_checks: check 'pnc' is now labelled 'PNC' instead of 'PNC and markers'",
    ),
    ("changed", "q_checks", "Question q_checks: check 'markers' was added: 'Markers'"),
    ("changed", "q_checks", "Question q_checks: check 'previous' was removed: 'Previous incidents'"),
)
def checklist(doc: Doc) -> None:
    question = node(doc, "q_checks")
    question["items"][2]["label"] = "PNC"
    question["items"][3] = {"value": "markers", "label": "Markers"}
    question["next"] = "q_caller"


@case(("changed", "q_concern", "Question q_concern: now leads to nothing instead of q_checks"))
def next_removed(doc: Doc) -> None:
    del node(doc, "q_concern")["next"]


@case(
    ("added", "q_new", "Question q_new was added: 'Question q_new?'"),
    ("added", "o_new", "Outcome o_new was added: 'Outcome o_new' (Joint response +ESCALATE)"),
    (
        "removed",
        "q_own_options",
        "Question q_own_options was removed: 'Can the caller, or someone they know, safely check "
        "on the person (for example a relative with a key)?'",
    ),
    ("removed", "o_not_rcrp", "Outcome o_not_rcrp was removed: 'Handle as an ordinary call'"),
)
def nodes_added_and_removed(doc: Doc) -> None:
    doc["questions"] = [q for q in doc["questions"] if q["id"] != "q_own_options"] + [
        yes_no("q_new", "o_new", "o_new")
    ]
    doc["outcomes"] = [o for o in doc["outcomes"] if o["id"] != "o_not_rcrp"] + [
        outcome("o_new", "JOINT", modifiers=["ESCALATE"])
    ]


@case(
    ("changed", "o_not_rcrp", "Outcome o_not_rcrp is now a question: 'Question o_not_rcrp?'"),
    ("changed", "q_own_options", "Question q_own_options is now an outcome: 'Outcome q_own_options'"),
)
def node_changes_sort(doc: Doc) -> None:
    doc["questions"] = [q for q in doc["questions"] if q["id"] != "q_own_options"] + [
        yes_no("o_not_rcrp", "o_deploy_crime", "o_deploy_crime")
    ]
    doc["outcomes"] = [o for o in doc["outcomes"] if o["id"] != "o_not_rcrp"] + [outcome("q_own_options")]


@case(
    ("changed", "", "The element changed from welfare to awol"),
    ("changed", "", "The flow's title changed from 'Concern for welfare (golden test flow)' to 'Walkouts'"),
    ("changed", "", "The flow now starts at q_crime instead of q_call_type"),
    ("changed", "", "Paths to a no-police outcome no longer need a checks question"),
    ("changed", "", "Policy extract 'threshold': the title changed from 'The RCRP threshold' to 'Threshold'"),
    ("changed", "", "Policy extract 'threshold': the text changed"),
    ("added", "", "Policy extract 'new' was added: 'New'"),
    ("removed", "", "Policy extract 'immediate' was removed: 'What 'immediate' means'"),
)
def flow_settings(doc: Doc) -> None:
    doc.update({"element": "awol", "title": "Walkouts", "start": "q_crime", "requires_checks": False})
    doc["references"] = {
        "threshold": {"title": "Threshold", "text": "New text"},
        "new": {"title": "New", "text": "N"},
    }


@pytest.mark.parametrize(("mutate", "expected"), CASES)
def test_diff_describes_each_change(mutate: Mutation, expected: list[Change]) -> None:
    old = load("minimal_welfare")
    new = load("minimal_welfare")
    mutate(new)
    assert diff(parse(old), parse(new)) == expected


def test_diff_the_other_way_round() -> None:
    old = load("minimal_welfare")
    new = load("minimal_welfare")
    new["requires_checks"] = False
    assert [str(c) for c in diff(parse(new), parse(old))] == [
        "Paths to a no-police outcome now need a checks question"
    ]


def test_diff_of_a_flow_with_itself_is_empty() -> None:
    flow = parse(load("s136_handover"))
    assert diff(flow, flow) == []
