"""Friction analytics for policy owners: per question of one policy version, how long handlers
spend on it, how often its answer is changed, and how often handlers leave it by the deploy
override or by asking a supervisor. Reads the most recent decisions on the version only.
The same figures are laid onto the version's flowchart (friction_flowchart).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch

from policies import flow as engine
from policies.flowchart import Annotation, Chart, Highlight, render_svg
from policies.models import PolicyVersion
from toolkit.models import Decision, DecisionAnswer, Escalation
from toolkit.selectors import answer_pairs, current_path, decision_facts, decision_flow

RECENT = 5000
"""How many of the version's most recent decisions are read (the figures say how many were)."""
HANDLER_REASONS = (Escalation.Reason.PARTNER_DISPUTE, Escalation.Reason.UNSURE, Escalation.Reason.OTHER)
SLOWEST = Highlight("slowest", "Slowest")
MOST_CHANGED = Highlight("most_changed", "Most changed")


@dataclass
class QuestionFriction:
    question_id: str
    text: str
    seconds: list[int] = field(default_factory=list)
    changed: int = 0  # decisions in which the answer to this question was changed
    overridden: int = 0  # decisions the handler left by the deploy override while on this question
    escalated: int = 0  # decisions in which the handler asked a supervisor while on this question
    slowest: bool = False
    most_changed: bool = False

    @property
    def answered(self) -> int:
        return len(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else 0

    @property
    def p90(self) -> float:
        if len(self.seconds) < 2:
            return float(self.seconds[0]) if self.seconds else 0.0
        return statistics.quantiles(self.seconds, n=10, method="inclusive")[-1]

    @property
    def change_rate(self) -> int:
        """Whole-number percentage of the decisions that answered it and then changed the answer."""
        return round(100 * self.changed / self.answered) if self.answered else 0


@dataclass
class Friction:
    version: PolicyVersion
    decisions: int
    questions: list[QuestionFriction]
    flow: engine.Flow | None = None  # the flow the decisions were made on (None when there are none)


def _question_at(
    flow: engine.Flow, decision: Decision, answers: list[DecisionAnswer], moment: datetime
) -> str:
    """The question on the handler's screen at `moment`: the next one after the answers then given."""
    path = current_path([a for a in answers if a.answered_at <= moment])
    node = engine.next_step(flow, answer_pairs(path), decision_facts(decision))
    return node.id if isinstance(node, engine.Question) else ""


def friction_for_version(version: PolicyVersion, *, recent: int = RECENT) -> Friction:
    """The friction of each question of `version`, in document order, over its recent decisions
    (three queries: the decisions, their answers, their escalations)."""
    decisions = list(
        Decision.objects.filter(policy_version=version)
        .select_related("policy_version")
        .defer("policy_version__document")
        .order_by("-started_at", "-pk")
        .prefetch_related(
            Prefetch("answers", queryset=DecisionAnswer.objects.order_by("sequence")),
            Prefetch(
                "escalations",
                queryset=Escalation.objects.filter(reason__in=HANDLER_REASONS).order_by("raised_at"),
            ),
        )[:recent]
    )
    flow = decision_flow(decisions[0]) if decisions else None
    if flow is None:
        return Friction(version=version, decisions=0, questions=[])
    rows = {q.id: QuestionFriction(q.id, q.text) for q in flow.questions.values()}
    for decision in decisions:
        answers = list(decision.answers.all())
        previous = decision.started_at
        seen: set[str] = set()
        changed: set[str] = set()
        for answer in answers:
            row = rows.get(answer.question_id)
            if row is not None and answer.question_id not in seen:
                row.seconds.append(max(0, int((answer.answered_at - previous).total_seconds())))
            if answer.question_id in seen:
                changed.add(answer.question_id)
            seen.add(answer.question_id)
            previous = answer.answered_at
        for question_id in changed & rows.keys():
            rows[question_id].changed += 1
        if decision.override and decision.outcome_reached_at is not None:
            on = _question_at(flow, decision, answers, decision.outcome_reached_at)
            if on in rows:
                rows[on].overridden += 1
        for escalation in decision.escalations.all():
            on = _question_at(flow, decision, answers, escalation.raised_at)
            if on in rows:
                rows[on].escalated += 1
    asked = [row for row in rows.values() if row.answered]
    if asked:
        slowest = max(asked, key=lambda r: r.median)
        slowest.slowest = slowest.median > 0
        changed = max(asked, key=lambda r: r.change_rate)
        changed.most_changed = changed.change_rate > 0
    return Friction(version=version, decisions=len(decisions), questions=list(rows.values()), flow=flow)


def friction_annotations(friction: Friction) -> dict[str, Annotation]:
    """Per question id, the short figures and highlights drawn onto its box in the flowchart."""
    annotations: dict[str, Annotation] = {}
    for row in friction.questions:
        if row.answered:
            text = f"median {math.floor(row.median + 0.5)} s · changed {row.change_rate}%"
        else:
            text = "not answered in these decisions"
        highlights = tuple(h for h, on in ((SLOWEST, row.slowest), (MOST_CHANGED, row.most_changed)) if on)
        annotations[row.question_id] = Annotation(text, highlights)
    return annotations


def friction_flowchart(friction: Friction) -> Chart | None:
    """The version's flowchart with the friction figures on each question (None without decisions).
    Not cached: the figures change with every decision."""
    if friction.flow is None:
        return None
    version = friction.version
    marked = [
        f"{label}: {row.question_id}."
        for row in friction.questions
        for label, on in (("Slowest", row.slowest), ("Most changed", row.most_changed))
        if on
    ]
    return render_svg(
        friction.flow,
        title=f"Flowchart of {version.element.title}, version {version.number}, with friction figures",
        description=" ".join(
            [
                "Each question shows its median time and how often its answer was changed.",
                *marked,
                "The table above gives the same figures.",
            ]
        ),
        annotations=friction_annotations(friction),
    )
