"""Structural, graph and safety checks of a Flow (docs/flow-language.md, "Validation").

Every check runs and every problem is returned at once, each naming its node, each reported once:
a problem that is only a consequence of another (a question that cannot reach an outcome because
its ``next`` names nothing) is not reported again. The graph analyses work on any graph, cyclic or
not, and never enumerate paths: the safety rule on paths is a dataflow over the graph.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from policies.flow.document import (
    ANSWER_TAGS,
    PLACEHOLDERS,
    Category,
    Flow,
    Kind,
    Outcome,
    Question,
    Tag,
    split_template,
)
from policies.flow.graph import Graph
from policies.flow.parse import FlowDefinitionError, Problem, parse
from policies.flow.rules import is_threshold_asked, language_2_problems

__all__ = ["check", "validate"]

_TEMPLATE_FIELDS = (("script", "script"), ("record", "record"), ("call_back_if", "'call back if' text"))
_AGENCY_PLACEHOLDERS = ("agency_name", "agency_contact")
_ASSERTS = {
    Tag.CRIME: "a crime is involved",
    Tag.RISK_TO_LIFE: "there is a risk to life",
    Tag.SERIOUS_HARM: "there is a risk of serious harm",
}


def check(document: Mapping[str, Any], *, agency_keys: Collection[str] | None = None) -> list[Problem]:
    """Every problem with a flow document: those that stop it being read, else those ``validate`` finds.

    An empty list means the document is a valid flow. This is what forms and the publish service call.
    """
    try:
        flow = parse(document)
    except FlowDefinitionError as error:
        return error.problems
    return validate(flow, agency_keys=agency_keys)


def validate(flow: Flow, *, agency_keys: Collection[str] | None = None) -> list[Problem]:
    """Every structural, graph and safety problem with a flow, in a stable order; empty when valid.

    ``agency_keys`` are the keys of the agency directory; None means agencies are not checked.
    Problems come in passes (structure, then graph, then safety), each in document order.
    """
    graph = Graph(flow)
    problems = [
        *_structure(flow, agency_keys),
        *_graph_problems(flow, graph),
        *_safety(flow, graph),
    ]
    return list(dict.fromkeys(problems))


# Structure ------------------------------------------------------------------------------------------


def _structure(flow: Flow, agency_keys: Collection[str] | None) -> Iterable[Problem]:
    if not flow.title.strip():
        yield Problem("", "the flow needs a 'title'")
    if not flow.start:
        yield Problem("", "the flow needs a 'start': the id of its first question")
    elif flow.start in flow.outcomes:
        yield Problem("", f"the start '{flow.start}' is an outcome: the flow must start with a question")
    elif flow.start not in flow:
        yield Problem("", f"the start '{flow.start}' does not exist")
    for reference in flow.references.values():
        if not reference.title.strip():
            yield Problem("", f"the policy extract '{reference.key}' needs a 'title'")
        if not reference.text.strip():
            yield Problem("", f"the policy extract '{reference.key}' needs its 'text'")
    for question in flow.questions.values():
        yield from _question(flow, question)
    directory = None if agency_keys is None else frozenset(agency_keys)
    for outcome in flow.outcomes.values():
        yield from _outcome(outcome, directory)


def _question(flow: Flow, question: Question) -> Iterable[Problem]:
    node, kind = question.id, question.kind
    if not question.text.strip():
        yield Problem(node, "the question needs its wording ('text')")
    if question.reference and question.reference not in flow.references:
        yield Problem(node, f"the reference '{question.reference}' names no policy extract in 'references'")
    if kind.has_answers:
        if question.items:
            yield Problem(node, f"a {kind} question cannot have 'items': only a checklist has items")
        if question.next:
            yield Problem(
                node, f"a {kind} question cannot have its own 'next': each answer says where it leads"
            )
        values = [answer.value for answer in question.answers]
        if kind is Kind.CHOICE and len(values) < 2:
            yield Problem(node, "a choice question needs two or more answers")
        legacy = flow.language < 2
        if kind is Kind.YES_NO and (
            not {"yes", "no"} <= set(values) or (legacy and sorted(values) != ["no", "yes"])
        ):
            yield Problem(node, "a yes_no question needs exactly two answers, 'yes' and 'no'")
        yield from _answers(flow, question)
    else:
        if question.answers:
            yield Problem(node, f"a {kind} question cannot have 'answers': it has one 'next'")
        if kind is Kind.CHECKLIST:
            if not question.items:
                yield Problem(node, "a checklist needs at least one item to tick")
            yield from _items(question)
        elif question.items:
            yield Problem(node, f"a {kind} question cannot have 'items': only a checklist has items")
        if not question.next:
            yield Problem(node, f"a {kind} question needs a 'next': the id of the node that follows it")
        elif question.next not in flow:
            yield Problem(node, f"'next' leads to '{question.next}', which does not exist")


def _answers(flow: Flow, question: Question) -> Iterable[Problem]:
    node = question.id
    seen: set[str] = set()
    for number, answer in enumerate(question.answers, start=1):
        value = answer.value
        if not value.strip():
            yield Problem(node, f"answer {number} has no 'value'")
            name = f"answer {number}"
        else:
            if value in seen:
                yield Problem(node, f"the answer value '{value}' is used more than once")
            seen.add(value)
            name = f"the answer '{value}'"
        if not answer.label.strip():
            yield Problem(node, f"{name} needs a 'label'")
        if not answer.next:
            yield Problem(node, f"{name} does not say where it leads ('next')")
        elif answer.next not in flow:
            yield Problem(node, f"{name} leads to '{answer.next}', which does not exist")
        for tag in sorted(answer.tags - set(ANSWER_TAGS)):
            yield Problem(
                node,
                f"{name} is tagged {tag}, but an answer can only be tagged {_join(ANSWER_TAGS, 'or')}",
            )


def _items(question: Question) -> Iterable[Problem]:
    node = question.id
    seen: set[str] = set()
    for number, item in enumerate(question.items, start=1):
        if not item.value.strip():
            yield Problem(node, f"item {number} has no 'value'")
            name = f"item {number}"
        else:
            if item.value in seen:
                yield Problem(node, f"the item value '{item.value}' is used more than once")
            seen.add(item.value)
            name = f"the item '{item.value}'"
        if not item.label.strip():
            yield Problem(node, f"{name} needs a 'label'")


def _outcome(outcome: Outcome, directory: frozenset[str] | None) -> Iterable[Problem]:
    node = outcome.id
    if not outcome.title.strip():
        yield Problem(node, "the outcome needs a 'title'")
    if outcome.no_police and not outcome.agency:
        yield Problem(node, "a no-police outcome needs an 'agency': who will help instead")
    if outcome.agency and directory is not None and outcome.agency not in directory:
        yield Problem(node, f"the agency '{outcome.agency}' is not in the agency directory")
    if not outcome.script.strip():
        yield Problem(node, "the outcome needs a 'script' for the handler to read to the caller")
    if not outcome.record.strip():
        yield Problem(node, "the outcome needs a 'record': the text for the decision log")
    if outcome.no_police and not outcome.call_back_if.strip():
        yield Problem(node, "a no-police outcome needs a 'call back if' text")
    allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    templates = [(getattr(outcome, key), label) for key, label in _TEMPLATE_FIELDS]
    templates += [(text, f"script for {audience}") for audience, text in outcome.scripts.items()]
    templates += [
        (text, f"'call back if' text for {audience}") for audience, text in outcome.call_backs.items()
    ]
    for template, label in templates:
        parts = split_template(template)
        for name in dict.fromkeys(text for part, text in parts if part == "field"):
            if name not in PLACEHOLDERS:
                yield Problem(
                    node,
                    f"the {label} uses {{{name}}}, which is not a placeholder: use {allowed}, "
                    "or {{ and }} for a literal brace",
                )
            elif name in _AGENCY_PLACEHOLDERS and not outcome.agency and not outcome.no_police:
                # (A no-police outcome without an agency is reported above.)
                yield Problem(node, f"the {label} uses {{{name}}} but the outcome names no agency")
        for brace in dict.fromkeys(text for part, text in parts if part == "stray"):
            yield Problem(
                node,
                f"the {label} has a '{brace}' that is not part of a placeholder: "
                f"write {brace}{brace} for a literal brace",
            )


# Graph ----------------------------------------------------------------------------------------------


def _graph_problems(flow: Flow, graph: Graph) -> Iterable[Problem]:
    components = graph.components()
    yield from _unreachable(flow, graph, components)
    reverse: dict[str, list[str]] = {node_id: [] for node_id in graph.order}
    for source, targets in graph.edges.items():
        for target in targets:
            reverse[target].append(source)
    # The nodes from which an outcome can be reached, with the benefit of the doubt for loose ones.
    finishing = deque([*flow.outcomes, *graph.loose])
    can_finish = set(finishing)
    while finishing:
        for source in reverse[finishing.popleft()]:
            if source not in can_finish:
                can_finish.add(source)
                finishing.append(source)
    for component in components:
        first = component[0]
        if len(component) == 1 and first not in graph.edges[first]:
            continue
        cycle = graph.shortest_path(first, first, blocked=graph.order.keys() - set(component))
        yield Problem(first, f"cycle: {' → '.join(cycle)}")
        members = set(component)
        # Report only a cycle with no way out: one that only leads into another such cycle follows
        # from that cycle's problem.
        closed = all(set(graph.edges[member]) <= members for member in component)
        if closed and first not in can_finish:
            yield Problem(
                first,
                f"no outcome can be reached from {_join(component, 'or')}: "
                "every answer leads back round the cycle",
            )


def _unreachable(flow: Flow, graph: Graph, components: list[list[str]]) -> Iterable[Problem]:
    """One problem per unreachable region, named by its first node, listing the rest of it.

    The region of an unreachable node with no other way in (the first node of a strongly connected
    component that nothing outside it leads to) is everything unreachable that it leads to and that
    an earlier region has not listed.
    """
    listed: set[str] = set()
    for component in components:
        first = component[0]
        if first in graph.reachable:
            continue
        members = set(component)
        led_into = any(
            target in members
            for source, targets in graph.edges.items()
            if source not in members
            for target in targets
        )
        if led_into:
            continue
        unlisted = graph.reach([first]) - graph.reachable - listed
        region = [node for node in graph.order if node in unlisted]
        listed.update(region)
        what = "question" if first in flow.questions else "outcome"
        rest = [node for node in region if node != first]
        through = f" (nor, through it, can {_join(rest, 'and')})" if rest else ""
        yield Problem(first, f"this {what} cannot be reached from the start{through}")


# Safety (domain.md §9) ------------------------------------------------------------------------------


def _safety(flow: Flow, graph: Graph) -> Iterable[Problem]:
    yield from _no_police_paths(flow, graph)
    if flow.language >= 2:
        yield from language_2_problems(flow, graph)
        return
    # Language 1 (documents published before language 2): the rules they were published under.
    for question in flow.questions.values():
        if not question.kind.has_answers:
            continue
        for answer in question.answers:
            asserted = [tag for tag in ANSWER_TAGS if tag in answer.tags]
            if not asserted or answer.next not in flow:
                continue
            reached = graph.reach([answer.next])
            refused = [o.id for o in flow.outcomes.values() if o.id in reached and o.no_police]
            if refused:
                says = " and ".join(_ASSERTS[tag] for tag in asserted)
                yield Problem(
                    question.id,
                    f"the answer '{answer.value}' says {says} but can lead to {_join(refused, 'or')}, "
                    "where police do not attend",
                )
    for question in flow.questions.values():
        if Tag.RISK_TO_LIFE not in question.tags:
            continue
        reached = graph.reach(graph.edges[question.id])
        if not any(o.category is Category.DEPLOY for o in flow.outcomes.values() if o.id in reached):
            yield Problem(
                question.id, "no answer to this risk-to-life question can lead to a Deploy police outcome"
            )


def _no_police_paths(flow: Flow, graph: Graph) -> Iterable[Problem]:
    """Rule 1: every path from the start to a no-police outcome asks the required questions.

    ``asked[n]`` is the set of required tags asked on every path from the start to n (inclusive):
    the tags of n plus the intersection over n's predecessors. It is the greatest fixed point,
    reached by iterating in depth-first order from the start; sets only shrink, so this ends on
    any graph, in one pass when the graph is acyclic. A missing tag is then shown with one example
    path, the shortest that avoids every question with that tag.
    """
    start = graph.start
    if start is None:
        return
    required = [Tag.CRIME, Tag.RISK_TO_LIFE, Tag.SERIOUS_HARM]
    if flow.requires_checks:
        required.append(Tag.CHECKS)
    everything = frozenset(required)
    order = graph.depth_first_order(start)
    own = {node_id: _asks(flow, node_id, everything) for node_id in order}
    predecessors: dict[str, list[str]] = {node_id: [] for node_id in order}
    for source in order:
        for target in graph.edges[source]:
            predecessors[target].append(source)
    asked = dict.fromkeys(order, everything)
    changed = True
    while changed:
        changed = False
        for node_id in order:
            inherited = everything
            for source in predecessors[node_id]:
                inherited = inherited & asked[source]
            if node_id == start:
                inherited = frozenset()  # the walk also enters the start from nowhere
            value = own[node_id] | inherited
            if value != asked[node_id]:
                asked[node_id] = value
                changed = True
    for outcome in flow.outcomes.values():
        if outcome.id not in asked or not outcome.no_police:
            continue
        for tag in required:
            if tag in asked[outcome.id]:
                continue
            tagged = {q.id for q in flow.questions.values() if tag in q.tags}
            example = graph.shortest_path(start, outcome.id, blocked=tagged)
            yield Problem(
                outcome.id,
                f"a path reaches this no-police outcome without asking a question tagged {tag} "
                f"({' → '.join(example)})",
            )


def _asks(flow: Flow, node_id: str, required: frozenset[Tag]) -> frozenset[Tag]:
    """The required tags a node asks: in language 1 its tags; in language 2 only the limbs its
    answers can assert (a free-text question tagged crime asks nothing)."""
    question = flow.questions.get(node_id)
    if question is None:
        return frozenset()
    if flow.language < 2:
        return required & question.tags
    return frozenset(tag for tag in required if is_threshold_asked(question, tag))


def _join(words: Sequence[str], conjunction: str) -> str:
    """ "a", "a or b", "a, b or c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"
