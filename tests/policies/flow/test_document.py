"""The document model: vocabularies, labels, and the Flow's maps and invariants."""

from __future__ import annotations

import pytest

from policies.flow import (
    CATEGORIES,
    CATEGORY_LABELS,
    ELEMENTS,
    ENGINE_VERSION,
    KINDS,
    MODIFIERS,
    PLACEHOLDERS,
    TAGS,
    Answer,
    Category,
    Element,
    Flow,
    Kind,
    Modifier,
    Outcome,
    Question,
    Reference,
    Tag,
    parse,
)
from policies.flow.document import split_template
from tests.policies.flow.builders import load


def test_vocabularies_match_the_contract() -> None:
    assert ENGINE_VERSION == "2.0"
    assert ELEMENTS == ("welfare", "awol", "s136", "transport")
    assert KINDS == ("choice", "yes_no", "multi_choice", "checklist", "text", "time")
    assert CATEGORIES == ("DEPLOY", "JOINT", "SIGNPOST", "REFUSE_REDIRECT", "NOT_RCRP")
    assert MODIFIERS == ("LAS", "ESCALATE", "NON_RCRP", "SAFEGUARDING")
    assert TAGS == (
        "crime",
        "risk_to_life",
        "serious_harm",
        "checks",
        "caller_told",
        "pos_arrival",
        "child",
        "capacity",
    )
    assert PLACEHOLDERS == ("incident_ref", "agency_name", "agency_contact", "element", "version")


@pytest.mark.parametrize(
    ("category", "label", "police_attend"),
    [
        ("DEPLOY", "Deploy police", True),
        ("JOINT", "Joint response", True),
        ("SIGNPOST", "Signpost", False),
        ("REFUSE_REDIRECT", "Refuse and redirect", False),
        ("NOT_RCRP", "Not an RCRP call: ordinary policing", True),
    ],
)
def test_category_labels_and_who_attends(category: str, label: str, police_attend: bool) -> None:
    assert Category(category).label == CATEGORY_LABELS[Category(category)] == label
    assert Category(category).police_attend is police_attend
    outcome = Outcome(id="o_x", category=Category(category), title="X")
    assert outcome.police_attend is police_attend
    assert outcome.no_police is not police_attend


def test_outcome_label_lists_modifiers_in_vocabulary_order() -> None:
    outcome = Outcome("o_x", Category.DEPLOY, "X", modifiers=frozenset({Modifier.ESCALATE, Modifier.LAS}))
    assert outcome.label == "Deploy police +LAS +ESCALATE"
    assert Modifier.LAS.label == "Also pass to or request the London Ambulance Service"


def test_enums_are_strings() -> None:
    assert Category.DEPLOY == "DEPLOY"
    assert str(Category.SIGNPOST) == "SIGNPOST"
    assert f"{Tag.RISK_TO_LIFE}" == "risk_to_life"
    assert [kind.has_answers for kind in Kind] == [True, True, True, False, False, False]


def test_flow_node_lookup() -> None:
    flow = parse(load("minimal_welfare"))
    assert flow.node("q_crime") is flow.questions["q_crime"]
    assert flow.node("o_not_rcrp") is flow.outcomes["o_not_rcrp"]
    assert flow.get("q_nowhere") is None
    with pytest.raises(KeyError):
        flow.node("q_nowhere")
    assert ["q_crime" in flow, "o_not_rcrp" in flow, "q_nowhere" in flow] == [True, True, False]
    assert [n.id for n in flow.nodes()][:2] == ["q_call_type", "q_crime"]
    assert len(list(flow.nodes())) == len(flow.questions) + len(flow.outcomes)


def test_flow_maps_are_read_only_and_flows_compare_by_value() -> None:
    flow = parse(load("minimal_welfare"))
    with pytest.raises(TypeError):
        flow.questions["q_new"] = flow.questions["q_crime"]  # type: ignore[index]
    assert flow == parse(load("minimal_welfare"))


def test_question_helpers() -> None:
    question = Question(
        id="q_x",
        text="?",
        kind=Kind.CHOICE,
        answers=(
            Answer("a", "A", "o_1"),
            Answer("b", "B", "o_1", note="Say why"),
            Answer("c", "C", ""),
            Answer("d", "D", "o_2", note="  "),
        ),
    )
    assert question.targets == ("o_1", "o_2")
    assert question.answer("b") is question.answers[1]
    assert question.answer("z") is None
    assert [a.needs_note for a in question.answers] == [False, True, False, False]
    assert Question(id="q_y", text="?", kind=Kind.TEXT, next="o_1").targets == ("o_1",)
    assert Question(id="q_y", text="?", kind=Kind.TEXT).targets == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"questions": {"q_b": Question("q_a", "?", Kind.TEXT)}}, "q_a is filed under the key 'q_b'"),
        ({"outcomes": {"o_b": Outcome("o_a", Category.DEPLOY, "A")}}, "o_a is filed under the key 'o_b'"),
        ({"references": {"b": Reference("a", "A", "a")}}, "the reference 'a' is filed under the key 'b'"),
        (
            {
                "questions": {"x": Question("x", "?", Kind.TEXT)},
                "outcomes": {"x": Outcome("x", Category.DEPLOY, "X")},
            },
            "x: both a question and an outcome",
        ),
    ],
)
def test_flow_constructor_checks_its_keys(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "element": Element.WELFARE,
        "title": "T",
        "start": "q_a",
        "questions": {},
        "outcomes": {},
    }
    with pytest.raises(ValueError, match=message):
        Flow(**(arguments | kwargs))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("template", "parts"),
    [
        ("", []),
        ("plain", [("text", "plain")]),
        ("a {x} b", [("text", "a "), ("field", "x"), ("text", " b")]),
        ("{{x}}", [("text", "{"), ("text", "x"), ("text", "}")]),
        ("{{{x}}}", [("text", "{"), ("field", "x"), ("text", "}")]),
        ("{ } {", [("field", " "), ("text", " "), ("stray", "{")]),
        ("a } b", [("text", "a "), ("stray", "}"), ("text", " b")]),
        ("{a{b}", [("stray", "{"), ("text", "a"), ("field", "b")]),
    ],
)
def test_split_template(template: str, parts: list[tuple[str, str]]) -> None:
    assert split_template(template) == parts
