"""Every walk through every golden flow, and through every shipped flow, ends in an outcome.

The shipped flows (policies/content/v*/*.json) are globbed when the tests are collected; there
must be some (none is a failure, not a skip).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.flow import (
    ANSWER_TAGS,
    CHECK_STATES,
    TEXT_MAX_LENGTH,
    AnswerValue,
    Category,
    Flow,
    Kind,
    Outcome,
    Question,
    Tag,
    clean_answer,
    next_step,
    parse,
    path,
    run_scenario,
    walk,
)
from policies.flow.rules import is_threshold_asked
from tests.policies.flow.builders import REPO, golden_paths, load, shipped_paths


def flow_file_params(golden: list[Path], shipped: list[Path]) -> list[object]:
    """The flow files to walk: every golden flow and every shipped one (there must be shipped flows)."""
    assert shipped, "no shipped flows in policies/content"
    params: list[object] = [pytest.param(p, id=f"golden/{p.stem}") for p in golden]
    params += [pytest.param(p, id=f"shipped/{p.parent.name}/{p.stem}") for p in shipped]
    return params


FLOW_FILES = flow_file_params(golden_paths(), shipped_paths())


TEXT_ANSWERS = st.text(min_size=1, max_size=TEXT_MAX_LENGTH).filter(lambda text: bool(text.strip()))
TIMES = st.times().map(lambda moment: moment.strftime("%H:%M"))


STATES = st.sampled_from([state.value for state in CHECK_STATES])


def answer_strategy(question: Question, language: int = 1) -> st.SearchStrategy[AnswerValue]:
    """Any value the question allows, as a handler's form would give it after clean_answer."""
    if question.kind is Kind.MULTI:
        alone = [(a.value,) for a in question.answers if a.exclusive]
        together = [a.value for a in question.answers if not a.exclusive]
        ticks = st.lists(st.sampled_from(together), min_size=1, unique=True).map(
            lambda chosen: tuple(v for v in together if v in chosen)
        )
        return st.one_of(ticks, st.sampled_from(alone)) if alone else ticks
    if question.kind.has_answers:
        return st.sampled_from([answer.value for answer in question.answers])
    if question.kind is Kind.CHECKLIST and language >= 2:
        optional = [item.value for item in question.items if not item.required]
        required = st.fixed_dictionaries({item.value: STATES for item in question.items if item.required})
        return st.tuples(
            required, st.dictionaries(st.sampled_from(optional), STATES) if optional else st.just({})
        ).map(lambda parts: {**parts[1], **parts[0]})
    if question.kind is Kind.CHECKLIST:
        values = [item.value for item in question.items]
        return st.permutations(values).map(tuple)
    if question.kind is Kind.TEXT:
        return TEXT_ANSWERS
    return TIMES


def test_there_are_golden_flows() -> None:
    assert {p.stem for p in golden_paths()} >= {"minimal_welfare", "s136_handover"}
    assert all(p.is_relative_to(REPO) for p in golden_paths())


def test_missing_shipped_flows_fail_rather_than_skip() -> None:
    golden = golden_paths()
    with pytest.raises(AssertionError, match="no shipped flows"):
        flow_file_params(golden, [])
    shipped = [REPO / "policies" / "content" / "v1" / "welfare.json"]
    assert [p.id for p in flow_file_params(golden, shipped)][-1] == "shipped/v1/welfare"  # type: ignore[attr-defined]


@pytest.mark.parametrize("flow_file", FLOW_FILES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_random_walk_ends_in_an_outcome(flow_file: Path, data: st.DataObject) -> None:
    flow = parse(load(flow_file))
    answers: list[tuple[str, AnswerValue]] = []
    step = next_step(flow, answers)
    for _ in range(len(flow.questions) + 1):
        if isinstance(step, Outcome):
            break
        value = data.draw(answer_strategy(step, flow.language), label=step.id)
        answers.append((step.id, value))
        step = next_step(flow, answers)
    else:
        pytest.fail(f"no outcome after {len(answers)} answers: {answers}")
    assert isinstance(step, Outcome)
    assert step.id in flow.outcomes
    assert step.script.strip()
    # The same answers replay to the same outcome, as a scenario too.
    assert [q.id for q in path(flow, answers)] == [question_id for question_id, _ in answers]
    assert run_scenario(flow, dict(answers)) == (answers, step)


@pytest.mark.parametrize("flow_file", FLOW_FILES)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_clean_answer_output_is_always_accepted_by_the_walk(flow_file: Path, data: st.DataObject) -> None:
    flow = parse(load(flow_file))
    question = data.draw(st.sampled_from(list(flow.questions.values())))
    raw = data.draw(answer_strategy(question, flow.language))
    # A note is always given: answers and checklist items that need one are then accepted.
    value, _ = clean_answer(
        question, list(raw) if isinstance(raw, tuple) else raw, "A note", language=flow.language
    )
    # Wherever a walk reaches this question, the cleaned value is accepted: start the walk there.
    next_step(dataclasses.replace(flow, start=question.id), [(question.id, value)])


Walk = tuple[list[tuple[str, AnswerValue]], Outcome]


def every_walk(flow: Flow) -> list[Walk]:
    """Every path of choices from the start (text, time and checklist answers take one value)."""
    walks: list[Walk] = []
    stack: list[list[tuple[str, AnswerValue]]] = [[]]
    while stack:
        answers = stack.pop()
        assert len(answers) <= len(flow.questions), "a walk went round a cycle"
        step = next_step(flow, answers)
        if isinstance(step, Outcome):
            walks.append((answers, step))
            continue
        if step.kind is Kind.MULTI:
            # The first tick decides the route: ticking each answer alone takes every route.
            options: list[AnswerValue] = [(answer.value,) for answer in step.answers]
        elif step.kind.has_answers:
            options = [answer.value for answer in step.answers]
        elif step.kind is Kind.CHECKLIST and flow.language >= 2:
            options = [{item.value: "done" for item in step.items}]
        elif step.kind is Kind.CHECKLIST:
            options = [tuple(item.value for item in step.items)]
        elif step.kind is Kind.TEXT:
            options = ["Some words"]
        else:
            options = ["12:00"]
        stack.extend([*answers, (step.id, option)] for option in options)
    return walks


@pytest.mark.parametrize("flow_file", FLOW_FILES)
def test_every_path_ends_in_an_outcome_and_every_outcome_is_on_a_path(flow_file: Path) -> None:
    flow = parse(load(flow_file))
    walks = every_walk(flow)
    assert {outcome.id for _, outcome in walks} == set(flow.outcomes)


@pytest.mark.parametrize("flow_file", FLOW_FILES)
def test_the_safety_rules_hold_on_every_path(flow_file: Path) -> None:
    """The validator's dataflow, checked the slow way: by enumerating every path of the flow."""
    flow = parse(load(flow_file))
    walks = every_walk(flow)
    required = {Tag.CRIME, Tag.RISK_TO_LIFE, Tag.SERIOUS_HARM} | (
        {Tag.CHECKS} if flow.requires_checks else set()
    )
    for answers, outcome in walks:
        steps = walk(flow, answers).steps
        # 1. Every path to a no-police outcome asks the crime, risk and harm (and checks) questions:
        #    in language 2 only a question whose answers can assert a limb asks it.
        if outcome.no_police:
            asked = {
                tag
                for step in steps
                for tag in required
                if (
                    is_threshold_asked(step.question, tag)
                    if flow.language >= 2
                    else tag in step.question.tags
                )
            }
            assert required <= asked, (answers, outcome.id)
        # 2. An answer asserting crime, risk to life or serious harm only leads to police attending
        #    (or, in language 2, a supervisor's decision); so does "not known" on a threshold question.
        for step in steps:
            for chosen in step.chosen:
                unknown = flow.language >= 2 and chosen.not_known and step.question.is_threshold
                if chosen.tags & set(ANSWER_TAGS) or unknown:
                    assert outcome.police_attend or outcome.supervisor, (answers, outcome.id)
    # 3. Every risk-to-life answer (language 1: question) can lead to DEPLOY.
    for question in flow.questions.values():
        for option in question.answers if flow.language >= 2 else [None]:
            if option is None and Tag.RISK_TO_LIFE not in question.tags:
                continue
            if option is not None and Tag.RISK_TO_LIFE not in option.tags:
                continue
            categories = {
                o.category
                for answers, o in walks
                for step in walk(flow, answers).steps
                if step.question.id == question.id and (option is None or option in step.chosen)
            }
            assert Category.DEPLOY in categories, (question.id, option)
