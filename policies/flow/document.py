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

ENGINE_VERSION: Final = "2.0"
"""Names the engine's semantics (walking, validation). Stored with every decision."""

LANGUAGE: Final = 2
"""The flow-language version a new document declares (``"language": 2``). A document that declares
none is language 1: it walks as it always did (so v1 decisions replay exactly) and is validated by
the language-1 rules; every language-2 rule (docs/flow-language.md) applies from language 2."""

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
    MULTI = "multi_choice"
    CHECKLIST = "checklist"
    TEXT = "text"
    TIME = "time"

    @property
    def has_answers(self) -> bool:
        """True for kinds whose answers each lead somewhere; the others have a single ``next``."""
        return self in (Kind.CHOICE, Kind.YES_NO, Kind.MULTI)

    @property
    def is_threshold_kind(self) -> bool:
        """The kinds a threshold question (tagged crime, risk_to_life or serious_harm) may have."""
        return self.has_answers


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
    SAFEGUARDING = "SAFEGUARDING"

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

THRESHOLD_TAGS: Final = frozenset(ANSWER_TAGS)
"""A question carrying one of these is a threshold question (language 2)."""

ANSWER_MODIFIERS: Final[tuple[Modifier, ...]] = (Modifier.LAS, Modifier.ESCALATE, Modifier.SAFEGUARDING)
"""The modifiers an answer may add; they are carried to whatever outcome the walk reaches."""


class Audience(StrEnum):
    """Who a script or "call back if" text is written for: follows from who is calling."""

    SELF = "self"
    THIRD_PARTY = "third_party"
    PARTNER = "partner"
    POLICE = "police"


AUDIENCES: Final[tuple[Audience, ...]] = tuple(Audience)

CALLER_TYPES: Final[tuple[str, ...]] = ("self", "public", "partner", "police")
"""Who is calling, as the start page asks it (the toolkit's Decision.CallerType uses these values)."""

PARTNER_KINDS: Final[tuple[str, ...]] = (
    "nhs_trust",
    "gp",
    "ambulance",
    "social_care",
    "care_provider",
    "alarm_company",
    "housing",
    "other",
)
"""Which partner agency is calling (the toolkit's Decision.PartnerKind uses these values)."""

CALLERS: Final[tuple[str, ...]] = (
    *CALLER_TYPES,
    *(f"partner:{kind}" for kind in PARTNER_KINDS),
)
"""The caller words an answer bound to the start page may match: a caller type, or
``partner:<kind>`` for one kind of partner (``partner`` matches every partner)."""

ELAPSED: Final[tuple[str, ...]] = ("under_60", "over_60")
"""The time since arrival at the place of safety, as the toolkit's s136 clock gives it."""

BINDINGS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {"caller": CALLERS, "arrival_elapsed": ELAPSED}
)
"""What can answer a question instead of the handler (``bound_to``), with the words its answers
may match: the start page's caller, and the time since the recorded arrival at the place of
safety (computed from the arrival time when the question is reached, never chosen by a handler)."""


def caller_word(caller_type: str, partner_kind: str = "") -> str:
    """The caller as one word for matching: "public", "self", "police", "partner:gp"... or ""."""
    if caller_type == "partner" and partner_kind:
        return f"partner:{partner_kind}"
    return caller_type


def audience_for(caller: str) -> Audience | None:
    """The audience a caller's script is written for; None when nobody was chosen."""
    kind = caller.split(":", 1)[0]
    return {
        "self": Audience.SELF,
        "public": Audience.THIRD_PARTY,
        "partner": Audience.PARTNER,
        "police": Audience.POLICE,
    }.get(kind)


class CheckState(StrEnum):
    """What a handler established about one checklist item (language 2)."""

    DONE = "done"
    NOT_KNOWN = "not_known"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        return CHECK_STATE_LABELS[self]


CHECK_STATES: Final[tuple[CheckState, ...]] = tuple(CheckState)
CHECK_STATE_LABELS: Final[Mapping[CheckState, str]] = MappingProxyType(
    {
        CheckState.DONE: "Done",
        CheckState.NOT_KNOWN: "Not known",
        CheckState.NOT_APPLICABLE: "Not applicable",
    }
)
NOT_ANSWERED: Final = "Not answered"
"""How the record shows a checklist item the handler left blank (never as done)."""

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
        Modifier.SAFEGUARDING: "Offer a safeguarding referral",
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

AnswerValue: TypeAlias = str | tuple[str, ...] | Mapping[str, str]
"""A choice/yes_no answer value, a text or time answer, the ticked values of a multi-choice
question (or of a language-1 checklist), or a checklist's state of each item (language 2)."""


@dataclass(frozen=True)
class Reference:
    """A policy extract that questions cite by key."""

    key: str
    title: str
    text: str
    sources: str = ""
    """For policy owners only: where the extract comes from and what is still to confirm."""


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
    modifiers: frozenset[Modifier] = frozenset()
    """Modifiers this answer adds to whatever outcome the walk reaches (language 2)."""
    why: str = ""
    """Why the modifiers are added, in handler words; the label when not given."""
    not_known: bool = False
    """This answer says the fact is not known (the caller can't say)."""
    exclusive: bool = False
    """Multi-choice only: ticked on its own ("None of these", "Not known")."""
    matches: tuple[str, ...] = ()
    """For a question bound to the start page: the callers (CALLERS) that give this answer."""

    @property
    def needs_note(self) -> bool:
        """True when the handler must write a note to give this answer."""
        return bool(self.note.strip())

    @property
    def reason(self) -> str:
        """Why this answer's modifiers were added: ``why``, or the answer's label."""
        return self.why.strip() or self.label


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist item. In language 2 each is answered done / not known / not applicable."""

    value: str
    label: str
    required: str = ""
    """When not empty, the item is required and this says why (policy-owner text): it must be
    answered, and an answer other than done needs a note saying why."""


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
    bound_to: str = ""
    """A start-page field (BINDINGS) that answers this question when an answer ``matches`` it."""
    sources: str = ""
    """For policy owners only: sources, guard numbers, open points. Never shown on a call."""

    @property
    def is_threshold(self) -> bool:
        """Tagged crime, risk_to_life or serious_harm."""
        return bool(self.tags & THRESHOLD_TAGS)

    def bound_answer(self, facts: Mapping[str, str]) -> Answer | None:
        """The answer the start page already gave, if this question is bound and it matches."""
        fact = facts.get(self.bound_to, "") if self.bound_to else ""
        if not fact:
            return None
        for answer in self.answers:
            if fact in answer.matches:
                return answer
        kind = fact.split(":", 1)[0] if self.bound_to == "caller" else fact
        for answer in self.answers:
            if kind in answer.matches:
                return answer
        return None

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
    scripts: Mapping[Audience, str] = field(default_factory=dict)
    """Scripts written for one audience; ``script`` is for everyone else (language 2)."""
    call_backs: Mapping[Audience, str] = field(default_factory=dict)
    """"Call back if" texts written for one audience; ``call_back_if`` for everyone else."""
    supervisor: bool = False
    """A supervisor decides (the outcome carries +ESCALATE and its escalation is raised at once)."""
    sources: str = ""
    """For policy owners only: sources, guard numbers, open points. Never shown on a call."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "scripts", MappingProxyType(dict(self.scripts)))
        object.__setattr__(self, "call_backs", MappingProxyType(dict(self.call_backs)))

    def script_for(self, audience: Audience | None) -> str:
        """The script written for this audience, else the general one."""
        return self.scripts.get(audience, self.script) if audience else self.script

    def call_back_for(self, audience: Audience | None) -> str:
        """The "call back if" text written for this audience, else the general one."""
        return self.call_backs.get(audience, self.call_back_if) if audience else self.call_back_if

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
    language: int = 1
    """The flow-language version the document declares (LANGUAGE for new documents)."""

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
