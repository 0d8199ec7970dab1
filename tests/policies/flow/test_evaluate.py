"""Walking a flow: next_step, path, clean_answer, run_scenario and render."""

from __future__ import annotations

from typing import Any

import pytest

from policies.flow import (
    PLACEHOLDERS,
    AnswerValue,
    Flow,
    FlowDefinitionError,
    InvalidAnswer,
    Outcome,
    Question,
    ScenarioError,
    clean_answer,
    next_step,
    parse,
    path,
    render,
    run_scenario,
)
from tests.policies.flow.builders import flow_document, load, outcome, yes_no

CHECKS = ("address", "phone", "pnc", "previous")
# One complete walk through the golden welfare flow, using every kind of question.
WALK: list[tuple[str, AnswerValue]] = [
    ("q_call_type", "welfare"),  # choice
    ("q_crime", "no"),  # yes_no
    ("q_risk_to_life", "no"),
    ("q_serious_harm", "no"),
    ("q_last_contact", "14:30"),  # time
    ("q_concern", "Not answering the phone since this morning"),  # text
    ("q_checks", CHECKS),  # checklist
    ("q_checks_result", "no"),
    ("q_caller", "public"),
    ("q_own_options", "no"),
]


@pytest.fixture(scope="module")
def welfare() -> Flow:
    return parse(load("minimal_welfare"))


# next_step -------------------------------------------------------------------------------------------


def test_no_answers_gives_the_start_question(welfare: Flow) -> None:
    step = next_step(welfare, [])
    assert isinstance(step, Question)
    assert step.id == "q_call_type"


def test_a_full_walk_ends_in_the_outcome(welfare: Flow) -> None:
    step = next_step(welfare, WALK)
    assert isinstance(step, Outcome)
    assert step.id == "o_signpost_111_mh"


@pytest.mark.parametrize("answered", range(len(WALK)))
def test_going_back_is_truncating_the_answers(welfare: Flow, answered: int) -> None:
    step = next_step(welfare, WALK[:answered])
    assert step.id == WALK[answered][0]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([("q_call_type", "other")], "o_not_rcrp"),
        ([("q_call_type", "welfare"), ("q_crime", "yes")], "o_deploy_crime"),
        ([*WALK[:2], ("q_risk_to_life", "taken_something")], "o_deploy_las"),
        ([*WALK[:3], ("q_serious_harm", "yes")], "o_deploy_risk_to_life"),
        ([*WALK[:8], ("q_caller", "partner")], "o_refuse_partner"),
        ([*WALK[:9], ("q_own_options", "yes")], "o_signpost_keyholder"),
    ],
)
def test_each_answer_leads_where_the_document_says(
    welfare: Flow, answers: list[tuple[str, AnswerValue]], expected: str
) -> None:
    assert next_step(welfare, answers).id == expected


def test_checklist_values_may_be_a_list_in_any_order(welfare: Flow) -> None:
    answers: list[tuple[str, Any]] = [*WALK[:6], ("q_checks", ["previous", "pnc", "phone", "address"])]
    assert next_step(welfare, answers).id == "q_checks_result"


@pytest.mark.parametrize(
    ("answers", "question_id", "message"),
    [
        ([("q_crime", "no")], "q_crime", "this answers q_crime, but the question reached is q_call_type"),
        (
            [("q_call_type", "other"), ("q_crime", "no")],
            "q_crime",
            "the walk has already reached the outcome o_not_rcrp: there is no question to answer",
        ),
        (
            [("q_call_type", "maybe")],
            "q_call_type",
            "'maybe' is not one of the answers to this question (welfare, other)",
        ),
        (
            [("q_call_type", ("welfare",))],
            "q_call_type",
            "('welfare',) is not one of the answers to this question (welfare, other)",
        ),
        (
            [*WALK[:1], ("q_crime", "Yes")],
            "q_crime",
            "'Yes' is not one of the answers to this question (yes, no)",
        ),
        (
            [*WALK[:4], ("q_last_contact", "9:30")],
            "q_last_contact",
            "a time must be given as HH:MM on the 24-hour clock, not '9:30'",
        ),
        (
            [*WALK[:4], ("q_last_contact", "24:00")],
            "q_last_contact",
            "a time must be given as HH:MM on the 24-hour clock, not '24:00'",
        ),
        (
            [*WALK[:4], ("q_last_contact", ("14:30",))],
            "q_last_contact",
            "a time must be given as HH:MM on the 24-hour clock, not ('14:30',)",
        ),
        (
            [*WALK[:5], ("q_concern", "  ")],
            "q_concern",
            "a text answer must be 1 to 500 characters, not '  '",
        ),
        (
            [*WALK[:5], ("q_concern", "x" * 501)],
            "q_concern",
            f"a text answer must be 1 to 500 characters, not {repr('x' * 501)[:57]}...",
        ),
        (
            [*WALK[:5], ("q_concern", ("a",))],
            "q_concern",
            "a text answer must be 1 to 500 characters, not ('a',)",
        ),
        (
            [*WALK[:6], ("q_checks", ("address", "phone", "pnc"))],
            "q_checks",
            "every item must be ticked once: expected address, phone, pnc, previous; got address, phone, pnc",
        ),
        (
            [*WALK[:6], ("q_checks", (*CHECKS, "pnc"))],
            "q_checks",
            "every item must be ticked once: expected address, phone, pnc, previous; "
            "got address, phone, pnc, previous, pnc",
        ),
        (
            [*WALK[:6], ("q_checks", (*CHECKS[:3], "other"))],
            "q_checks",
            "every item must be ticked once: expected address, phone, pnc, previous; "
            "got address, phone, pnc, other",
        ),
        (
            [*WALK[:6], ("q_checks", "address")],
            "q_checks",
            "a checklist answer must be the list of items ticked, not 'address'",
        ),
        (
            [*WALK[:6], ("q_checks", ("address", 1))],
            "q_checks",
            "a checklist answer must be the list of items ticked, not ('address', 1)",
        ),
    ],
)
def test_a_wrong_answer_raises_invalid_answer_naming_the_question(
    welfare: Flow, answers: list[tuple[str, Any]], question_id: str, message: str
) -> None:
    with pytest.raises(InvalidAnswer) as raised:
        next_step(welfare, answers)
    assert (raised.value.question_id, raised.value.message) == (question_id, message)
    assert str(raised.value) == f"{question_id}: {message}"


def test_walking_a_broken_flow_raises_flow_definition_error() -> None:
    document = flow_document(yes_no("q_a", "o_a", "q_typo"), outcome("o_a"))
    flow = parse(document)
    assert next_step(flow, [("q_a", "yes")]).id == "o_a"
    with pytest.raises(FlowDefinitionError) as raised:
        next_step(flow, [("q_a", "no")])
    assert [str(p) for p in raised.value.problems] == [
        "q_a: the walk leads to 'q_typo', which does not exist"
    ]
    document["start"] = "q_gone"
    with pytest.raises(FlowDefinitionError, match="the start 'q_gone' does not exist"):
        next_step(parse(document), [])


def test_path_lists_the_questions_answered(welfare: Flow) -> None:
    assert [q.id for q in path(welfare, WALK)] == [question_id for question_id, _ in WALK]
    assert path(welfare, []) == []
    with pytest.raises(InvalidAnswer):
        path(welfare, [("q_crime", "no")])


# run_scenario ----------------------------------------------------------------------------------------


def test_run_scenario_walks_to_the_outcome_and_returns_the_answers_used(welfare: Flow) -> None:
    answers = dict(WALK) | {"q_unused": "ignored", "q_checks": list(CHECKS)}
    given, reached = run_scenario(welfare, answers)
    assert reached.id == "o_signpost_111_mh"
    assert given == WALK


def test_run_scenario_names_a_question_without_an_answer(welfare: Flow) -> None:
    answers = dict(WALK[:3])
    with pytest.raises(ScenarioError) as raised:
        run_scenario(welfare, answers)
    assert raised.value.question_id == "q_serious_harm"
    assert str(raised.value) == (
        "q_serious_harm: the scenario has no answer to this question: "
        "'Is the person at risk of serious harm that they cannot protect themselves from?'"
    )


def test_run_scenario_refuses_an_answer_that_is_not_allowed(welfare: Flow) -> None:
    with pytest.raises(InvalidAnswer, match="q_crime: 'perhaps' is not one of the answers"):
        run_scenario(welfare, {"q_call_type": "welfare", "q_crime": "perhaps"})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "q_call_type: None is not one of the answers to this question (welfare, other)"),
        (3, "q_call_type: 3 is not one of the answers to this question (welfare, other)"),
    ],
)
def test_run_scenario_refuses_values_that_are_not_text(welfare: Flow, value: object, message: str) -> None:
    with pytest.raises(InvalidAnswer) as raised:
        run_scenario(welfare, {"q_call_type": value})  # type: ignore[dict-item]
    assert str(raised.value) == message


def test_run_scenario_does_not_split_a_checklist_given_as_text(welfare: Flow) -> None:
    with pytest.raises(
        InvalidAnswer, match="a checklist answer must be the list of items ticked, not 'address'"
    ):
        run_scenario(welfare, dict(WALK) | {"q_checks": "address"})


def test_run_scenario_stops_going_round_a_cycle() -> None:
    flow = parse(flow_document(yes_no("q_a", "q_b", "o_a"), yes_no("q_b", "q_a", "o_a"), outcome("o_a")))
    with pytest.raises(ScenarioError, match="q_a: the walk came back to this question: the flow has a cycle"):
        run_scenario(flow, {"q_a": "yes", "q_b": "yes"})


def test_run_scenario_on_a_flow_that_starts_with_an_outcome() -> None:
    flow = parse(flow_document(yes_no("q_a", "o_a", "o_a"), outcome("o_a")) | {"start": "o_a"})
    assert run_scenario(flow, {}) == ([], flow.outcomes["o_a"])


# clean_answer ----------------------------------------------------------------------------------------


def question_of(welfare: Flow, question_id: str) -> Question:
    return welfare.questions[question_id]


@pytest.mark.parametrize(
    ("question_id", "raw", "note", "expected"),
    [
        ("q_call_type", "welfare", "", ("welfare", "")),
        ("q_call_type", " other ", "  a note  ", ("other", "a note")),
        ("q_crime", "yes", "", ("yes", "")),
        (
            "q_risk_to_life",
            "no",
            "Caller says he is at work and fine",
            ("no", "Caller says he is at work and fine"),
        ),
        ("q_last_contact", "14:30", "", ("14:30", "")),
        ("q_last_contact", "9:05", "", ("09:05", "")),
        ("q_last_contact", "0905", "", ("09:05", "")),
        ("q_last_contact", " 23.59 ", "", ("23:59", "")),
        ("q_last_contact", "00:00", "", ("00:00", "")),
        ("q_concern", "  Not answering since 9am \n", "", ("Not answering since 9am", "")),
        ("q_concern", "x" * 500, "", ("x" * 500, "")),
        ("q_checks", ["pnc", "address", "previous", "phone"], "", (CHECKS, "")),
        ("q_checks", ("address", "phone", "pnc", "previous", "pnc"), "", (CHECKS, "")),
    ],
)
def test_clean_answer_normalises_good_input(
    welfare: Flow, question_id: str, raw: object, note: str, expected: tuple[AnswerValue, str]
) -> None:
    question = question_of(welfare, question_id)
    assert clean_answer(question, raw, note) == expected
    value, _ = expected
    # Whatever clean_answer returns, the walk accepts.
    assert next_step(welfare, [*WALK[: [q for q, _ in WALK].index(question_id)], (question_id, value)])


@pytest.mark.parametrize(
    ("question_id", "raw", "note", "message"),
    [
        ("q_call_type", "", "", "Select an answer"),
        ("q_call_type", None, "", "Select an answer"),
        ("q_call_type", "maybe", "", "Select an answer"),
        ("q_call_type", ["welfare"], "", "Select an answer"),
        ("q_risk_to_life", "no", "", "Say why (a note is needed for this answer)"),
        ("q_risk_to_life", "no", "   ", "Say why (a note is needed for this answer)"),
        ("q_crime", "no", "n" * 501, "Note must be 500 characters or fewer"),
        ("q_checks", ["address", "phone", "pnc"], "", "Tick every check to confirm it was done"),
        ("q_checks", [], "", "Tick every check to confirm it was done"),
        ("q_checks", None, "", "Tick every check to confirm it was done"),
        ("q_checks", "address", "", "Tick every check to confirm it was done"),
        ("q_checks", [*CHECKS, "made_up"], "", "Tick only the checks shown"),
        ("q_concern", "", "", "Enter your answer"),
        ("q_concern", " \n ", "", "Enter your answer"),
        ("q_concern", None, "", "Enter your answer"),
        ("q_concern", "x" * 501, "", "Answer must be 500 characters or fewer"),
        ("q_last_contact", "", "", "Enter the time in 24-hour format, like 14:30"),
        ("q_last_contact", "2pm", "", "Enter the time in 24-hour format, like 14:30"),
        ("q_last_contact", "24:00", "", "Enter the time in 24-hour format, like 14:30"),
        ("q_last_contact", "12:60", "", "Enter the time in 24-hour format, like 14:30"),
        ("q_last_contact", "123:00", "", "Enter the time in 24-hour format, like 14:30"),
        ("q_last_contact", 1430, "", "Enter the time in 24-hour format, like 14:30"),
    ],
)
def test_clean_answer_messages(welfare: Flow, question_id: str, raw: object, note: str, message: str) -> None:
    with pytest.raises(InvalidAnswer) as raised:
        clean_answer(question_of(welfare, question_id), raw, note)
    assert (raised.value.question_id, raised.value.message) == (question_id, message)


def test_clean_answer_keeps_an_optional_note_and_ignores_a_note_that_is_not_text(welfare: Flow) -> None:
    assert clean_answer(question_of(welfare, "q_crime"), "no", "Spoke to the caller") == (
        "no",
        "Spoke to the caller",
    )
    assert clean_answer(question_of(welfare, "q_crime"), "no", None) == ("no", "")  # type: ignore[arg-type]


# render ----------------------------------------------------------------------------------------------

CONTEXT = {
    "incident_ref": "CAD 1234/26NOV",
    "agency_name": "NHS 111",
    "agency_contact": "111, option 2",
    "element": "welfare",
    "version": "3",
}


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ("Your reference is {incident_ref}.", CONTEXT, "Your reference is CAD 1234/26NOV."),
        (
            "RCRP {element} v{version}: signposted to {agency_name} on {agency_contact}.",
            CONTEXT,
            "RCRP welfare v3: signposted to NHS 111 on 111, option 2.",
        ),
        (
            "Ref {incident_ref}; {agency_name} {agency_contact} {element} {version}",
            {},
            "Ref [incident reference]; [agency name] [agency contact] [element] [version]",
        ),
        ("Ref {incident_ref}", {"incident_ref": ""}, "Ref [incident reference]"),
        ("Unknown {name} and { spaced } and {} stay", CONTEXT, "Unknown {name} and { spaced } and {} stay"),
        (
            "Literal {{incident_ref}} and {{{incident_ref}}}",
            CONTEXT,
            "Literal {incident_ref} and {CAD 1234/26NOV}",
        ),
        ("Stray { and } and {{ and }}", CONTEXT, "Stray { and } and { and }"),
        ("Unclosed {incident_ref", CONTEXT, "Unclosed {incident_ref"),
        (
            "{0} {__class__} {incident_ref.__class__} {incident_ref!r}",
            CONTEXT,
            "{0} {__class__} {incident_ref.__class__} {incident_ref!r}",
        ),
        ("{agency_name}", {"agency_name": "{incident_ref} {{x}}"}, "{incident_ref} {{x}}"),
        ("{version}", {"version": 3}, "3"),
        ("", CONTEXT, ""),
        ("No placeholders at all.", CONTEXT, "No placeholders at all."),
    ],
)
def test_render(template: str, context: dict[str, Any], expected: str) -> None:
    assert render(template, context) == expected


def test_render_knows_every_placeholder() -> None:
    template = " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    assert render(template, CONTEXT) == " ".join(CONTEXT[name] for name in PLACEHOLDERS)
