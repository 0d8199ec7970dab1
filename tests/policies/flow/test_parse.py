"""Reading documents: what cannot be turned into a Flow, and the canonical JSON and hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from policies.flow import (
    Category,
    Element,
    FlowDefinitionError,
    Kind,
    Modifier,
    Problem,
    Tag,
    canonical_json,
    check,
    content_hash,
    parse,
)
from tests.policies.flow.builders import Doc, answer, load, node

Mutation = Callable[[Doc], object]
CASES: list[object] = []


def case(*expected: str) -> Callable[[Mutation], Mutation]:
    def register(mutate: Mutation) -> Mutation:
        CASES.append(pytest.param(mutate, list(expected), id=mutate.__name__))
        return mutate

    return register


@case("the flow has an unknown field 'titel' (did you mean 'title'?)")
def unknown_flow_field(doc: Doc) -> None:
    doc["titel"] = doc["title"]


@case("q_crime: the question has an unknown field 'tag' (did you mean 'tags'?)")
def unknown_question_field(doc: Doc) -> None:
    node(doc, "q_crime")["tag"] = node(doc, "q_crime").pop("tags")


@case("q_crime: answer 1 has an unknown field 'nxt' (did you mean 'next'?)")
def unknown_answer_field(doc: Doc) -> None:
    answer(doc, "q_crime", "yes")["nxt"] = "o_deploy_crime"


@case("q_checks: item 1 has an unknown field 'comment'")
def unknown_item_field(doc: Doc) -> None:
    node(doc, "q_checks")["items"][0]["comment"] = "?"


@case("o_signpost_111_mh: the outcome has an unknown field 'call_back_If' (did you mean 'call_back_if'?)")
def unknown_outcome_field(doc: Doc) -> None:
    node(doc, "o_signpost_111_mh")["call_back_If"] = "typo"


@case("the policy extract 'threshold' has an unknown field 'body'")
def unknown_reference_field(doc: Doc) -> None:
    doc["references"]["threshold"]["body"] = "?"


@case("the flow needs an 'element': one of welfare, awol, s136, transport")
def element_missing(doc: Doc) -> None:
    del doc["element"]


@case("the element 'walfare' is not one of welfare, awol, s136, transport (did you mean 'welfare'?)")
def element_unknown(doc: Doc) -> None:
    doc["element"] = "walfare"


@case("'requires_checks' must be true or false, not text")
def requires_checks_not_boolean(doc: Doc) -> None:
    doc["requires_checks"] = "yes"


@case("'title' must be text, not a number")
def title_not_text(doc: Doc) -> None:
    doc["title"] = 7


@case("'references' must be an object, not a list")
def references_not_an_object(doc: Doc) -> None:
    doc["references"] = []


@case("the policy extract 'threshold' must be a JSON object, not text")
def reference_not_an_object(doc: Doc) -> None:
    doc["references"]["threshold"] = "text"


@case("'questions' must be a list, not an object")
def questions_not_a_list(doc: Doc) -> None:
    doc["questions"] = {}


@case("'outcomes' must be a list, not null")
def outcomes_not_a_list(doc: Doc) -> None:
    doc["outcomes"] = None


@case("question 2: the question must be a JSON object, not a list")
def question_not_an_object(doc: Doc) -> None:
    doc["questions"][1] = []


@case("outcome 1: the outcome must be a JSON object, not true/false")
def outcome_not_an_object(doc: Doc) -> None:
    doc["outcomes"][0] = True


@case("question 2: the question needs an 'id'")
def question_without_id(doc: Doc) -> None:
    del doc["questions"][1]["id"]


@case("outcome 2: the outcome needs an 'id'")
def outcome_without_id(doc: Doc) -> None:
    del doc["outcomes"][1]["id"]


@case("question 1: 'id' must be text, not a number")
def id_not_text(doc: Doc) -> None:
    doc["questions"][0]["id"] = 1


@case(
    "question 1: the id 'Q Call' is not valid: use a lower-case letter followed by at most 63 lower-case "
    "letters, digits or underscores"
)
def id_not_valid(doc: Doc) -> None:
    doc["questions"][0]["id"] = "Q Call"


@case(
    "question 1: the id 'q_call\n' is not valid: use a lower-case letter followed by at most 63 lower-case "
    "letters, digits or underscores"
)
def id_with_a_trailing_newline(doc: Doc) -> None:
    doc["questions"][0]["id"] = "q_call\n"


@case(
    f"outcome 1: the id '{'o' * 65}' is not valid: use a lower-case letter followed by at most 63 "
    "lower-case letters, digits or underscores"
)
def id_too_long(doc: Doc) -> None:
    doc["outcomes"][0]["id"] = "o" * 65


@case("q_crime: the id is used more than once (questions and outcomes share one set of ids)")
def duplicate_id_across_questions_and_outcomes(doc: Doc) -> None:
    node(doc, "o_not_rcrp")["id"] = "q_crime"


@case("q_caller: the id is used more than once (questions and outcomes share one set of ids)")
def duplicate_question_id(doc: Doc) -> None:
    doc["questions"].append(dict(node(doc, "q_caller")))


@case("q_crime: the question needs a 'kind': one of choice, yes_no, multi_choice, checklist, text, time")
def kind_missing(doc: Doc) -> None:
    del node(doc, "q_crime")["kind"]


@case("q_concern: the kind 'essay' is not one of choice, yes_no, multi_choice, checklist, text, time")
def kind_unknown(doc: Doc) -> None:
    node(doc, "q_concern")["kind"] = "essay"


@case("q_concern: the kind must be one of choice, yes_no, multi_choice, checklist, text, time, not a number")
def kind_not_text(doc: Doc) -> None:
    node(doc, "q_concern")["kind"] = 3


@case("o_not_rcrp: the outcome needs a 'category': one of DEPLOY, JOINT, SIGNPOST, REFUSE_REDIRECT, NOT_RCRP")
def category_missing(doc: Doc) -> None:
    del node(doc, "o_not_rcrp")["category"]


@case(
    "o_not_rcrp: the category 'DEPLOYED' is not one of DEPLOY, JOINT, SIGNPOST, REFUSE_REDIRECT, NOT_RCRP "
    "(did you mean 'DEPLOY'?)"
)
def category_unknown(doc: Doc) -> None:
    node(doc, "o_not_rcrp")["category"] = "DEPLOYED"


@case("o_deploy_las: the modifier 'AMBULANCE' is not one of LAS, ESCALATE, NON_RCRP, SAFEGUARDING")
def modifier_unknown(doc: Doc) -> None:
    node(doc, "o_deploy_las")["modifiers"] = ["LAS", "AMBULANCE"]


@case("o_deploy_las: 'modifiers' must be a list, not text")
def modifiers_not_a_list(doc: Doc) -> None:
    node(doc, "o_deploy_las")["modifiers"] = "LAS"


@case(
    "q_crime: the tag 'crimes' is not one of crime, risk_to_life, serious_harm, checks, caller_told, "
    "pos_arrival, child, capacity (did you mean 'crime'?)"
)
def question_tag_unknown(doc: Doc) -> None:
    node(doc, "q_crime")["tags"] = ["crimes"]


@case(
    "q_crime: the answer 'yes': the tag must be one of crime, risk_to_life, serious_harm, checks, "
    "caller_told, pos_arrival, child, capacity, not a number"
)
def answer_tag_not_text(doc: Doc) -> None:
    answer(doc, "q_crime", "yes")["tags"] = [1]


@case("q_crime: the answer 'yes': 'tags' must be a list, not text")
def answer_tags_not_a_list(doc: Doc) -> None:
    answer(doc, "q_crime", "yes")["tags"] = "crime"


@case("q_crime: 'answers' must be a list, not an object")
def answers_not_a_list(doc: Doc) -> None:
    node(doc, "q_crime")["answers"] = {}


@case("q_crime: answer 2 must be a JSON object, not text")
def answer_not_an_object(doc: Doc) -> None:
    node(doc, "q_crime")["answers"][1] = "no"


@case("q_checks: item 1 must be a JSON object, not text")
def item_not_an_object(doc: Doc) -> None:
    node(doc, "q_checks")["items"][0] = "address"


@case(
    "q_crime: answer 1: 'value' must be text, not true/false",
    "q_crime: answer 1: 'next' must be text, not a list",
)
def answer_fields_not_text(doc: Doc) -> None:
    answer(doc, "q_crime", "yes").update({"value": True, "next": ["o_deploy_crime"]})


@case("q_caller: the answer 'public': 'label' must be text, not a number")
def answer_label_not_text(doc: Doc) -> None:
    answer(doc, "q_caller", "public")["label"] = 1


@case("q_checks: item 2: 'label' must be text, not null")
def item_label_not_text(doc: Doc) -> None:
    node(doc, "q_checks")["items"][1]["label"] = None


@case("o_signpost_111_mh: 'script' must be text, not a list")
def script_not_text(doc: Doc) -> None:
    node(doc, "o_signpost_111_mh")["script"] = ["Police will not attend."]


@case("the flow must be a JSON object, not set")
def not_json_at_all(doc: Doc) -> None:
    doc.clear()
    doc["__replace__"] = {"a"}


@case(
    "the flow has an unknown field 'version'",
    "q_crime: the kind 'radio' is not one of choice, yes_no, multi_choice, checklist, text, time",
    "q_crime: the tag 'crimes' is not one of crime, risk_to_life, serious_harm, checks, caller_told, "
    "pos_arrival, child, capacity (did you mean 'crime'?)",
    "o_not_rcrp: the category 'NOT' is not one of DEPLOY, JOINT, SIGNPOST, REFUSE_REDIRECT, NOT_RCRP",
)
def several_problems_at_once(doc: Doc) -> None:
    doc["version"] = "1"
    node(doc, "q_crime").update({"kind": "radio", "tags": ["crimes"]})
    node(doc, "o_not_rcrp")["category"] = "NOT"


@pytest.mark.parametrize(("mutate", "expected"), CASES)
def test_parse_refuses_with_every_problem(mutate: Mutation, expected: list[str]) -> None:
    document: Any = load("minimal_welfare")
    mutate(document)
    if "__replace__" in document:
        document = document["__replace__"]
    with pytest.raises(FlowDefinitionError) as raised:
        parse(document)
    assert [str(problem) for problem in raised.value.problems] == expected
    assert check(document) == raised.value.problems
    assert str(raised.value) == "; ".join(expected)


def test_a_list_is_not_a_flow() -> None:
    assert check([]) == [Problem("", "the flow must be a JSON object, not a list")]  # type: ignore[arg-type]


def test_parse_builds_the_flow() -> None:
    flow = parse(load("minimal_welfare"))
    assert flow.element is Element.WELFARE
    assert flow.start == "q_call_type"
    assert flow.requires_checks is True
    assert list(flow.questions)[:3] == ["q_call_type", "q_crime", "q_risk_to_life"]
    assert flow.references["threshold"].title == "The RCRP threshold"
    crime = flow.questions["q_crime"]
    assert crime.kind is Kind.YES_NO
    assert crime.tags == {Tag.CRIME}
    assert crime.reference == "threshold"
    assert [(a.value, a.label, a.next) for a in crime.answers] == [
        ("yes", "Yes", "o_deploy_crime"),
        ("no", "No", "q_risk_to_life"),
    ]
    assert crime.answers[0].tags == {Tag.CRIME}
    assert flow.questions["q_checks"].items[0].label == "Address history"
    las = flow.outcomes["o_deploy_las"]
    assert (las.category, las.modifiers, las.agency) == (Category.DEPLOY, frozenset({Modifier.LAS}), "las")


def test_optional_fields_default() -> None:
    document = {
        "element": "awol",
        "title": "T",
        "start": "q_a",
        "questions": [
            {"id": "q_a", "text": "?", "kind": "yes_no", "answers": [{"value": "yes"}, {"value": "no"}]}
        ],
        "outcomes": [{"id": "o_a", "category": "JOINT"}],
    }
    flow = parse(document)
    assert flow.requires_checks is True
    assert flow.references == {}
    question = flow.questions["q_a"]
    assert (question.guidance, question.reference, question.next, question.tags) == ("", "", "", frozenset())
    assert [(a.label, a.next, a.hint, a.note) for a in question.answers] == [
        ("Yes", "", "", ""),
        ("No", "", "", ""),
    ]
    o = flow.outcomes["o_a"]
    assert (o.title, o.agency, o.script, o.record, o.call_back_if, o.rationale, o.modifiers) == (
        "",
        "",
        "",
        "",
        "",
        "",
        frozenset(),
    )


def test_canonical_json_sorts_keys_and_drops_whitespace() -> None:
    assert (
        canonical_json({"b": [1, {"d": "é", "c": None}], "a": True})
        == '{"a":true,"b":[1,{"c":null,"d":"é"}]}'
    )


def test_content_hash_is_the_sha256_of_the_canonical_utf8_json() -> None:
    document = {"title": "Café", "element": "welfare"}
    expected = hashlib.sha256('{"element":"welfare","title":"Café"}'.encode()).hexdigest()
    assert content_hash(document) == expected


def test_content_hash_ignores_key_order_and_formatting() -> None:
    document = load("minimal_welfare")
    reordered = json.loads(json.dumps(document, indent=4, sort_keys=True))
    reordered = dict(reversed(list(reordered.items())))
    assert list(reordered) != list(document)
    assert content_hash(reordered) == content_hash(document)


def test_content_hash_changes_with_the_content() -> None:
    document = load("minimal_welfare")
    before = content_hash(document)
    node(document, "q_crime")["text"] += " "
    assert content_hash(document) != before
