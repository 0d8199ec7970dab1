"""The language-2 rules (docs/flow-language.md, "Language 2"): the parts of a document only
language 2 has, handler text free of source markers, and the safety rules that check meaning.

A threshold question is one tagged crime, risk_to_life or serious_harm. Its answers say whether
that limb of the threshold is met, so the rules look at what its answers assert and where they
lead, never only at the labels on the question.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from policies.flow.document import (
    ANSWER_MODIFIERS,
    BINDINGS,
    THRESHOLD_TAGS,
    Answer,
    Category,
    Flow,
    Kind,
    Modifier,
    Question,
    Tag,
)
from policies.flow.graph import Graph
from policies.flow.parse import Problem

__all__ = ["language_2_problems", "marker_in"]

_MARKERS = (
    (re.compile(r"\[(?:S2?|F|B|U|D)\]"), "a source tag such as [S] or [U]"),
    (re.compile(r"\bguards?\s+\d+", re.IGNORECASE), "a guard number"),
    (
        re.compile(
            r"\b(?:MPS|policy owners?|owners?)\b[^.]{0,40}\bto confirm\b|\bto be confirmed\b", re.IGNORECASE
        ),
        "a 'to confirm' marker",
    ),
    (re.compile(r"\bSources?\s*:", re.IGNORECASE), "a 'Source:' line"),
)
_LIMB = {
    Tag.CRIME: "a crime",
    Tag.RISK_TO_LIFE: "a risk to life",
    Tag.SERIOUS_HARM: "a risk of serious harm",
}


def marker_in(text: str) -> str:
    """What policy-owner marker the text carries ("" when none): such text is not for a handler."""
    for pattern, what in _MARKERS:
        if pattern.search(text):
            return what
    return ""


def language_2_problems(flow: Flow, graph: Graph) -> Iterator[Problem]:
    """Every language-2 problem: parts, handler text, threshold questions and where answers lead."""
    yield from _parts(flow)
    yield from _handler_text(flow)
    for question in flow.questions.values():
        yield from _threshold_shape(question)
    yield from _where_answers_lead(flow, graph)


# Parts only language 2 has ----------------------------------------------------------------------------


def _parts(flow: Flow) -> Iterable[Problem]:
    for question in flow.questions.values():
        node = question.id
        if question.bound_to and question.bound_to not in BINDINGS:
            yield Problem(node, f"'bound_to' must be one of {', '.join(BINDINGS)}, not '{question.bound_to}'")
        if question.bound_to and not question.kind.has_answers:
            yield Problem(node, f"a {question.kind} question cannot be bound to the start page")
        if question.bound_to and question.is_threshold:
            yield Problem(
                node,
                "a threshold question cannot be answered by the start page: the handler must ask it",
            )
        if question.bound_to and not any(answer.matches for answer in question.answers):
            yield Problem(
                node, "the question is bound to the start page but no answer says which callers it matches"
            )
        for answer in question.answers:
            name = f"the answer '{answer.value}'"
            if answer.matches and not question.bound_to:
                yield Problem(node, f"{name} has 'matches' but the question is not bound to the start page")
            words = BINDINGS.get(question.bound_to, ())
            for word in answer.matches:
                if words and word not in words:
                    yield Problem(node, f"{name} matches '{word}', which is not one of {', '.join(words)}")
            for modifier in sorted(answer.modifiers - set(ANSWER_MODIFIERS)):
                yield Problem(
                    node,
                    f"{name} adds {modifier}, but an answer can add only "
                    f"{', '.join(str(m) for m in ANSWER_MODIFIERS)}",
                )
            if answer.exclusive and question.kind is not Kind.MULTI:
                yield Problem(node, f"{name} is 'exclusive', which only a multi_choice answer can be")
            if answer.not_known and answer.tags:
                yield Problem(node, f"{name} says the fact is not known, so it cannot also assert it (tags)")
        if question.kind is Kind.MULTI:
            if len(question.answers) < 2:
                yield Problem(node, "a multi_choice question needs two or more answers")
            for answer in question.answers:
                if answer.not_known and not answer.exclusive:
                    yield Problem(
                        node, f"the answer '{answer.value}' says not known, so it must be 'exclusive'"
                    )
        if question.kind is Kind.YES_NO:
            extra = [a.value for a in question.answers if a.value not in ("yes", "no")]
            if extra and not all(
                question.answer(value) and question.answer(value).not_known for value in extra
            ):  # type: ignore[union-attr]
                yield Problem(node, "a yes_no question may add only a 'not known' answer to 'yes' and 'no'")
        for item in question.items:
            if item.required and len(item.required.strip()) < 10:
                yield Problem(
                    node,
                    f"the item '{item.value}' is required: say why in its 'required' text, in a sentence",
                )
    for outcome in flow.outcomes.values():
        if outcome.supervisor and Modifier.ESCALATE not in outcome.modifiers:
            yield Problem(
                outcome.id, "a supervisor-decision outcome must carry +ESCALATE (that is how it reaches one)"
            )


def _handler_text(flow: Flow) -> Iterable[Problem]:
    """Rule: text a handler sees never carries sources, guard numbers or 'to confirm' markers."""
    for key, reference in flow.references.items():
        for where, text in (("title", reference.title), ("text", reference.text)):
            yield from _marked("", f"the policy extract '{key}' {where}", text)
    for question in flow.questions.values():
        texts: list[tuple[str, str]] = [("wording", question.text), ("guidance", question.guidance)]
        for answer in question.answers:
            name = f"the answer '{answer.value}'"
            texts += [
                (f"{name} label", answer.label),
                (f"{name} hint", answer.hint),
                (f"{name} note prompt", answer.note),
                (f"{name} reason ('why')", answer.why),
            ]
        texts += [(f"the item '{item.value}' label", item.label) for item in question.items]
        for where, text in texts:
            yield from _marked(question.id, where, text)
    for outcome in flow.outcomes.values():
        texts = [
            ("title", outcome.title),
            ("script", outcome.script),
            ("record", outcome.record),
            ("'call back if' text", outcome.call_back_if),
            ("rationale", outcome.rationale),
        ]
        texts += [(f"script for {audience}", text) for audience, text in outcome.scripts.items()]
        texts += [
            (f"'call back if' text for {audience}", text) for audience, text in outcome.call_backs.items()
        ]
        for where, text in texts:
            yield from _marked(outcome.id, where, text)


def _marked(node: str, where: str, text: str) -> Iterable[Problem]:
    what = marker_in(text)
    if what:
        yield Problem(
            node,
            f"the {where} carries {what}: that is for policy owners, so move it to 'sources' "
            "(handlers never see it)",
        )


# Threshold questions ------------------------------------------------------------------------------------


def _threshold_shape(question: Question) -> Iterable[Problem]:
    """Rule: a threshold question can be answered yes, no and not known, and says which answer is yes."""
    node = question.id
    limbs = sorted(question.tags & THRESHOLD_TAGS)
    if Tag.CHECKS in question.tags and question.kind not in (Kind.CHECKLIST, *_ANSWERED):
        yield Problem(node, f"a {question.kind} question cannot be the intelligence checks: use a checklist")
    if not limbs:
        return
    if not question.kind.is_threshold_kind:
        yield Problem(
            node,
            f"a {question.kind} question cannot be a threshold question ({', '.join(limbs)}): its "
            "answer could not say whether the threshold is met. Use choice, multi_choice or yes_no",
        )
        return
    for tag in limbs:
        if not any(tag in answer.tags for answer in question.answers):
            yield Problem(
                node,
                f"the question is tagged {tag} but no answer says there is {_LIMB[tag]}: tag the answer "
                f"that does",
            )
    yes = question.answer("yes")
    if question.kind is Kind.YES_NO and yes is not None and not (yes.tags & THRESHOLD_TAGS):
        yield Problem(node, f"the answer 'yes' to this {'/'.join(limbs)} question must carry its tag")
    if not any(answer.not_known for answer in question.answers):
        yield Problem(
            node,
            "a threshold question must offer 'Not known / the caller can't say' (an answer with "
            "'not_known': true)",
        )
    if question.kind is Kind.MULTI:
        yield from _most_serious_first(question)


_ANSWERED = (Kind.CHOICE, Kind.YES_NO, Kind.MULTI)


def _most_serious_first(question: Question) -> Iterable[Problem]:
    """The first ticked answer decides the route, so every answer that meets the threshold comes
    before every answer that does not (otherwise a lesser tick could route a crime away)."""
    seen_plain: Answer | None = None
    for answer in question.answers:
        if answer.exclusive:
            continue
        if not answer.tags:
            seen_plain = seen_plain or answer
        elif seen_plain is not None:
            yield Problem(
                question.id,
                f"the answer '{answer.value}' meets the threshold but comes after '{seen_plain.value}', "
                "which does not: list the most serious answers first (the first one ticked decides)",
            )
            return


# Where answers lead -------------------------------------------------------------------------------------


def _where_answers_lead(flow: Flow, graph: Graph) -> Iterable[Problem]:
    """Rules: an answer that meets the threshold, and a threshold answered not known, lead only to
    police attending or a supervisor's decision; a risk-to-life answer can reach Deploy police."""
    for question in flow.questions.values():
        for answer in question.answers:
            if answer.next not in flow:
                continue
            asserted = [tag for tag in sorted(answer.tags) if tag in THRESHOLD_TAGS]
            unknown = answer.not_known and question.is_threshold
            if not asserted and not unknown:
                continue
            reached = [
                flow.outcomes[n]
                for n in graph.order
                if n in graph.reach([answer.next]) and n in flow.outcomes
            ]
            no_police = [o.id for o in reached if o.no_police and not o.supervisor]
            if no_police:
                says = " and ".join(_LIMB[tag] for tag in asserted) if asserted else "the answer is not known"
                what = f"says there is {says}" if asserted else "says the caller cannot say"
                yield Problem(
                    question.id,
                    f"the answer '{answer.value}' {what} but can lead to {_join(no_police)}, where police "
                    "do not attend and no supervisor decides",
                )
            if Tag.RISK_TO_LIFE in answer.tags and not any(
                o.category is Category.DEPLOY or o.supervisor for o in reached
            ):
                yield Problem(
                    question.id,
                    f"the answer '{answer.value}' says there is a risk to life but cannot lead to a Deploy "
                    "police outcome",
                )


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def is_threshold_asked(question: Question, tag: Tag) -> bool:
    """Whether passing this question asks the threshold limb ``tag`` (language 2): a question of an
    answering kind with an answer that asserts it. A free-text question tagged crime asks nothing."""
    if tag is Tag.CHECKS:
        return Tag.CHECKS in question.tags and question.kind in (Kind.CHECKLIST, *_ANSWERED)
    return (
        tag in question.tags
        and question.kind.is_threshold_kind
        and any(tag in answer.tags for answer in question.answers)
    )
