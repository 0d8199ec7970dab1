"""Walking a flow: the next step, checking and cleaning answers, scenarios and rendering scripts.

The walk is deterministic: the same flow and the same answers always reach the same node.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import cast

from policies.flow.document import (
    PLACEHOLDER_DEFAULTS,
    TEXT_MAX_LENGTH,
    AnswerValue,
    Flow,
    FlowError,
    Kind,
    Node,
    Outcome,
    Question,
    split_template,
)
from policies.flow.parse import FlowDefinitionError, Problem

__all__ = [
    "InvalidAnswer",
    "ScenarioError",
    "clean_answer",
    "next_step",
    "path",
    "render",
    "run_scenario",
]

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


def next_step(flow: Flow, answers: Sequence[tuple[str, AnswerValue]]) -> Question | Outcome:
    """The node reached by giving these answers, in order, from the start.

    Each pair must answer the question the walk has reached, with a value that question allows;
    otherwise InvalidAnswer names the question. Going back is giving fewer answers. Checklist values
    may be lists or tuples in any order. Raises FlowDefinitionError if the walk meets a ``next``
    that names no node (a flow that fails validation).
    """
    node = _start(flow)
    for question_id, value in answers:
        _, node = _advance(flow, node, question_id, value)
    return node


def path(flow: Flow, answers: Sequence[tuple[str, AnswerValue]]) -> list[Question]:
    """The questions these answers answered, in order; checked exactly as ``next_step`` checks."""
    node = _start(flow)
    visited: list[Question] = []
    for question_id, value in answers:
        question, node = _advance(flow, node, question_id, value)
        visited.append(question)
    return visited


def run_scenario(
    flow: Flow, answers_by_id: Mapping[str, str | Sequence[str]]
) -> tuple[list[tuple[str, AnswerValue]], Outcome]:
    """Walk from the start, taking each question's answer from ``answers_by_id``.

    Checklist answers may be any sequence (JSON gives lists); they are returned as tuples.
    Returns the answers given, in order, and the outcome reached. Answers to questions the walk
    does not reach are ignored. Raises ScenarioError naming the question when a question reached has
    no answer, or is reached a second time (a cyclic flow); InvalidAnswer when an answer is not allowed.
    """
    node = _start(flow)
    given: list[tuple[str, AnswerValue]] = []
    asked: set[str] = set()
    while isinstance(node, Question):
        if node.id in asked:
            raise ScenarioError(node.id, "the walk came back to this question: the flow has a cycle")
        asked.add(node.id)
        if node.id not in answers_by_id:
            raise ScenarioError(node.id, f"the scenario has no answer to this question: '{node.text}'")
        raw = answers_by_id[node.id]
        # Scenarios stored as JSON hold checklist answers as lists.
        value = tuple(raw) if isinstance(raw, list | tuple) else cast("AnswerValue", raw)
        given.append((node.id, value))
        _, node = _advance(flow, node, node.id, value)
    return given, node


def clean_answer(question: Question, raw_value: object, note: str = "") -> tuple[AnswerValue, str]:
    """Normalise and check a handler's answer from a form; return the value to store and the note.

    ``raw_value`` is the form input: a string, or for a checklist the list of ticked values. Times
    such as "9:05", "0905" or "09.05" become "09:05"; text and notes are stripped; a checklist
    becomes the tuple of every item value in document order. Raises InvalidAnswer with a GOV.UK-style
    message when the answer cannot be accepted, including when the answer needs a note and has none.
    A value returned here is always accepted by ``next_step``.
    """
    note = note.strip() if isinstance(note, str) else ""
    value: AnswerValue
    if question.kind.has_answers:
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


def _advance(flow: Flow, node: Node, question_id: str, value: AnswerValue) -> tuple[Question, Node]:
    """Check that (question_id, value) answers ``node``; return the question and the node it leads to."""
    if not isinstance(node, Question):
        raise InvalidAnswer(
            question_id, f"the walk has already reached the outcome {node.id}: there is no question to answer"
        )
    if question_id != node.id:
        raise InvalidAnswer(question_id, f"this answers {question_id}, but the question reached is {node.id}")
    problem = _value_problem(node, value)
    if problem:
        raise InvalidAnswer(node.id, problem)
    chosen = node.answer(value) if isinstance(value, str) and node.kind.has_answers else None
    target = chosen.next if chosen is not None else node.next
    following = flow.get(target)
    if following is None:
        raise FlowDefinitionError([Problem(node.id, f"the walk leads to '{target}', which does not exist")])
    return node, following


def _value_problem(question: Question, value: object) -> str:
    """What is wrong with a stored answer value for this question, or "" if nothing."""
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
