"""Flow language 2: safety rules that check meaning, "not known", several facts at once, modifiers
that accumulate, checklist states, start-page binding, texts by caller and sources kept apart."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from policies import flow as engine
from policies.flow import scenarios as runs
from tests.policies.flow.builders import Doc, load, node

AGENCIES = ["nhs_111_mh"]


def problems(doc: Doc) -> list[str]:
    return [str(p) for p in engine.check(doc, agency_keys=AGENCIES)]


def answer(doc: Doc, question_id: str, value: str) -> dict:
    return next(a for a in node(doc, question_id)["answers"] if a["value"] == value)


def test_the_language_2_test_flow_is_valid() -> None:
    assert problems(load("v2_welfare")) == []


# Item 1: the mutation tests. Each document must fail with a plain message naming the node. ----------

Mutation = Callable[[Doc], None]
MUTATIONS: list[tuple[str, Mutation, str]] = []


def mutation(expected: str) -> Callable[[Mutation], Mutation]:
    def register(func: Mutation) -> Mutation:
        MUTATIONS.append((func.__name__, func, expected))
        return func

    return register


@mutation("q_anything: a text question cannot be a threshold question (crime, risk_to_life, serious_harm)")
def free_text_tagged_question_stands_in_for_the_threshold(doc: Doc) -> None:
    """The issue's first document: a free-text "Anything else?" carries the three tags, and the
    real threshold screen is skipped."""
    node(doc, "q_caller")["answers"][0]["next"] = "q_anything"
    doc["questions"].append(
        {
            "id": "q_anything",
            "text": "Anything else?",
            "kind": "text",
            "tags": ["crime", "risk_to_life", "serious_harm"],
            "next": "q_checks",
        }
    )


@mutation("q_crime: the question is tagged crime but no answer says there is a crime")
def crime_yes_untagged_and_routed_to_a_signpost(doc: Doc) -> None:
    """The issue's second document: the tag is removed from "Yes: there is a crime" and it is
    routed to a signpost."""
    node(doc, "q_caller")["answers"][0]["next"] = "q_crime"
    doc["questions"].append(
        {
            "id": "q_crime",
            "text": "Is there a crime?",
            "kind": "yes_no",
            "tags": ["crime"],
            "answers": [
                {"value": "yes", "label": "Yes: there is a crime", "next": "o_signpost"},
                {"value": "no", "next": "q_threshold"},
                {"value": "not_known", "label": "Not known", "not_known": True, "next": "o_supervisor"},
            ],
        }
    )


@mutation(
    "q_found: the answer 'not_known' says the caller cannot say but can lead to o_signpost, "
    "where police do not attend and no supervisor decides"
)
def not_known_routed_to_a_signpost(doc: Doc) -> None:
    answer(doc, "q_found", "not_known")["next"] = "o_signpost"


@mutation("q_threshold: the answer 'harm' meets the threshold but comes after 'child', which does not")
def a_lesser_tick_listed_before_a_threshold_answer(doc: Doc) -> None:
    answers = node(doc, "q_threshold")["answers"]
    harm = next(a for a in answers if a["value"] == "harm")
    answers.remove(harm)
    answers.insert(answers.index(next(a for a in answers if a["value"] == "child")) + 1, harm)


@mutation(
    "q_threshold: the answer 'overdose' says there is a risk to life but cannot lead to a Deploy police"
)
def risk_to_life_that_can_only_reach_a_joint_response(doc: Doc) -> None:
    doc["outcomes"].append(
        {
            "id": "o_joint",
            "category": "JOINT",
            "title": "Joint response",
            "script": "Police and health will attend together.",
            "record": "RCRP JOINT.",
        }
    )
    answer(doc, "q_threshold", "overdose")["next"] = "o_joint"


@mutation("q_threshold: the guidance carries a 'to confirm' marker")
def handler_guidance_carries_a_draft_marker(doc: Doc) -> None:
    node(doc, "q_threshold")["guidance"] = "Immediate means present and continuing. MPS to confirm."


@mutation("o_signpost: the script for self carries a source tag such as [S] or [U]")
def a_script_carries_a_source_tag(doc: Doc) -> None:
    node(doc, "o_signpost")["script"]["self"] = "Please call NHS 111 option 2 [S]."


@mutation("q_found: a threshold question must offer 'Not known / the caller can't say'")
def a_threshold_question_without_not_known(doc: Doc) -> None:
    question = node(doc, "q_found")
    question["answers"] = [a for a in question["answers"] if a["value"] != "not_known"]


@mutation("q_found: the answer 'yes' to this risk_to_life question must carry its tag")
def a_yes_no_threshold_whose_yes_is_untagged(doc: Doc) -> None:
    yes, no = answer(doc, "q_found", "yes"), answer(doc, "q_found", "no")
    yes["tags"], no["tags"] = [], ["risk_to_life"]
    yes["next"], no["next"] = "o_signpost", "o_deploy_risk"


@mutation("q_threshold: a threshold question cannot be answered by the start page")
def a_threshold_question_bound_to_the_start_page(doc: Doc) -> None:
    question = node(doc, "q_threshold")
    question["bound_to"] = "caller"
    question["answers"][0]["matches"] = ["police"]


@mutation("o_supervisor: a supervisor-decision outcome must carry +ESCALATE")
def a_supervisor_decision_without_escalate(doc: Doc) -> None:
    node(doc, "o_supervisor")["modifiers"] = []


@mutation("o_signpost: a path reaches this no-police outcome without asking a question tagged checks")
def checks_skipped_on_the_way_to_a_signpost(doc: Doc) -> None:
    answer(doc, "q_threshold", "none")["next"] = "q_found"


@pytest.mark.parametrize(("name", "mutate", "expected"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_mutated_document_fails_with_a_plain_message_naming_the_node(
    name: str, mutate: Mutation, expected: str
) -> None:
    doc = load("v2_welfare")
    mutate(doc)
    found = problems(doc)
    assert any(message.startswith(expected) for message in found), found


def test_the_same_loopholes_are_why_language_1_was_not_enough() -> None:
    """The issue's two documents pass the language-1 rules: language 2 is what catches them."""
    for (name, mutate, _), culprit in zip(MUTATIONS[:2], ["q_anything", "q_crime"], strict=True):
        doc = load("v2_welfare")
        mutate(doc)
        found = problems(_as_language_1(doc))
        assert not any(p.startswith(culprit) for p in found), (name, found)


def _as_language_1(doc: Doc) -> Doc:
    """A language-2 test document with the language-2 parts removed."""
    doc.pop("language")
    for reference in doc["references"].values():
        reference.pop("sources", None)
    for question in doc["questions"]:
        question.pop("sources", None)
        question.pop("bound_to", None)
        if question["kind"] == "multi_choice":
            question["kind"] = "choice"
        for item in question.get("items", []):
            item.pop("required", None)
        question["answers"] = [a for a in question.get("answers", []) if not a.get("not_known")]
        for a in question["answers"]:
            for key in ("modifiers", "why", "exclusive", "matches"):
                a.pop(key, None)
        if not question["answers"]:
            question.pop("answers")
    for outcome in doc["outcomes"]:
        outcome.pop("supervisor", None)
        outcome.pop("sources", None)
        for key in ("script", "call_back_if"):
            if isinstance(outcome.get(key), dict):
                outcome[key] = outcome[key]["default"]
    return doc


def test_language_2_parts_in_a_language_1_document_are_refused() -> None:
    doc = load("v2_welfare")
    doc.pop("language")
    with pytest.raises(engine.FlowDefinitionError) as raised:
        engine.parse(doc)
    assert "q_caller: the question uses 'bound_to', which needs \"language\": 2" in str(raised.value)


# Items 2-4: not known, several facts at once, modifiers that accumulate --------------------------------


@pytest.fixture
def flow() -> engine.Flow:
    return engine.parse(load("v2_welfare"))


CHECKS_DONE = {"address": "done", "pnc": "done", "phone": "done"}


def test_a_crime_with_an_unconscious_adult_ends_deploy_plus_las_with_why(flow: engine.Flow) -> None:
    walked = engine.walk(flow, [("q_threshold", ("crime", "unconscious"))], {"caller": "public"})
    assert walked.outcome is not None
    assert walked.outcome.id == "o_deploy_crime"
    assert walked.modifiers() == ((engine.Modifier.LAS, "Someone is unconscious"),)
    step = walked.asked[0]
    assert step.deciding is not None
    assert step.deciding.value == "crime"
    assert step.label() == "A crime: assault, threats or domestic abuse; Someone is unconscious"


def test_the_most_serious_tick_decides_whatever_order_it_was_ticked_in(flow: engine.Flow) -> None:
    value, _ = engine.clean_answer(flow.questions["q_threshold"], ["child", "harm"])
    assert value == ("harm", "child")
    walked = engine.walk(flow, [("q_threshold", value)], {"caller": "public"})
    assert walked.outcome is not None
    assert walked.outcome.id == "o_deploy_risk"
    assert [m for m, _ in walked.modifiers()] == [engine.Modifier.SAFEGUARDING]


def test_not_known_reaches_a_supervisor_decision_and_is_recorded(flow: engine.Flow) -> None:
    walked = engine.walk(flow, [("q_threshold", ("not_known",))], {"caller": "public"})
    assert walked.outcome is not None
    assert walked.outcome.supervisor
    assert walked.not_known() == ("Tick everything the caller tells you",)
    assert ("Tick everything the caller tells you", "Not known / the caller can't say") in walked.deciding()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "Select all that apply, or the answer that says none or not known"),
        (["none", "crime"], "“None of these” cannot be selected with other answers"),
        (["made_up"], "Select only the answers shown"),
    ],
)
def test_multi_choice_messages(flow: engine.Flow, raw: list[str], message: str) -> None:
    with pytest.raises(engine.InvalidAnswer) as raised:
        engine.clean_answer(flow.questions["q_threshold"], raw)
    assert raised.value.message == message


def test_a_stored_multi_choice_value_that_mixes_an_exclusive_answer_is_refused(flow: engine.Flow) -> None:
    with pytest.raises(engine.InvalidAnswer):
        engine.next_step(flow, [("q_threshold", ("none", "crime"))], {"caller": "public"})


# Item 5: checklists that record what was established -----------------------------------------------------


def test_a_checklist_records_each_item_as_established_and_blank_as_not_answered(flow: engine.Flow) -> None:
    question = flow.questions["q_checks"]
    value, _note = engine.clean_answer(
        question, {"address": "done", "pnc": "not_known", "phone": ""}, "PNC down", language=2
    )
    assert value == {"address": "done", "pnc": "not_known"}
    walked = engine.walk(flow, [("q_threshold", ("none",)), ("q_checks", value)], {"caller": "public"})
    assert (
        walked.asked[-1].label()
        == "Address history: Done; PNC and warning markers: Not known; The phone number: Not answered"
    )
    assert walked.not_known() == ("PNC and warning markers",)


@pytest.mark.parametrize(
    ("raw", "note", "message"),
    [
        (
            {"address": "done"},
            "",
            "Say whether “PNC and warning markers” was done, is not known or does not apply",
        ),
        (
            {"address": "done", "pnc": "not_applicable"},
            "",
            "Say why “PNC and warning markers” was not done (a note is needed)",
        ),
        (
            {"address": "done", "pnc": "maybe"},
            "",
            "Select done, not known or not applicable for “PNC and warning markers”",
        ),
    ],
)
def test_required_items_must_be_answered_and_explained(
    flow: engine.Flow, raw: dict[str, str], note: str, message: str
) -> None:
    with pytest.raises(engine.InvalidAnswer) as raised:
        engine.clean_answer(flow.questions["q_checks"], raw, note, language=2)
    assert raised.value.message == message


def test_a_checklist_never_needs_a_tick_for_an_optional_item(flow: engine.Flow) -> None:
    value, _ = engine.clean_answer(flow.questions["q_checks"], {"address": "done", "pnc": "done"}, language=2)
    assert "phone" not in value


# Items 6 and 8: the start page's caller answers once; scripts fit the caller ------------------------------


def test_a_question_bound_to_the_start_page_is_answered_from_it_and_is_not_a_screen(
    flow: engine.Flow,
) -> None:
    walked = engine.walk(flow, [], {"caller": "partner:gp"})
    assert walked.node.id == "q_threshold"
    assert walked.steps[0].bound
    assert walked.steps[0].deciding is not None
    assert walked.steps[0].deciding.value == "partner"
    assert walked.asked == ()


def test_without_a_caller_the_bound_question_is_asked(flow: engine.Flow) -> None:
    assert engine.next_step(flow, []).id == "q_caller"


def test_scripts_and_call_back_text_fit_the_caller(flow: engine.Flow) -> None:
    outcome = flow.outcomes["o_signpost"]
    assert outcome.script_for(engine.audience_for("self")).startswith(
        "Police will not be coming. Please call"
    )
    assert "duty of care" in outcome.script_for(engine.audience_for("partner:nhs_trust"))
    assert outcome.script_for(engine.audience_for("public")) == outcome.script
    assert outcome.call_back_for(engine.audience_for("self")).startswith("Call 999 again if you take")
    assert outcome.call_back_for(None) == outcome.call_back_if


def test_sources_are_kept_apart_from_handler_text(flow: engine.Flow) -> None:
    assert flow.references["threshold"].sources.startswith("National Partnership Agreement")
    assert "[S]" not in flow.references["threshold"].text
    assert flow.questions["q_threshold"].sources == "Guard 1 and guard 6 [D]."


# Screens and scenarios ---------------------------------------------------------------------------------


def test_a_scenario_checks_modifiers_and_counts_screens(flow: engine.Flow) -> None:
    answers = {"q_threshold": ["child"], "q_checks": CHECKS_DONE, "q_found": "no"}
    result = runs.run(
        flow, answers, caller="self", category="SIGNPOST", agency="nhs_111_mh", modifiers=["SAFEGUARDING"]
    )
    assert result.passed
    assert result.screens == 3
    wrong = runs.run(flow, answers, caller="self", category="SIGNPOST", agency="nhs_111_mh", modifiers=[])
    assert wrong.message == "reaches o_signpost (modifiers SAFEGUARDING, expected none)"
    assert runs.no_police_line([result.screens]) == "screens to a no-police outcome: median 3, max 3"
    summary = runs.screens_by_category([result])[0]
    assert summary.median == 3
