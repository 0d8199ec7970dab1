"""Validation: every rule refuses a broken document with exactly the expected problems."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from policies.flow import Flow, Problem, check, parse, validate
from policies.flow.graph import Graph as _Graph
from tests.policies.flow.builders import (
    Doc,
    answer,
    checklist,
    choice,
    flow_document,
    load,
    node,
    outcome,
    safe_ladder,
    yes_no,
)

AGENCIES = ["las", "referring_provider", "keyholder", "nhs_111_mh", "pos_trust_oncall"]

Mutation = Callable[[Doc], object]
CASES: list[object] = []


def case(
    *expected: str, base: Callable[[], Doc] = lambda: load("minimal_welfare")
) -> Callable[[Mutation], Mutation]:
    """Register a mutation of a valid document and the problems it must produce, in order."""

    def register(mutate: Mutation) -> Mutation:
        CASES.append(pytest.param(base, mutate, list(expected), id=mutate.__name__))
        return mutate

    return register


# Structure: the flow ----------------------------------------------------------------------------------


@case("the flow needs a 'title'")
def title_missing(doc: Doc) -> None:
    del doc["title"]


@case("the flow needs a 'start': the id of its first question")
def start_missing(doc: Doc) -> None:
    del doc["start"]


@case("the start 'q_nowhere' does not exist")
def start_names_nothing(doc: Doc) -> None:
    doc["start"] = "q_nowhere"


@case("the start 'o_not_rcrp' is an outcome: the flow must start with a question")
def start_is_an_outcome(doc: Doc) -> None:
    doc["start"] = "o_not_rcrp"


@case("the policy extract 'threshold' needs a 'title'", "the policy extract 'threshold' needs its 'text'")
def reference_empty(doc: Doc) -> None:
    doc["references"]["threshold"] = {}


# Structure: questions ----------------------------------------------------------------------------------


@case("q_crime: the question needs its wording ('text')")
def question_text_missing(doc: Doc) -> None:
    node(doc, "q_crime")["text"] = "  "


@case("q_crime: the reference 'nowhere' names no policy extract in 'references'")
def reference_names_nothing(doc: Doc) -> None:
    node(doc, "q_crime")["reference"] = "nowhere"


@case("q_serious_harm: the answer 'yes' leads to 'q_nowhere', which does not exist")
def answer_leads_nowhere(doc: Doc) -> None:
    answer(doc, "q_serious_harm", "yes")["next"] = "q_nowhere"


@case("q_serious_harm: the answer 'yes' does not say where it leads ('next')")
def answer_without_next(doc: Doc) -> None:
    del answer(doc, "q_serious_harm", "yes")["next"]


@case(
    "q_last_contact: 'next' leads to 'q_nowhere', which does not exist",
    "q_concern: this question cannot be reached from the start (nor, through it, can q_checks, "
    "q_checks_result, q_caller, q_own_options, o_joint_visit, o_refuse_partner, o_signpost_keyholder "
    "and o_signpost_111_mh)",
)
def next_leads_nowhere(doc: Doc) -> None:
    node(doc, "q_last_contact")["next"] = "q_nowhere"


@case("q_last_contact: a choice question needs two or more answers")
def choice_with_one_answer(doc: Doc) -> None:
    question = node(doc, "q_last_contact")
    question["kind"] = "choice"
    question["answers"] = [{"value": "ok", "label": "OK", "next": question.pop("next")}]


@case("q_caller: the answer value 'public' is used more than once")
def duplicate_answer_values(doc: Doc) -> None:
    node(doc, "q_caller")["answers"].append({"value": "public", "label": "Again", "next": "o_refuse_partner"})


@case("q_caller: answer 1 has no 'value'")
def answer_without_value(doc: Doc) -> None:
    del answer(doc, "q_caller", "public")["value"]


@case("q_caller: the answer 'public' needs a 'label'")
def answer_without_label(doc: Doc) -> None:
    del answer(doc, "q_caller", "public")["label"]


@case("q_own_options: a yes_no question needs exactly two answers, 'yes' and 'no'")
def yes_no_with_other_values(doc: Doc) -> None:
    answer(doc, "q_own_options", "no").update({"value": "nope", "label": "Nope"})


@case("q_own_options: a yes_no question needs exactly two answers, 'yes' and 'no'")
def yes_no_with_three_answers(doc: Doc) -> None:
    node(doc, "q_own_options")["answers"].append({"value": "maybe", "label": "Maybe", "next": "o_not_rcrp"})


@case(
    "q_crime: the answer 'no' is tagged checks, but an answer can only be tagged crime, risk_to_life "
    "or serious_harm"
)
def answer_tag_not_for_answers(doc: Doc) -> None:
    answer(doc, "q_crime", "no")["tags"] = ["checks"]


@case("q_caller: a choice question cannot have 'items': only a checklist has items")
def items_on_a_choice(doc: Doc) -> None:
    node(doc, "q_caller")["items"] = [{"value": "a", "label": "A"}]


@case("q_caller: a choice question cannot have its own 'next': each answer says where it leads")
def next_on_a_choice(doc: Doc) -> None:
    node(doc, "q_caller")["next"] = "o_refuse_partner"


@case("q_concern: a text question cannot have 'answers': it has one 'next'")
def answers_on_text(doc: Doc) -> None:
    node(doc, "q_concern")["answers"] = [{"value": "a", "label": "A", "next": "q_checks"}]


@case("q_concern: a text question cannot have 'items': only a checklist has items")
def items_on_text(doc: Doc) -> None:
    node(doc, "q_concern")["items"] = [{"value": "a", "label": "A"}]


@case("q_checks: a checklist needs at least one item to tick")
def checklist_without_items(doc: Doc) -> None:
    node(doc, "q_checks")["items"] = []


@case(
    "q_checks: a checklist question needs a 'next': the id of the node that follows it",
    "q_checks_result: this question cannot be reached from the start (nor, through it, can q_caller, "
    "q_own_options, o_joint_visit, o_refuse_partner, o_signpost_keyholder and o_signpost_111_mh)",
)
def checklist_without_next(doc: Doc) -> None:
    del node(doc, "q_checks")["next"]


@case(
    "q_checks: the item 'address' needs a 'label'",
    "q_checks: item 2 has no 'value'",
    "q_checks: the item value 'pnc' is used more than once",
)
def checklist_items_broken(doc: Doc) -> None:
    items = node(doc, "q_checks")["items"]
    items[0]["label"] = ""
    del items[1]["value"]
    items[3]["value"] = "pnc"


# Structure: outcomes -------------------------------------------------------------------------------


@case("o_deploy_crime: the outcome needs a 'title'")
def outcome_without_title(doc: Doc) -> None:
    del node(doc, "o_deploy_crime")["title"]


@case("o_deploy_crime: the outcome needs a 'script' for the handler to read to the caller")
def outcome_without_script(doc: Doc) -> None:
    del node(doc, "o_deploy_crime")["script"]


@case("o_deploy_crime: the outcome needs a 'record': the text for the decision log")
def outcome_without_record(doc: Doc) -> None:
    node(doc, "o_deploy_crime")["record"] = ""


@case("o_signpost_keyholder: a no-police outcome needs an 'agency': who will help instead")
def no_police_without_agency(doc: Doc) -> None:
    del node(doc, "o_signpost_keyholder")["agency"]


@case("o_signpost_keyholder: a no-police outcome needs a 'call back if' text")
def no_police_without_call_back_if(doc: Doc) -> None:
    del node(doc, "o_signpost_keyholder")["call_back_if"]


@case(
    "o_refuse_partner: the outcome needs a 'script' for the handler to read to the caller",
    "o_refuse_partner: a no-police outcome needs a 'call back if' text",
)
def no_police_without_script_or_call_back_if(doc: Doc) -> None:
    del node(doc, "o_refuse_partner")["script"]
    del node(doc, "o_refuse_partner")["call_back_if"]


@case("o_signpost_111_mh: the agency 'nhs_112' is not in the agency directory")
def agency_not_in_directory(doc: Doc) -> None:
    node(doc, "o_signpost_111_mh")["agency"] = "nhs_112"


@case(
    "o_signpost_111_mh: the script uses {agency_phone}, which is not a placeholder: use {incident_ref}, "
    "{agency_name}, {agency_contact}, {element}, {version}, or {{ and }} for a literal brace"
)
def unknown_placeholder(doc: Doc) -> None:
    node(doc, "o_signpost_111_mh")["script"] = "Ring {agency_phone} or {agency_phone}."


@case(
    "o_signpost_111_mh: the record has a '{' that is not part of a placeholder: write {{ for a literal brace"
)
def stray_opening_brace(doc: Doc) -> None:
    node(doc, "o_signpost_111_mh")["record"] = "Signposted { to {agency_name}."


@case(
    "o_signpost_111_mh: the 'call back if' text has a '}' that is not part of a placeholder: "
    "write }} for a literal brace"
)
def stray_closing_brace(doc: Doc) -> None:
    node(doc, "o_signpost_111_mh")["call_back_if"] = "Call back if } happens. {{Literal}} braces are fine."


@case("o_deploy_crime: the script uses {agency_name} but the outcome names no agency")
def agency_placeholder_without_agency(doc: Doc) -> None:
    node(doc, "o_deploy_crime")["script"] = "Police and {agency_name} are coming."


# Graph -------------------------------------------------------------------------------------------------


@case("q_orphan: this question cannot be reached from the start")
def unreachable_question(doc: Doc) -> None:
    doc["questions"].append(yes_no("q_orphan", "o_deploy_crime", "o_not_rcrp"))


@case("o_unused: this outcome cannot be reached from the start")
def unreachable_outcome(doc: Doc) -> None:
    doc["outcomes"].append(outcome("o_unused"))


@case(
    "q_orphan: this question cannot be reached from the start (nor, through it, can q_orphan_b and o_unused)",
    "q_orphan_c: this question cannot be reached from the start",
)
def unreachable_regions(doc: Doc) -> None:
    doc["questions"] += [
        yes_no("q_orphan", "q_orphan_b", "o_not_rcrp"),
        yes_no("q_orphan_b", "o_unused", "o_not_rcrp"),
        yes_no("q_orphan_c", "q_orphan_b", "o_not_rcrp"),
    ]
    doc["outcomes"].append(outcome("o_unused"))


@case(
    "q_orphan_a: this question cannot be reached from the start (nor, through it, can q_orphan_b)",
    "q_orphan_a: cycle: q_orphan_a → q_orphan_b → q_orphan_a",
)
def unreachable_cycle(doc: Doc) -> None:
    doc["questions"] += [
        yes_no("q_orphan_a", "q_orphan_b", "o_not_rcrp"),
        yes_no("q_orphan_b", "q_orphan_a", "o_not_rcrp"),
    ]


@case("q_checks_result: cycle: q_checks_result → q_caller → q_checks_result")
def cycle(doc: Doc) -> None:
    node(doc, "q_caller")["answers"].append({"value": "unsure", "label": "Unsure", "next": "q_checks_result"})


@case("q_caller: cycle: q_caller → q_caller")
def self_loop(doc: Doc) -> None:
    node(doc, "q_caller")["answers"].append({"value": "again", "label": "Ask again", "next": "q_caller"})


def loops() -> Doc:
    """A valid base whose questions the cycle cases below point back at each other."""
    return flow_document(
        choice("q_start", ("yes", "o_deploy"), ("no", "q_loop_a"), ("other", "q_loop_c")),
        yes_no("q_loop_a", "q_loop_b", "o_deploy"),
        yes_no("q_loop_b", "o_deploy", "o_deploy"),
        yes_no("q_loop_c", "o_deploy", "o_deploy"),
        outcome("o_deploy"),
    )


def point(doc: Doc, question_id: str, **targets: str) -> None:
    """Point a question's answers (by value) at new targets."""
    for value, target in targets.items():
        answer(doc, question_id, value)["next"] = target


@case(
    "q_loop_a: cycle: q_loop_a → q_loop_b → q_loop_a",
    "q_loop_a: no outcome can be reached from q_loop_a or q_loop_b: every answer leads back round the cycle",
    "q_loop_c: cycle: q_loop_c → q_loop_c",
    base=loops,
)
def cycle_with_no_way_out(doc: Doc) -> None:
    point(doc, "q_loop_a", no="q_loop_b")
    point(doc, "q_loop_b", yes="q_loop_a", no="q_loop_a")
    point(doc, "q_loop_c", yes="q_loop_c")


@case(
    "q_loop_a: cycle: q_loop_a → q_loop_b → q_loop_a",
    "q_loop_c: cycle: q_loop_c → q_loop_c",
    "q_loop_c: no outcome can be reached from q_loop_c: every answer leads back round the cycle",
    base=loops,
)
def cycle_leading_only_into_a_trap(doc: Doc) -> None:
    """The first cycle's only way out leads into the trap: only the trap is reported as one."""
    point(doc, "q_loop_a", no="q_loop_c")
    point(doc, "q_loop_b", yes="q_loop_a", no="q_loop_a")
    point(doc, "q_loop_c", yes="q_loop_c", no="q_loop_c")


@case(
    "q_loop_c: the answer 'no' leads to 'q_typo', which does not exist",
    "q_loop_c: cycle: q_loop_c → q_loop_c",
    base=loops,
)
def cycle_whose_way_out_is_broken(doc: Doc) -> None:
    """The dangling answer is reported; the cycle is not also called a trap."""
    point(doc, "q_loop_c", yes="q_loop_c", no="q_typo")


# Safety ------------------------------------------------------------------------------------------------


@case(
    "o_signpost: a path reaches this no-police outcome without asking a question tagged risk_to_life "
    "(q_start → q_harm → q_checks → o_signpost)",
    base=safe_ladder,
)
def path_to_signpost_skips_risk_to_life(doc: Doc) -> None:
    node(doc, "q_start")["answers"].append({"value": "unsure", "label": "Unsure", "next": "q_harm"})


@case(
    "o_signpost: a path reaches this no-police outcome without asking a question tagged crime "
    "(q_other → q_life → q_harm → q_checks → o_signpost)",
    base=safe_ladder,
)
def path_to_signpost_skips_crime(doc: Doc) -> None:
    doc["questions"].insert(0, choice("q_other", ("a", "q_start"), ("b", "q_life")))
    doc["start"] = "q_other"


@case(
    "o_refuse: a path reaches this no-police outcome without asking a question tagged serious_harm "
    "(q_start → q_life → q_choose → o_refuse)",
    "o_refuse: a path reaches this no-police outcome without asking a question tagged checks "
    "(q_start → q_life → q_choose → o_refuse)",
    base=safe_ladder,
)
def path_to_refuse_skips_two_tags(doc: Doc) -> None:
    answer(doc, "q_life", "no")["next"] = "q_choose"
    doc["questions"].append(choice("q_choose", ("harm", "q_harm"), ("refuse", "o_refuse")))
    doc["outcomes"].append(outcome("o_refuse", "REFUSE_REDIRECT"))


@case(
    "o_signpost: a path reaches this no-police outcome without asking a question tagged checks "
    "(q_start → q_life → q_harm → o_signpost)",
    base=safe_ladder,
)
def path_to_signpost_skips_checks(doc: Doc) -> None:
    answer(doc, "q_harm", "no")["next"] = "o_signpost"
    del doc["questions"][3]  # q_checks


@case(base=safe_ladder)
def checks_may_be_skipped_when_not_required(doc: Doc) -> None:
    path_to_signpost_skips_checks(doc)
    doc["requires_checks"] = False


@case(
    "q_harm: the answer 'yes' says a crime is involved but can lead to o_signpost, "
    "where police do not attend",
    base=safe_ladder,
)
def crime_answer_reaches_signpost(doc: Doc) -> None:
    answer(doc, "q_harm", "yes").update({"next": "q_checks", "tags": ["crime"]})


@case(
    "q_life: the answer 'yes' says a crime is involved and there is a risk to life but can lead to "
    "o_refuse or o_signpost, where police do not attend",
    base=safe_ladder,
)
def risk_to_life_answer_reaches_two_no_police_outcomes(doc: Doc) -> None:
    answer(doc, "q_life", "yes").update({"next": "q_harm", "tags": ["risk_to_life", "crime"]})
    node(doc, "q_checks")["next"] = "q_after_checks"
    doc["questions"].append(choice("q_after_checks", ("refuse", "o_refuse"), ("signpost", "o_signpost")))
    doc["outcomes"].insert(0, outcome("o_refuse", "REFUSE_REDIRECT"))


@case(
    "q_harm: the answer 'yes' says there is a risk of serious harm but can lead to o_signpost, "
    "where police do not attend",
    base=safe_ladder,
)
def serious_harm_answer_reaches_signpost(doc: Doc) -> None:
    answer(doc, "q_harm", "yes")["next"] = "q_checks"


@case("q_life: no answer to this risk-to-life question can lead to a Deploy police outcome", base=safe_ladder)
def risk_to_life_question_cannot_deploy(doc: Doc) -> None:
    doc["outcomes"].append(outcome("o_joint", "JOINT"))
    answer(doc, "q_life", "yes")["next"] = "o_joint"
    answer(doc, "q_harm", "yes")["next"] = "o_joint"


@case(base=safe_ladder)
def risk_to_life_answer_may_lead_to_joint_or_not_rcrp(doc: Doc) -> None:
    doc["outcomes"] += [outcome("o_joint", "JOINT"), outcome("o_not_rcrp", "NOT_RCRP")]
    node(doc, "q_life")["kind"] = "choice"
    node(doc, "q_life")["answers"] = [
        {"value": "a", "label": "A", "next": "o_joint", "tags": ["risk_to_life"]},
        {"value": "b", "label": "B", "next": "o_not_rcrp", "tags": ["risk_to_life"]},
        {"value": "c", "label": "C", "next": "o_deploy", "tags": ["risk_to_life"]},
        {"value": "no", "label": "No", "next": "q_harm"},
    ]


@case(base=lambda: load("s136_handover"))
def golden_s136(doc: Doc) -> None:
    pass


@pytest.mark.parametrize(("base", "mutate", "expected"), CASES)
def test_check_reports_exactly_the_expected_problems(
    base: Callable[[], Doc], mutate: Mutation, expected: list[str]
) -> None:
    document = base()
    assert check(document, agency_keys=AGENCIES) == [], "the base document must be valid"
    mutate(document)
    assert [str(problem) for problem in check(document, agency_keys=AGENCIES)] == expected


def test_a_document_with_four_problems_gets_one_message_for_each() -> None:
    document = safe_ladder()
    document["questions"].append(yes_no("q_orphan", "o_deploy", "o_signpost"))  # unreachable
    node(document, "q_start")["answers"].append({"value": "unsure", "label": "Unsure", "next": "q_harm"})
    del node(document, "o_deploy")["script"]
    node(document, "q_harm")["kind"] = "choice"
    node(document, "q_harm")["answers"].append({"value": "recheck", "label": "Recheck", "next": "q_life"})

    problems = check(document)

    assert problems == [
        Problem("o_deploy", "the outcome needs a 'script' for the handler to read to the caller"),
        Problem("q_orphan", "this question cannot be reached from the start"),
        Problem("q_life", "cycle: q_life → q_harm → q_life"),
        Problem(
            "o_signpost",
            "a path reaches this no-police outcome without asking a question tagged risk_to_life "
            "(q_start → q_harm → q_checks → o_signpost)",
        ),
    ]


def test_agencies_are_checked_only_against_a_directory_that_is_given() -> None:
    document = load("minimal_welfare")
    node(document, "o_signpost_111_mh")["agency"] = "anything"
    assert check(document) == []
    assert [str(p) for p in check(document, agency_keys={"las", "keyholder", "referring_provider"})] == [
        "o_signpost_111_mh: the agency 'anything' is not in the agency directory"
    ]


def test_validate_takes_a_flow_and_check_takes_a_document() -> None:
    document = safe_ladder()
    flow = parse(document)
    assert isinstance(flow, Flow)
    assert validate(flow) == check(document) == []


def test_one_message_per_outcome_and_missing_tag_however_many_paths_skip_it() -> None:
    document = safe_ladder()
    answer(document, "q_life", "no")["next"] = "q_harm_twin"
    twin = yes_no("q_harm_twin", "o_deploy", "q_checks", tags=("serious_harm",), yes_tags=("serious_harm",))
    document["questions"].append(twin)
    node(document, "q_start")["answers"] += [
        {"value": "x", "label": "X", "next": "q_harm"},
        {"value": "y", "label": "Y", "next": "q_harm_twin"},
    ]
    messages = [str(p) for p in check(document)]
    assert messages == [
        "o_signpost: a path reaches this no-police outcome without asking a question tagged risk_to_life "
        "(q_start → q_harm → q_checks → o_signpost)"
    ]


def test_path_safety_is_a_dataflow_not_a_path_enumeration() -> None:
    """A ladder of 300 questions has 2**300 paths; validation must still take well under a second."""
    size = 300
    questions = [
        choice(f"q_{i}", ("a", f"q_{i + 1}"), ("b", f"q_{i + 1}"), tags=("crime",) if i == 0 else ())
        for i in range(size)
    ]
    questions[size // 2]["answers"][1]["next"] = "q_life"
    questions[-1]["answers"] = [
        {"value": "a", "label": "A", "next": "q_life"},
        {"value": "b", "label": "B", "next": "o_deploy"},
    ]
    document = flow_document(
        *questions,
        yes_no("q_life", "o_deploy", "q_checks", tags=("risk_to_life",)),
        checklist("q_checks", "o_signpost"),
        outcome("o_deploy"),
        outcome("o_signpost", "SIGNPOST"),
    )
    began = time.perf_counter()
    problems = check(document)
    assert time.perf_counter() - began < 2
    assert [p.node for p in problems] == ["o_signpost"]
    assert "without asking a question tagged serious_harm (q_0 → q_1" in problems[0].message


def test_cycles_do_not_hang_the_safety_analysis() -> None:
    questions = [choice(f"q_{i}", ("a", f"q_{(i + 1) % 50}"), ("b", "q_checks")) for i in range(50)]
    document = flow_document(
        *questions, checklist("q_checks", "o_signpost"), outcome("o_signpost", "SIGNPOST")
    )
    problems = [str(p) for p in check(document)]
    assert problems[0] == "q_0: cycle: " + " → ".join([f"q_{i}" for i in range(50)] + ["q_0"])
    assert [p.split(":")[0] for p in problems[1:]] == ["o_signpost"] * 3


def test_the_graph_helper_finds_no_path_when_every_way_is_blocked() -> None:
    graph = _Graph(parse(safe_ladder()))
    assert graph.shortest_path("q_start", "o_signpost") == [
        "q_start",
        "q_life",
        "q_harm",
        "q_checks",
        "o_signpost",
    ]
    assert graph.shortest_path("q_start", "o_signpost", blocked={"q_checks"}) == []
    assert graph.shortest_path("o_deploy", "q_start") == []
