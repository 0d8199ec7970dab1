"""Turn a flow document (parsed JSON) into a Flow, collecting every problem that prevents it.

Reading checks only what the dataclasses need: that each part has the right type, that ids are
present, valid and unique, and that kinds, categories, elements, modifiers and tags are known. A
missing text (a script, a label, a ``next``) becomes an empty string here and a problem in
``validate``, so that one pass over a readable document reports every remaining problem at once.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from policies.flow.document import (
    ID_PATTERN,
    LANGUAGE,
    Answer,
    Audience,
    Category,
    ChecklistItem,
    Element,
    Flow,
    FlowError,
    Kind,
    Modifier,
    Outcome,
    Question,
    Reference,
    Tag,
)

__all__ = ["FlowDefinitionError", "Problem", "canonical_json", "content_hash", "parse"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow, in plain words.

    ``node`` is the id of the question or outcome concerned; when the problem is with the document
    as a whole it is empty, and when the node has no usable id it is e.g. "question 3".
    """

    node: str
    message: str

    def __str__(self) -> str:
        return f"{self.node}: {self.message}" if self.node else self.message


class FlowDefinitionError(FlowError, ValueError):
    """The document cannot be turned into a Flow, or a Flow is too broken to walk.

    ``problems`` lists every problem found, each naming its node.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def canonical_json(document: Any) -> str:
    """The canonical JSON text of a document: sorted keys, no whitespace, non-ASCII kept as is."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(document: Any) -> str:
    """The sha256 hex digest of the document's canonical JSON, encoded as UTF-8.

    Two documents that differ only in key order or whitespace have the same hash.
    """
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def parse(document: Mapping[str, Any]) -> Flow:
    """Build a Flow from a flow document (a mapping, as from ``json.load``).

    Raises FlowDefinitionError listing every problem found when the document cannot be read.
    A Flow returned may still be invalid: call ``validate`` (or use ``check``) before trusting it.
    """
    reader = _Reader()
    flow = reader.flow(document)
    if flow is None or reader.problems:
        raise FlowDefinitionError(reader.problems)
    return flow


# Implementation ---------------------------------------------------------------------------------------

_FLOW_FIELDS = (
    "language",
    "element",
    "title",
    "start",
    "requires_checks",
    "references",
    "questions",
    "outcomes",
)
_QUESTION_FIELDS = (
    "id",
    "text",
    "guidance",
    "reference",
    "kind",
    "tags",
    "answers",
    "items",
    "next",
    "bound_to",
    "sources",
)
_ANSWER_FIELDS = (
    "value",
    "label",
    "next",
    "tags",
    "hint",
    "note",
    "modifiers",
    "why",
    "not_known",
    "exclusive",
    "matches",
)
_ITEM_FIELDS = ("value", "label", "required")
_REFERENCE_FIELDS = ("title", "text", "sources")
_OUTCOME_FIELDS = (
    "id",
    "category",
    "modifiers",
    "title",
    "agency",
    "script",
    "record",
    "call_back_if",
    "rationale",
    "supervisor",
    "sources",
)
_LANGUAGE_2_FIELDS = frozenset(
    {"bound_to", "sources", "why", "not_known", "exclusive", "matches", "required", "supervisor"}
)
_YES_NO_LABELS = {"yes": "Yes", "no": "No"}

_E = TypeVar("_E", bound=StrEnum)


def _describe(value: object) -> str:
    """The JSON type of a value, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _one_of(choices: Sequence[str]) -> str:
    return ", ".join(choices)


def _not_one_of(word: str, value: object, choices: Sequence[str]) -> str:
    """The message for a value that is not in a vocabulary, with a suggestion when one is close."""
    if isinstance(value, str):
        return f"the {word} '{value}' is not one of {_one_of(choices)}{_suggest(value, choices)}"
    return f"the {word} must be one of {_one_of(choices)}, not {_describe(value)}"


def _at(part: str) -> str:
    """The prefix naming part of a node (an answer, an item) in a message."""
    return f"{part}: " if part else ""


class _Reader:
    """Reads one document, appending to ``problems`` rather than stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.seen_ids: set[str] = set()
        self.language = 1

    def flag(self, obj: Mapping[str, Any], key: str, node: str, part: str = "") -> bool:
        """An optional true/false field; false when absent."""
        value = obj.get(key, False)
        if isinstance(value, bool):
            return value
        self.problem(node, f"{_at(part)}'{key}' must be true or false, not {_describe(value)}")
        return False

    def words(self, obj: Mapping[str, Any], key: str, node: str, part: str = "") -> tuple[str, ...]:
        """An optional list of text values."""
        value = obj.get(key, [])
        if isinstance(value, list) and all(isinstance(word, str) for word in value):
            return tuple(value)
        self.problem(node, f"{_at(part)}'{key}' must be a list of text values")
        return ()

    def by_audience(self, obj: Mapping[str, Any], key: str, node: str) -> tuple[str, dict[Audience, str]]:
        """A text that may vary by audience: text, or an object of "default" and audience keys."""
        value = obj.get(key, "")
        if isinstance(value, str) or self.language < 2:
            return self.text(obj, key, node), {}
        if not isinstance(value, Mapping):
            self.problem(
                node, f"'{key}' must be text or an object of texts by caller, not {_describe(value)}"
            )
            return "", {}
        choices = ["default", *(audience.value for audience in Audience)]
        texts: dict[Audience, str] = {}
        default = ""
        for word, text in value.items():
            if word not in choices:
                self.problem(node, _not_one_of(f"'{key}' caller", word, choices))
            elif not isinstance(text, str):
                self.problem(node, f"'{key}' for {word} must be text, not {_describe(text)}")
            elif word == "default":
                default = text
            else:
                texts[Audience(word)] = text
        return default, texts

    def unknown_fields(self, obj: Mapping[str, Any], allowed: Sequence[str], node: str, what: str) -> None:
        for key in obj:
            if key not in allowed:
                self.problem(node, f"{what} has an unknown field '{key}'{_suggest(str(key), allowed)}")
            elif key in _LANGUAGE_2_FIELDS and self.language < 2:
                self.problem(node, f"{what} uses '{key}', which needs \"language\": {LANGUAGE}")

    def problem(self, node: str, message: str) -> None:
        self.problems.append(Problem(node, message))

    # Generic field readers. ``what`` names the part being read in messages, e.g. "answer 2".

    def fields(self, obj: object, allowed: Sequence[str], node: str, what: str) -> Mapping[str, Any] | None:
        """``obj`` as a mapping, reporting unknown fields; None (and a problem) if it is not one."""
        if not isinstance(obj, Mapping):
            self.problem(node, f"{what} must be a JSON object, not {_describe(obj)}")
            return None
        self.unknown_fields(obj, allowed, node, what)
        return obj

    def node_fields(
        self, obj: object, allowed: Sequence[str], fallback: str, what: str
    ) -> tuple[Mapping[str, Any] | None, str | None, str]:
        """A question or outcome as a mapping, its id (None if unusable) and the name for messages.

        Problems with the node name it by its id when it has a valid one.
        """
        if not isinstance(obj, Mapping):
            self.problem(fallback, f"{what} must be a JSON object, not {_describe(obj)}")
            return None, None, fallback
        node_id = self.node_id(obj, fallback, what)
        self.unknown_fields(obj, allowed, node_id or fallback, what)
        return obj, node_id, node_id or fallback

    def text(self, obj: Mapping[str, Any], key: str, node: str, part: str = "") -> str:
        """A text field; empty when absent (validation decides whether that matters)."""
        value = obj.get(key, "")
        if isinstance(value, str):
            return value
        self.problem(node, f"{_at(part)}'{key}' must be text, not {_describe(value)}")
        return ""

    def enum(self, enum: type[_E], obj: Mapping[str, Any], key: str, node: str, what: str) -> _E | None:
        """A required vocabulary word (element, kind, category); None (and a problem) if unusable."""
        choices = [member.value for member in enum]
        if key not in obj:
            article = "an" if key[0] in "aeiou" else "a"
            self.problem(node, f"{what} needs {article} '{key}': one of {_one_of(choices)}")
            return None
        value = obj[key]
        if isinstance(value, str) and value in choices:
            return enum(value)
        self.problem(node, _not_one_of(key, value, choices))
        return None

    def members(
        self, enum: type[_E], obj: Mapping[str, Any], key: str, node: str, part: str = ""
    ) -> frozenset[_E]:
        """An optional list of vocabulary words (tags, modifiers); unknown words are reported."""
        value = obj.get(key, [])
        if not isinstance(value, list):
            self.problem(node, f"{_at(part)}'{key}' must be a list, not {_describe(value)}")
            return frozenset()
        choices = [member.value for member in enum]
        found: set[_E] = set()
        for word in value:
            if isinstance(word, str) and word in choices:
                found.add(enum(word))
            else:
                singular = key.removesuffix("s")
                self.problem(node, _at(part) + _not_one_of(singular, word, choices))
        return frozenset(found)

    def entries(self, obj: Mapping[str, Any], key: str, node: str) -> list[Any]:
        """An optional list of objects (questions, answers...)."""
        value = obj.get(key, [])
        if isinstance(value, list):
            return value
        self.problem(node, f"'{key}' must be a list, not {_describe(value)}")
        return []

    def node_id(self, obj: Mapping[str, Any], fallback: str, what: str) -> str | None:
        """The node's id if it is present, valid and not used before; else None (and a problem)."""
        value = obj.get("id")
        if value is None:
            self.problem(fallback, f"{what} needs an 'id'")
            return None
        if not isinstance(value, str):
            self.problem(fallback, f"'id' must be text, not {_describe(value)}")
            return None
        if not ID_PATTERN.fullmatch(value):
            self.problem(
                fallback,
                f"the id '{value}' is not valid: use a lower-case letter followed by at most 63 "
                "lower-case letters, digits or underscores",
            )
            return None
        if value in self.seen_ids:
            self.problem(value, "the id is used more than once (questions and outcomes share one set of ids)")
            return None
        self.seen_ids.add(value)
        return value

    # The parts of a document

    def flow(self, document: object) -> Flow | None:
        what = "the flow"
        doc = self.fields(document, _FLOW_FIELDS, "", what)
        if doc is None:
            return None
        language = doc.get("language", 1)
        if isinstance(language, bool) or language not in range(1, LANGUAGE + 1):
            self.problem("", f"'language' must be 1 or {LANGUAGE}, not {language!r}")
            language = LANGUAGE
        self.language = language
        element = self.enum(Element, doc, "element", "", what)
        title = self.text(doc, "title", "")
        start = self.text(doc, "start", "")
        requires_checks = doc.get("requires_checks", True)
        if not isinstance(requires_checks, bool):
            self.problem("", f"'requires_checks' must be true or false, not {_describe(requires_checks)}")
            requires_checks = True
        references = self.references(doc.get("references", {}))
        questions: dict[str, Question] = {}
        for number, entry in enumerate(self.entries(doc, "questions", ""), start=1):
            question = self.question(entry, f"question {number}")
            if question is not None:
                questions[question.id] = question
        outcomes: dict[str, Outcome] = {}
        for number, entry in enumerate(self.entries(doc, "outcomes", ""), start=1):
            outcome = self.outcome(entry, f"outcome {number}")
            if outcome is not None:
                outcomes[outcome.id] = outcome
        if element is None or self.problems:
            return None
        return Flow(
            element=element,
            title=title,
            start=start,
            questions=questions,
            outcomes=outcomes,
            references=references,
            requires_checks=requires_checks,
            language=language,
        )

    def references(self, value: object) -> dict[str, Reference]:
        if not isinstance(value, Mapping):
            self.problem("", f"'references' must be an object, not {_describe(value)}")
            return {}
        references: dict[str, Reference] = {}
        for key, entry in value.items():
            what = f"the policy extract '{key}'"
            obj = self.fields(entry, _REFERENCE_FIELDS, "", what)
            if obj is not None:
                title = self.text(obj, "title", "", what)
                references[key] = Reference(
                    key=key,
                    title=title,
                    text=self.text(obj, "text", "", what),
                    sources=self.text(obj, "sources", "", what),
                )
        return references

    def question(self, entry: object, fallback: str) -> Question | None:
        what = "the question"
        obj, question_id, node = self.node_fields(entry, _QUESTION_FIELDS, fallback, what)
        if obj is None:
            return None
        kind = self.enum(Kind, obj, "kind", node, what)
        text = self.text(obj, "text", node)
        guidance = self.text(obj, "guidance", node)
        reference = self.text(obj, "reference", node)
        next_id = self.text(obj, "next", node)
        tags = self.members(Tag, obj, "tags", node)
        answers = tuple(
            answer
            for number, raw in enumerate(self.entries(obj, "answers", node), start=1)
            if (answer := self.answer(raw, node, number)) is not None
        )
        items = tuple(
            item
            for number, raw in enumerate(self.entries(obj, "items", node), start=1)
            if (item := self.item(raw, node, number)) is not None
        )
        if question_id is None or kind is None:
            return None
        return Question(
            id=question_id,
            text=text,
            kind=kind,
            guidance=guidance,
            reference=reference,
            tags=tags,
            answers=answers,
            items=items,
            next=next_id,
            bound_to=self.text(obj, "bound_to", node),
            sources=self.text(obj, "sources", node),
        )

    def answer(self, entry: object, node: str, number: int) -> Answer | None:
        obj = self.fields(entry, _ANSWER_FIELDS, node, f"answer {number}")
        if obj is None:
            return None
        if "modifiers" in obj and self.language < 2:
            self.problem(node, f"answer {number} uses 'modifiers', which needs \"language\": {LANGUAGE}")
        value = self.text(obj, "value", node, f"answer {number}")
        what = f"the answer '{value}'" if value else f"answer {number}"
        return Answer(
            value=value,
            # yes_no answers may leave out their labels.
            label=self.text(obj, "label", node, what) or _YES_NO_LABELS.get(value, ""),
            next=self.text(obj, "next", node, what),
            tags=self.members(Tag, obj, "tags", node, what),
            hint=self.text(obj, "hint", node, what),
            note=self.text(obj, "note", node, what),
            modifiers=self.members(Modifier, obj, "modifiers", node, what),
            why=self.text(obj, "why", node, what),
            not_known=self.flag(obj, "not_known", node, what),
            exclusive=self.flag(obj, "exclusive", node, what),
            matches=self.words(obj, "matches", node, what),
        )

    def item(self, entry: object, node: str, number: int) -> ChecklistItem | None:
        what = f"item {number}"
        obj = self.fields(entry, _ITEM_FIELDS, node, what)
        if obj is None:
            return None
        return ChecklistItem(
            value=self.text(obj, "value", node, what),
            label=self.text(obj, "label", node, what),
            required=self.text(obj, "required", node, what),
        )

    def outcome(self, entry: object, fallback: str) -> Outcome | None:
        what = "the outcome"
        obj, outcome_id, node = self.node_fields(entry, _OUTCOME_FIELDS, fallback, what)
        if obj is None:
            return None
        category = self.enum(Category, obj, "category", node, what)
        modifiers = self.members(Modifier, obj, "modifiers", node)
        title = self.text(obj, "title", node)
        agency = self.text(obj, "agency", node)
        script, scripts = self.by_audience(obj, "script", node)
        record = self.text(obj, "record", node)
        call_back_if, call_backs = self.by_audience(obj, "call_back_if", node)
        rationale = self.text(obj, "rationale", node)
        if outcome_id is None or category is None:
            return None
        return Outcome(
            id=outcome_id,
            category=category,
            title=title,
            modifiers=modifiers,
            agency=agency,
            script=script,
            record=record,
            call_back_if=call_back_if,
            rationale=rationale,
            scripts=scripts,
            call_backs=call_backs,
            supervisor=self.flag(obj, "supervisor", node),
            sources=self.text(obj, "sources", node),
        )
