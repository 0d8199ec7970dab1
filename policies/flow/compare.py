"""What changed between two versions of a flow, in plain words, for the policy owners approving it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from policies.flow.document import (
    MODIFIERS,
    TAGS,
    Answer,
    ChecklistItem,
    Flow,
    Modifier,
    Node,
    Outcome,
    Question,
    Tag,
)

__all__ = ["Change", "diff"]

ChangeKind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    """One difference. ``node`` is the question or outcome id, or "" for the flow as a whole."""

    kind: ChangeKind
    node: str
    description: str

    def __str__(self) -> str:
        return self.description


def diff(old: Flow, new: Flow) -> list[Change]:
    """The differences from ``old`` to ``new``: the flow's own settings and policy extracts first,
    then each node in the new flow's document order, then the nodes removed.

    Each change is described once, in plain English, e.g. "Question q_z: answer 'no' now leads to
    o_a instead of q_b". Identical flows give an empty list.
    """
    changes = list(_flow_changes(old, new))
    for node in new.nodes():
        before = old.get(node.id)
        if before is None:
            changes.append(Change("added", node.id, _added(node)))
        elif isinstance(before, Question) and isinstance(node, Question):
            changes.extend(
                Change("changed", node.id, f"{_name(node)}: {text}") for text in _question(before, node)
            )
        elif isinstance(before, Outcome) and isinstance(node, Outcome):
            changes.extend(
                Change("changed", node.id, f"{_name(node)}: {text}") for text in _outcome(before, node)
            )
        else:
            now = "an outcome" if isinstance(node, Outcome) else "a question"
            changes.append(Change("changed", node.id, f"{_name(before)} is now {now}: '{_title(node)}'"))
    for node in old.nodes():
        if node.id not in new:
            changes.append(Change("removed", node.id, f"{_name(node)} was removed: '{_title(node)}'"))
    return changes


def _name(node: Node) -> str:
    return f"Question {node.id}" if isinstance(node, Question) else f"Outcome {node.id}"


def _title(node: Node) -> str:
    return node.text if isinstance(node, Question) else node.title


def _added(node: Node) -> str:
    if isinstance(node, Question):
        return f"{_name(node)} was added: '{node.text}'"
    return f"{_name(node)} was added: '{node.title}' ({node.label})"


def _changed(what: str, before: str, after: str) -> Iterable[str]:
    if before != after:
        yield f"{what} changed from '{before}' to '{after}'"


def _flow_changes(old: Flow, new: Flow) -> Iterable[Change]:
    if old.element != new.element:
        yield Change("changed", "", f"The element changed from {old.element} to {new.element}")
    for text in _changed("The flow's title", old.title, new.title):
        yield Change("changed", "", text)
    if old.start != new.start:
        yield Change("changed", "", f"The flow now starts at {new.start} instead of {old.start}")
    if old.requires_checks != new.requires_checks:
        now = "now" if new.requires_checks else "no longer"
        yield Change("changed", "", f"Paths to a no-police outcome {now} need a checks question")
    for key, reference in new.references.items():
        before = old.references.get(key)
        if before is None:
            yield Change("added", "", f"Policy extract '{key}' was added: '{reference.title}'")
            continue
        for text in _changed(f"Policy extract '{key}': the title", before.title, reference.title):
            yield Change("changed", "", text)
        if before.text != reference.text:
            yield Change("changed", "", f"Policy extract '{key}': the text changed")
    for key, reference in old.references.items():
        if key not in new.references:
            yield Change("removed", "", f"Policy extract '{key}' was removed: '{reference.title}'")


def _tags(before: frozenset[Tag], after: frozenset[Tag], prefix: str = "") -> Iterable[str]:
    for tag in TAGS:
        if tag in after and tag not in before:
            yield f"{prefix}now tagged {tag}"
        elif tag in before and tag not in after:
            yield f"{prefix}no longer tagged {tag}"


def _question(old: Question, new: Question) -> Iterable[str]:
    yield from _changed("the wording", old.text, new.text)
    if old.kind != new.kind:
        yield f"the kind changed from {old.kind} to {new.kind}"
    if old.guidance != new.guidance:
        yield "the guidance changed"
    if old.reference != new.reference:
        yield f"the policy reference changed from '{old.reference}' to '{new.reference}'"
    yield from _tags(old.tags, new.tags)
    if old.next != new.next:
        yield f"now leads to {new.next or 'nothing'} instead of {old.next or 'nothing'}"
    yield from _answers(old.answers, new.answers)
    yield from _items(old.items, new.items)


def _answers(old: tuple[Answer, ...], new: tuple[Answer, ...]) -> Iterable[str]:
    before = {answer.value: answer for answer in old}
    after = {answer.value: answer for answer in new}
    for value, answer in after.items():
        was = before.get(value)
        name = f"answer '{value}'"
        if was is None:
            yield f"{name} was added ('{answer.label}'), leading to {answer.next}"
            continue
        if was.label != answer.label:
            yield f"{name} is now labelled '{answer.label}' instead of '{was.label}'"
        if was.next != answer.next:
            yield f"{name} now leads to {answer.next} instead of {was.next}"
        yield from _tags(was.tags, answer.tags, f"{name} is ")
        if was.hint != answer.hint:
            yield f"the hint on {name} changed"
        if was.note != answer.note:
            if not answer.note:
                yield f"{name} no longer needs a note"
            elif not was.note:
                yield f"{name} now needs a note: '{answer.note}'"
            else:
                yield f"the note prompt on {name} changed from '{was.note}' to '{answer.note}'"
    for value, answer in before.items():
        if value not in after:
            yield f"answer '{value}' ('{answer.label}') was removed"
    kept = [value for value in before if value in after]
    if kept != [value for value in after if value in before]:
        yield "the answers are in a different order"


def _items(old: tuple[ChecklistItem, ...], new: tuple[ChecklistItem, ...]) -> Iterable[str]:
    before = {item.value: item for item in old}
    after = {item.value: item for item in new}
    for value, item in after.items():
        was = before.get(value)
        if was is None:
            yield f"check '{value}' was added: '{item.label}'"
        elif was.label != item.label:
            yield f"check '{value}' is now labelled '{item.label}' instead of '{was.label}'"
    for value, item in before.items():
        if value not in after:
            yield f"check '{value}' was removed: '{item.label}'"


def _modifiers(modifiers: frozenset[Modifier]) -> str:
    return ", ".join(f"+{m}" for m in MODIFIERS if m in modifiers) or "none"


def _outcome(old: Outcome, new: Outcome) -> Iterable[str]:
    if old.category != new.category:
        yield f"the category changed from {old.category.label} to {new.category.label}"
    if old.modifiers != new.modifiers:
        yield f"the modifiers changed from {_modifiers(old.modifiers)} to {_modifiers(new.modifiers)}"
    yield from _changed("the title", old.title, new.title)
    if old.agency != new.agency:
        yield f"the agency changed from {old.agency or 'none'} to {new.agency or 'none'}"
    for key, label in (
        ("script", "script"),
        ("record", "record text"),
        ("call_back_if", "'call back if' text"),
        ("rationale", "rationale"),
    ):
        if getattr(old, key) != getattr(new, key):
            yield f"the {label} changed"
