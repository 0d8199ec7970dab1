"""The flow document as frozen dataclasses, and the vocabularies of the flow language.

See docs/flow-language.md for the JSON shape these classes mirror. Nothing here imports Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

ENGINE_VERSION: Final = "1.0"
"""Names the engine's semantics (walking, validation). Stored with every decision."""

TEXT_MAX_LENGTH: Final = 500
"""The longest free-text answer or note, in characters."""

ID_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")
"""Node ids (questions and outcomes share one namespace). Use with ``fullmatch``."""


class FlowError(Exception):
    """Base class of every error the flow engine raises on purpose."""


class Element(StrEnum):
    """The four RCRP elements (PCD1529; national phases 1-4)."""

    WELFARE = "welfare"
    AWOL = "awol"
    S136 = "s136"
    TRANSPORT = "transport"


class Kind(StrEnum):
    """What sort of answer a question takes."""

    CHOICE = "choice"
    YES_NO = "yes_no"
    CHECKLIST = "checklist"
    TEXT = "text"
    TIME = "time"

    @property
    def has_answers(self) -> bool:
        """True for kinds whose answers each lead somewhere; the others have a single ``next``."""
        return self in (Kind.CHOICE, Kind.YES_NO)


class Category(StrEnum):
    """The outcome vocabulary (domain.md, 'Outcome vocabulary')."""

    DEPLOY = "DEPLOY"
    JOINT = "JOINT"
    SIGNPOST = "SIGNPOST"
    REFUSE_REDIRECT = "REFUSE_REDIRECT"
    NOT_RCRP = "NOT_RCRP"

    @property
    def label(self) -> str:
        """The plain-words label shown to staff, e.g. "Deploy police"."""
        return CATEGORY_LABELS[self]

    @property
    def police_attend(self) -> bool:
        """True when police attend: DEPLOY, JOINT and NOT_RCRP (ordinary policing)."""
        return self in POLICE_ATTEND


class Modifier(StrEnum):
    """Qualifiers on an outcome."""

    LAS = "LAS"
    ESCALATE = "ESCALATE"
    NON_RCRP = "NON_RCRP"

    @property
    def label(self) -> str:
        """The plain-words label shown to staff."""
        return MODIFIER_LABELS[self]


class Tag(StrEnum):
    """Tags on questions (what the question asks about) and on answers (what the answer asserts)."""

    CRIME = "crime"
    RISK_TO_LIFE = "risk_to_life"
    SERIOUS_HARM = "serious_harm"
    CHECKS = "checks"
    CALLER_TOLD = "caller_told"
    POS_ARRIVAL = "pos_arrival"
    CHILD = "child"
    CAPACITY = "capacity"


ELEMENTS: Final[tuple[Element, ...]] = tuple(Element)
KINDS: Final[tuple[Kind, ...]] = tuple(Kind)
CATEGORIES: Final[tuple[Category, ...]] = tuple(Category)
MODIFIERS: Final[tuple[Modifier, ...]] = tuple(Modifier)
TAGS: Final[tuple[Tag, ...]] = tuple(Tag)

ANSWER_TAGS: Final[tuple[Tag, ...]] = (Tag.CRIME, Tag.RISK_TO_LIFE, Tag.SERIOUS_HARM)
"""The only tags an answer may carry: each says the answer meets the threshold for police."""

POLICE_ATTEND: Final = frozenset({Category.DEPLOY, Category.JOINT, Category.NOT_RCRP})
NO_POLICE: Final = frozenset({Category.SIGNPOST, Category.REFUSE_REDIRECT})

CATEGORY_LABELS: Final[Mapping[Category, str]] = MappingProxyType(
    {
        Category.DEPLOY: "Deploy police",
        Category.JOINT: "Joint response",
        Category.SIGNPOST: "Signpost",
        Category.REFUSE_REDIRECT: "Refuse and redirect",
        Category.NOT_RCRP: "Not an RCRP call: ordinary policing",
    }
)

MODIFIER_LABELS: Final[Mapping[Modifier, str]] = MappingProxyType(
    {
        Modifier.LAS: "Also pass to or request the London Ambulance Service",
        Modifier.ESCALATE: "Escalate to a supervisor or partner",
        Modifier.NON_RCRP: "Ordinary policing: RCRP not relevant",
    }
)

PLACEHOLDERS: Final[tuple[str, ...]] = ("incident_ref", "agency_name", "agency_contact", "element", "version")
"""The names an outcome's script, record and "call back if" text may use in braces."""

PLACEHOLDER_DEFAULTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "incident_ref": "[incident reference]",
        "agency_name": "[agency name]",
        "agency_contact": "[agency contact]",
        "element": "[element]",
        "version": "[version]",
    }
)
"""What ``render`` shows for a placeholder whose value is missing or empty."""

AnswerValue: TypeAlias = str | tuple[str, ...]
"""A choice/yes_no answer value, a text or time answer, or the ticked item values of a checklist."""


@dataclass(frozen=True)
class Reference:
    """A policy extract that questions cite by key."""

    key: str
    title: str
    text: str


@dataclass(frozen=True)
class Answer:
    """One answer to a choice or yes_no question, leading to the node ``next``."""

    value: str
    label: str
    next: str
    tags: frozenset[Tag] = frozenset()
    hint: str = ""
    note: str = ""
    """When not empty, the prompt for a note the handler must give with this answer."""

    @property
    def needs_note(self) -> bool:
        """True when the handler must write a note to give this answer."""
        return bool(self.note.strip())


@dataclass(frozen=True)
class ChecklistItem:
    """One item of a checklist question; the handler ticks every item."""

    value: str
    label: str


@dataclass(frozen=True)
class Question:
    """A question node. Empty strings mean "not given" (``guidance``, ``reference``, ``next``)."""

    id: str
    text: str
    kind: Kind
    guidance: str = ""
    reference: str = ""
    tags: frozenset[Tag] = frozenset()
    answers: tuple[Answer, ...] = ()
    items: tuple[ChecklistItem, ...] = ()
    next: str = ""
    """The single next node of checklist, text and time questions."""

    def answer(self, value: str) -> Answer | None:
        """The first answer with this value, or None."""
        for answer in self.answers:
            if answer.value == value:
                return answer
        return None

    @property
    def targets(self) -> tuple[str, ...]:
        """The ids this question can lead to, in document order, without repeats or blanks.

        Choice and yes_no questions lead where their answers lead; the other kinds lead to ``next``.
        The ids are not checked: validation reports those that name no node.
        """
        if self.kind.has_answers:
            return tuple(dict.fromkeys(a.next for a in self.answers if a.next))
        return (self.next,) if self.next else ()


@dataclass(frozen=True)
class Outcome:
    """An outcome node: what happens, what to say to the caller and what to record."""

    id: str
    category: Category
    title: str
    modifiers: frozenset[Modifier] = frozenset()
    agency: str = ""
    script: str = ""
    record: str = ""
    call_back_if: str = ""
    rationale: str = ""

    @property
    def police_attend(self) -> bool:
        """True for DEPLOY, JOINT and NOT_RCRP."""
        return self.category.police_attend

    @property
    def no_police(self) -> bool:
        """True for SIGNPOST and REFUSE_REDIRECT, the outcomes where police do not attend."""
        return not self.category.police_attend

    @property
    def label(self) -> str:
        """The category label with any modifiers, e.g. "Deploy police +LAS"."""
        extra = "".join(f" +{m}" for m in MODIFIERS if m in self.modifiers)
        return f"{self.category.label}{extra}"


Node: TypeAlias = Question | Outcome


@dataclass(frozen=True)
class Flow:
    """One flow document: the questions and outcomes of one element in one policy version.

    ``questions``, ``outcomes`` and ``references`` are read-only maps in document order, keyed by
    id (by key for references). The constructor checks that each key is its value's id and that no
    id is both a question and an outcome; everything else is left to ``validate``, so a Flow may be
    structurally broken (a dangling ``next``, a cycle) and still be built, shown and compared.
    """

    element: Element
    title: str
    start: str
    questions: Mapping[str, Question]
    outcomes: Mapping[str, Outcome]
    references: Mapping[str, Reference] = field(default_factory=dict)
    requires_checks: bool = True

    def __post_init__(self) -> None:
        for name in ("questions", "outcomes", "references"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        nodes: list[tuple[str, Node]] = [*self.questions.items(), *self.outcomes.items()]
        for key, node in nodes:
            if key != node.id:
                raise ValueError(f"{node.id} is filed under the key {key!r}")
        for key, reference in self.references.items():
            if key != reference.key:
                raise ValueError(f"the reference {reference.key!r} is filed under the key {key!r}")
        both = self.questions.keys() & self.outcomes.keys()
        if both:
            raise ValueError(f"{', '.join(sorted(both))}: both a question and an outcome")

    def get(self, node_id: str) -> Node | None:
        """The question or outcome with this id, or None."""
        return self.questions.get(node_id) or self.outcomes.get(node_id)

    def node(self, node_id: str) -> Node:
        """The question or outcome with this id; KeyError if there is none."""
        found = self.get(node_id)
        if found is None:
            raise KeyError(node_id)
        return found

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.questions or node_id in self.outcomes

    def nodes(self) -> Iterator[Node]:
        """Every question, then every outcome, in document order."""
        yield from self.questions.values()
        yield from self.outcomes.values()


# Templates -------------------------------------------------------------------------------------------

TemplatePart: TypeAlias = tuple[Literal["text", "field", "stray"], str]

_TEMPLATE_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def split_template(template: str) -> list[TemplatePart]:
    """Split a script, record or "call back if" text into its parts.

    Returns ("text", literal) parts, ("field", name) for each ``{name}`` (whatever the name), and
    ("stray", brace) for a lone ``{`` or ``}``. ``{{`` and ``}}`` are literal braces. Never raises.
    """
    parts: list[TemplatePart] = []
    position = 0
    for match in _TEMPLATE_TOKEN.finditer(template):
        if match.start() > position:
            parts.append(("text", template[position : match.start()]))
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append(("text", token[0]))
        elif match.group(1) is not None:
            parts.append(("field", match.group(1)))
        else:
            parts.append(("stray", token))
        position = match.end()
    if position < len(template):
        parts.append(("text", template[position:]))
    return parts
