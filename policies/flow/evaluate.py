"""Walking a flow: the next step, checking and cleaning answers, scenarios and rendering scripts.

The walk is deterministic: the same flow and the same answers always reach the same node.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from policies.flow.document import (
    CHECK_STATES,
    LANGUAGE,
    NOT_ANSWERED,
    PLACEHOLDER_DEFAULTS,
    TEXT_MAX_LENGTH,
    Answer,
    AnswerValue,
    CheckState,
    Flow,
    FlowError,
    Kind,
    Modifier,
    Node,
    Outcome,
    Question,
    split_template,
)
from policies.flow.parse import FlowDefinitionError, Problem

__all__ = [
    "Facts",
    "InvalidAnswer",
    "ScenarioError",
    "Step",
    "Walk",
    "clean_answer",
    "next_step",
    "path",
    "render",
    "run_scenario",
    "walk",
]

Facts = Mapping[str, str]
"""What the start page established, by binding name (BINDINGS): ``{"caller": "partner:gp"}``."""
_NO_FACTS: Facts = {}

_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
_TIME_INPUT = re.compile(r"(\d{1,2})\s*[:.]?\s*(\d{2})")


class InvalidAnswer(FlowError, ValueError):
    """An answer that does not answer the question reached, or a value the question does not allow.

    ``question_id`` names the question; ``message`` says what is wrong in plain words (from
    ``clean_answer``, a GOV.UK-style error message to show beside the field).
    """

    def __init__(self, question_id: str, message: str) -> None:
        self.question_id = question_id
        self.message = message
        super().__init__(f"{question_id}: {message}")


class ScenarioError(FlowError, ValueError):
    """A scenario that cannot be walked to an outcome: it has no answer for a question reached."""

    def __init__(self, question_id: str, message: str) -> None:
        self.question_id = question_id
        self.message = message
        super().__init__(f"{question_id}: {message}")


@dataclass(frozen=True)
class Step:
    """One question on a walk: the value given, the answers it chose, and the one that decided the
    route. ``bound`` is true when the start page answered it (the handler was not asked)."""

    question: Question
    value: AnswerValue
    chosen: tuple[Answer, ...] = ()
    bound: bool = False

    @property
    def deciding(self) -> Answer | None:
        """The answer whose ``next`` the walk took (a multi-choice question's most serious tick)."""
        return self.chosen[0] if self.chosen else None

    @property
    def not_known(self) -> bool:
        return any(answer.not_known for answer in self.chosen)

    def label(self) -> str:
        """The words of the answer: the labels chosen, or each checklist item with its state."""
        if self.chosen:
            return "; ".join(answer.label for answer in self.chosen)
        if isinstance(self.value, Mapping):
            return "; ".join(
                f"{label}: {state}" for label, state in checklist_states(self.question, self.value)
            )
        if isinstance(self.value, tuple):
            labels = {item.value: item.label for item in self.question.items}
            return "; ".join(labels.get(v, v) for v in self.value)
        return str(self.value)


@dataclass(frozen=True)
class Walk:
    """A walk from the start: every step (the start page's too) and the node reached."""

    steps: tuple[Step, ...]
    node: Question | Outcome

    @property
    def outcome(self) -> Outcome | None:
        return self.node if isinstance(self.node, Outcome) else None

    @property
    def asked(self) -> tuple[Step, ...]:
        """The steps the handler answered: one screen each."""
        return tuple(step for step in self.steps if not step.bound)

    def modifiers(self) -> tuple[tuple[Modifier, str], ...]:
        """Every modifier of the outcome reached, with why it was added, in the order first added:
        those the answers added (each answer's reason) and the outcome's own."""
        found: dict[Modifier, str] = {}
        for step in self.steps:
            for answer in step.chosen:
                for modifier in sorted(answer.modifiers):
                    found.setdefault(modifier, answer.reason)
        outcome = self.outcome
        if outcome is not None:
            for modifier in sorted(outcome.modifiers):
                found.setdefault(modifier, outcome.title)
        return tuple(found.items())

    def not_known(self) -> tuple[str, ...]:
        """The questions answered "not known", and checklist items answered so, in walk order."""
        unknown: list[str] = []
        for step in self.steps:
            if step.not_known:
                unknown.append(step.question.text)
            if isinstance(step.value, Mapping):
                unknown.extend(
                    item.label
                    for item in step.question.items
                    if step.value.get(item.value) == CheckState.NOT_KNOWN
                )
        return tuple(unknown)

    def deciding(self) -> tuple[tuple[str, str], ...]:
        """The facts that decided this call: each threshold question with its answer, then the
        answers that added a modifier, as (question, answer) pairs in walk order."""
        return tuple(
            (step.question.text, step.label())
            for step in self.steps
            if step.question.is_threshold or any(answer.modifiers for answer in step.chosen)
        )


def checklist_states(question: Question, value: Mapping[str, str]) -> list[tuple[str, str]]:
    """Each item of a checklist with the words of its state ("Not answered" when left blank)."""
    words = {state.value: state.label for state in CHECK_STATES}
    return [(item.label, words.get(value.get(item.value, ""), NOT_ANSWERED)) for item in question.items]


def walk(flow: Flow, answers: Sequence[tuple[str, AnswerValue]], facts: Facts | None = None) -> Walk:
    """Walk from the start giving these answers in order; questions the start page answered
    (``facts``) are answered on the way and not asked.

    Each pair must answer the question the walk has reached, with a value that question allows;
    otherwise InvalidAnswer names the question. Going back is giving fewer answers. Multi-choice and
    language-1 checklist values may be lists or tuples in any order. Raises FlowDefinitionError if
    the walk meets a ``next`` that names no node (a flow that fails validation).
    """
    facts = facts or _NO_FACTS
    steps: list[Step] = []
    node = _settle(flow, _start(flow), facts, steps)
    for question_id, value in answers:
        step, node = _advance(flow, node, question_id, value)
        steps.append(step)
        node = _settle(flow, node, facts, steps)
    return Walk(steps=tuple(steps), node=node)


def next_step(
    flow: Flow, answers: Sequence[tuple[str, AnswerValue]], facts: Facts | None = None
) -> Question | Outcome:
    """The node reached by giving these answers, in order, from the start (see ``walk``)."""
    return walk(flow, answers, facts).node


def path(
    flow: Flow, answers: Sequence[tuple[str, AnswerValue]], facts: Facts | None = None
) -> list[Question]:
    """The questions these answers answered, in order; checked exactly as ``next_step`` checks."""
    return [step.question for step in walk(flow, answers, facts).asked]


def run_scenario(
    flow: Flow, answers_by_id: Mapping[str, object], facts: Facts | None = None
) -> tuple[list[tuple[str, AnswerValue]], Outcome]:
    """Walk from the start, taking each question's answer from ``answers_by_id``.

    Multi-choice answers may be any sequence (JSON gives lists); they are returned as tuples.
    Returns the answers given, in order, and the outcome reached. Answers to questions the walk
    does not reach, or that the start page answered (``facts``), are ignored. Raises ScenarioError
    naming the question when a question reached has no answer, or is reached a second time (a cyclic
    flow); InvalidAnswer when an answer is not allowed.
    """
    facts = facts or _NO_FACTS
    steps: list[Step] = []
    node = _settle(flow, _start(flow), facts, steps)
    given: list[tuple[str, AnswerValue]] = []
    asked: set[str] = set()
    while isinstance(node, Question):
        if node.id in asked:
            raise ScenarioError(node.id, "the walk came back to this question: the flow has a cycle")
        asked.add(node.id)
        if node.id not in answers_by_id:
            raise ScenarioError(node.id, f"the scenario has no answer to this question: '{node.text}'")
        raw = answers_by_id[node.id]
        # Scenarios stored as JSON hold multi-choice answers as lists.
        value = tuple(raw) if isinstance(raw, list | tuple) else cast("AnswerValue", raw)
        given.append((node.id, value))
        step, node = _advance(flow, node, node.id, value)
        steps.append(step)
        node = _settle(flow, node, facts, steps)
    return given, node


def clean_answer(
    question: Question, raw_value: object, note: str = "", *, language: int | None = None
) -> tuple[AnswerValue, str]:
    """Normalise and check a handler's answer from a form; return the value to store and the note.

    ``raw_value`` is the form input: a string; for a multi-choice question the list of ticked
    values; for a checklist the mapping of item value to state (language 2) or the list of ticked
    items (language 1, where every item must be ticked). Times such as "9:05", "0905" or "09.05"
    become "09:05"; text and notes are stripped; ticks are put in document order. Raises
    InvalidAnswer with a GOV.UK-style message when the answer cannot be accepted, including when
    the answer needs a note and has none. A value returned here is always accepted by ``next_step``
    on a flow of that ``language`` (when not given, a mapping is read as language 2 and a list of
    ticks as language 1).
    """
    if language is None:
        language = LANGUAGE if isinstance(raw_value, Mapping) else 1
    note = note.strip() if isinstance(note, str) else ""
    value: AnswerValue
    if question.kind is Kind.MULTI:
        value = _clean_multi(question, raw_value)
        if any(a.needs_note for a in question.answers if a.value in value) and not note:
            raise InvalidAnswer(question.id, "Say why (a note is needed for an answer you ticked)")
    elif question.kind is Kind.CHECKLIST and language >= 2:
        value = _clean_states(question, raw_value, note)
    elif question.kind.has_answers:
        chosen = question.answer(raw_value.strip()) if isinstance(raw_value, str) else None
        if chosen is None:
            raise InvalidAnswer(question.id, "Select an answer")
        if chosen.needs_note and not note:
            raise InvalidAnswer(question.id, "Say why (a note is needed for this answer)")
        value = chosen.value
    elif question.kind is Kind.CHECKLIST:
        value = _clean_checklist(question, raw_value)
    elif question.kind is Kind.TEXT:
        text = raw_value.strip() if isinstance(raw_value, str) else ""
        if not text:
            raise InvalidAnswer(question.id, "Enter your answer")
        if len(text) > TEXT_MAX_LENGTH:
            raise InvalidAnswer(question.id, f"Answer must be {TEXT_MAX_LENGTH} characters or fewer")
        value = text
    else:
        value = _clean_time(question, raw_value)
    if len(note) > TEXT_MAX_LENGTH:
        raise InvalidAnswer(question.id, f"Note must be {TEXT_MAX_LENGTH} characters or fewer")
    return value, note


def render(template: str, context: Mapping[str, str]) -> str:
    """Fill a script, record or "call back if" text with the context's values.

    Only the names in PLACEHOLDERS are filled; a missing or empty value shows as e.g.
    "[incident reference]". ``{{`` and ``}}`` are literal braces; any other brace, and any
    ``{name}`` that is not a placeholder, is kept as written. Never raises, whatever the template.
    """
    out: list[str] = []
    for part, text in split_template(template):
        if part == "field" and text in PLACEHOLDER_DEFAULTS:
            value = context.get(text)
            out.append(str(value) if value else PLACEHOLDER_DEFAULTS[text])
        elif part == "field":
            out.append(f"{{{text}}}")
        else:
            out.append(text)
    return "".join(out)


# Implementation ---------------------------------------------------------------------------------------


def _start(flow: Flow) -> Node:
    node = flow.get(flow.start)
    if node is None:
        raise FlowDefinitionError([Problem("", f"the start '{flow.start}' does not exist")])
    return node


def _follow(flow: Flow, question: Question, target: str) -> Node:
    following = flow.get(target)
    if following is None:
        raise FlowDefinitionError(
            [Problem(question.id, f"the walk leads to '{target}', which does not exist")]
        )
    return following


def _settle(flow: Flow, node: Node, facts: Facts, steps: list[Step]) -> Node:
    """Answer, from the start page, every bound question the walk reaches; return the next node."""
    seen: set[str] = set()
    while isinstance(node, Question) and node.id not in seen:
        seen.add(node.id)
        answer = node.bound_answer(facts)
        if answer is None:
            return node
        steps.append(Step(question=node, value=answer.value, chosen=(answer,), bound=True))
        node = _follow(flow, node, answer.next)
    return node


def _advance(flow: Flow, node: Node, question_id: str, value: AnswerValue) -> tuple[Step, Node]:
    """Check that (question_id, value) answers ``node``; return the step and the node it leads to."""
    if not isinstance(node, Question):
        raise InvalidAnswer(
            question_id, f"the walk has already reached the outcome {node.id}: there is no question to answer"
        )
    if question_id != node.id:
        raise InvalidAnswer(question_id, f"this answers {question_id}, but the question reached is {node.id}")
    problem = _value_problem(node, value, flow.language)
    if problem:
        raise InvalidAnswer(node.id, problem)
    chosen: tuple[Answer, ...] = ()
    if node.kind is Kind.MULTI and isinstance(value, tuple):
        chosen = tuple(a for a in node.answers if a.value in value)
    elif node.kind.has_answers and isinstance(value, str):
        answer = node.answer(value)
        chosen = (answer,) if answer is not None else ()
    target = chosen[0].next if chosen else node.next
    return Step(question=node, value=value, chosen=chosen), _follow(flow, node, target)


def _value_problem(question: Question, value: object, language: int) -> str:
    """What is wrong with a stored answer value for this question, or "" if nothing."""
    if question.kind is Kind.MULTI:
        return _multi_problem(question, value)
    if question.kind is Kind.CHECKLIST and language >= 2:
        return _states_problem(question, value)
    if question.kind.has_answers:
        if not isinstance(value, str) or question.answer(value) is None:
            values = ", ".join(answer.value for answer in question.answers)
            return f"{_shown(value)} is not one of the answers to this question ({values})"
        return ""
    if question.kind is Kind.CHECKLIST:
        expected = [item.value for item in question.items]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return f"a checklist answer must be the list of items ticked, not {_shown(value)}"
        if sorted(value) != sorted(expected):
            return f"every item must be ticked once: expected {', '.join(expected)}; got {', '.join(value)}"
        return ""
    if question.kind is Kind.TEXT:
        if not isinstance(value, str) or not value.strip() or len(value) > TEXT_MAX_LENGTH:
            return f"a text answer must be 1 to {TEXT_MAX_LENGTH} characters, not {_shown(value)}"
        return ""
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return f"a time must be given as HH:MM on the 24-hour clock, not {_shown(value)}"
    return ""


def _multi_problem(question: Question, value: object) -> str:
    if not isinstance(value, tuple) or not value or not all(isinstance(v, str) for v in value):
        return f"a multi-choice answer must be the list of answers ticked, not {_shown(value)}"
    values = [answer.value for answer in question.answers]
    unknown = [v for v in value if v not in values]
    if unknown:
        return f"{', '.join(unknown)} is not one of the answers to this question ({', '.join(values)})"
    if len(set(value)) != len(value):
        return "an answer is ticked more than once"
    exclusive = [a.value for a in question.answers if a.exclusive and a.value in value]
    if exclusive and len(value) > 1:
        return f"'{exclusive[0]}' is ticked on its own, not with other answers"
    return ""


def _states_problem(question: Question, value: object) -> str:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        return f"a checklist answer must map each item to its state, not {_shown(value)}"
    items = {item.value: item for item in question.items}
    unknown = [key for key in value if key not in items]
    if unknown:
        return f"{', '.join(map(str, unknown))} is not an item of this checklist"
    states = {state.value for state in CHECK_STATES}
    bad = [key for key, state in value.items() if state not in states]
    if bad:
        return f"the state of {', '.join(bad)} must be one of {', '.join(sorted(states))}"
    missing = [item.value for item in question.items if item.required and item.value not in value]
    if missing:
        return f"the required item {', '.join(missing)} has no answer"
    return ""


def _clean_multi(question: Question, raw_value: object) -> tuple[str, ...]:
    if isinstance(raw_value, str):
        raw_value = [raw_value]
    if not isinstance(raw_value, list | tuple):
        raw_value = []
    ticked = {value.strip() for value in raw_value if isinstance(value, str) and value.strip()}
    if not ticked:
        raise InvalidAnswer(question.id, "Select all that apply, or the answer that says none or not known")
    values = [answer.value for answer in question.answers]
    if not ticked <= set(values):
        raise InvalidAnswer(question.id, "Select only the answers shown")
    alone = [a for a in question.answers if a.exclusive and a.value in ticked]
    if alone and len(ticked) > 1:
        raise InvalidAnswer(question.id, f"“{alone[0].label}” cannot be selected with other answers")
    return tuple(value for value in values if value in ticked)


def _clean_states(question: Question, raw_value: object, note: str) -> dict[str, str]:
    raw = raw_value if isinstance(raw_value, Mapping) else {}
    states = {state.value for state in CHECK_STATES}
    value: dict[str, str] = {}
    for item in question.items:
        state = raw.get(item.value, "")
        state = state.strip() if isinstance(state, str) else ""
        if state and state not in states:
            raise InvalidAnswer(question.id, f"Select done, not known or not applicable for “{item.label}”")
        if state:
            value[item.value] = state
    missing = [item.label for item in question.items if item.required and item.value not in value]
    if missing:
        raise InvalidAnswer(
            question.id, f"Say whether “{missing[0]}” was done, is not known or does not apply"
        )
    undone = [
        item.label
        for item in question.items
        if item.required and value.get(item.value) not in (None, CheckState.DONE)
    ]
    if undone and not note:
        raise InvalidAnswer(question.id, f"Say why “{undone[0]}” was not done (a note is needed)")
    return value


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else f"{shown[:57]}..."


def _clean_checklist(question: Question, raw_value: object) -> tuple[str, ...]:
    if isinstance(raw_value, str):
        raw_value = [raw_value]
    if not isinstance(raw_value, list | tuple):
        raw_value = []
    ticked = {value.strip() for value in raw_value if isinstance(value, str)}
    expected = [item.value for item in question.items]
    if not ticked <= set(expected):
        raise InvalidAnswer(question.id, "Tick only the checks shown")
    if ticked != set(expected):
        raise InvalidAnswer(question.id, "Tick every check to confirm it was done")
    return tuple(expected)


def _clean_time(question: Question, raw_value: object) -> str:
    match = _TIME_INPUT.fullmatch(raw_value.strip()) if isinstance(raw_value, str) else None
    if match is not None:
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours < 24 and minutes < 60:
            return f"{hours:02d}:{minutes:02d}"
    raise InvalidAnswer(question.id, "Enter the time in 24-hour format, like 14:30")
