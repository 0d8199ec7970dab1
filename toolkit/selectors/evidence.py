"""A decision as evidence: the time spent on each question, the other decisions on its incident,
and the evidence bundle (canonical content and its sha256) for IOPC, coroner or complaint requests.
Reads only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from policies import flow as engine
from toolkit.models import Decision, DecisionAnswer
from toolkit.selectors import CallState, call_state, escalation_list_for_decision, has_none_of

BUNDLE_FORMAT = "rcrp-evidence-1"


@dataclass(frozen=True)
class TimedAnswer:
    answer: DecisionAnswer
    seconds: int  # since the answer before it (or the start of the call): the time on the question
    current: bool  # still part of the path (False: changed later)


def answer_timings(state: CallState) -> list[TimedAnswer]:
    """Every answer in the order given, with the seconds spent on its question."""
    current = {a.pk for a in state.path}
    previous = state.decision.started_at
    timed = []
    for answer in state.history:
        seconds = max(0, int((answer.answered_at - previous).total_seconds()))
        timed.append(TimedAnswer(answer=answer, seconds=seconds, current=answer.pk in current))
        previous = answer.answered_at
    return timed


def decisions_on_incident(decision: Decision) -> QuerySet[Decision]:
    """The other decisions on the same incident reference, oldest first (none without a reference)."""
    if not decision.incident_ref or has_none_of(decision, "incident_others"):
        return Decision.objects.none()
    return (
        Decision.objects.for_list()
        .filter(incident_ref=decision.incident_ref)  # stored normalised: the incident index serves it
        .exclude(pk=decision.pk)
        .order_by("started_at", "pk")
    )


def _when(moment: datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _person(user: Any) -> dict[str, str] | None:
    return {"staff_number": user.staff_number, "name": user.display_name} if user is not None else None


@dataclass(frozen=True)
class Evidence:
    content: dict[str, Any]
    sha256: str  # of engine.canonical_json(content), UTF-8

    @property
    def document(self) -> dict[str, Any]:
        """The JSON download: the content, its hash and how to check it."""
        return {
            "format": BUNDLE_FORMAT,
            "sha256": self.sha256,
            "sha256_of": "the canonical JSON of 'content': keys sorted, no spaces, UTF-8",
            "content": self.content,
        }


def evidence_bundle(decision: Decision) -> Evidence:
    """Everything recorded about a decision, as it was recorded, in canonical form with its hash."""
    state = call_state(decision)
    version = decision.policy_version
    handover = getattr(decision, "handover", None)
    content: dict[str, Any] = {
        "decision": {
            "reference": str(decision.reference),
            "incident_ref": decision.incident_ref,
            "incident_ref_missing_reason": decision.incident_ref_missing_reason,
            "element": decision.element.slug if decision.element else "",
            "status": decision.status,
            "caller_type": decision.caller_type,
            "partner_kind": decision.partner_kind,
            "handler": _person(decision.handler),
            "site": decision.site.name if decision.site else "",
            "started_at": _when(decision.started_at),
            "completed_at": _when(decision.completed_at),
            "training_warning": decision.training_warning,
        },
        "policy": {
            "version": version.number if version else None,
            "content_hash": decision.content_hash,
            "engine_version": decision.engine_version,
        },
        "answers": [
            {
                "sequence": t.answer.sequence,
                "position": t.answer.position,
                "question_id": t.answer.question_id,
                "question_text": t.answer.question_text,
                "value": t.answer.value,
                "value_label": t.answer.value_label,
                "note": t.answer.note,
                "answered_at": _when(t.answer.answered_at),
                "answered_by": t.answer.answered_by.staff_number if t.answer.answered_by else "",
                "seconds_on_question": t.seconds,
                "changed_later": not t.current,
            }
            for t in answer_timings(state)
        ],
        "answered_by_the_toolkit": [
            {"question_id": s.question.id, "question_text": s.question.text, "answer": s.label()}
            for s in state.bound_steps
        ],
        "outcome": {
            "id": decision.outcome_id,
            "category": decision.outcome_category,
            "modifiers": list(decision.outcome_modifiers),
            "modifier_reasons": list(decision.outcome_reasons),
            "not_known": list(decision.not_known),
            "title": decision.outcome_title,
            "rationale": decision.outcome_rationale,
            "agency": {
                "key": decision.agency_key,
                "name": decision.agency_name,
                "contact": decision.agency_contact,
            },
            "script_shown": decision.script_shown,
            "record": decision.record_text,
            "call_back_if": decision.call_back_if,
            "reached_at": _when(decision.outcome_reached_at),
            "caller_told": decision.caller_told,
            "safeguarding_referral": decision.safeguarding_referral,
            "receiving_agency_ref": decision.receiving_agency_ref,
            "completed_before_supervisor_answered": decision.completed_before_answer,
        },
        "override": {"used": decision.override, "reason": decision.override_reason},
        "escalations": [
            {
                "reason": e.reason,
                "note": e.note,
                "raised_by": e.raised_by.staff_number if e.raised_by else "",
                "raised_at": _when(e.raised_at),
                "claimed_by": e.claimed_by.staff_number if e.claimed_by else "",
                "claimed_at": _when(e.claimed_at),
                "response": e.response,
                "response_note": e.response_note,
                "answered_by": e.answered_by.staff_number if e.answered_by else "",
                "answered_at": _when(e.answered_at),
                "answered_after_completion": e.answered_after_completion,
                "reassessment": str(e.reassessment.reference) if e.reassessment else "",
            }
            for e in escalation_list_for_decision(decision=decision)
        ],
        "s136": {
            "arrival_at": _when(decision.pos_arrival_at),
            "handover": (
                {
                    "kind": handover.kind,
                    "occurred_at": _when(handover.occurred_at),
                    "note": handover.note,
                    "recorded_by": handover.recorded_by.staff_number,
                }
                if handover is not None
                else None
            ),
        },
        "notes": [
            {"kind": n.kind, "text": n.text, "author": n.author.staff_number, "at": _when(n.created_at)}
            for n in decision.notes.select_related("author").order_by("created_at", "pk")
        ],
        "reviews": [
            {
                "verdict": r.verdict,
                "reviewer": r.reviewer.staff_number,
                "at": _when(r.reviewed_at),
                "deviations": r.deviations,
                "feedback": r.feedback,
            }
            for r in decision.reviews.select_related("reviewer").order_by("reviewed_at", "pk")
        ],
        "incident": [
            {
                "reference": str(d.reference),
                "started_at": _when(d.started_at),
                "outcome": d.outcome_label or d.get_status_display(),
                "relation": "re-assesses this"
                if d.follows_id == decision.pk
                else ("re-assessed by this" if decision.follows_id == d.pk else "same incident"),
            }
            for d in decisions_on_incident(decision)
        ],
    }
    if decision.paper_made_at is not None:
        # Only on paper records, so the content (and hash) of every other bundle is as it was.
        content["decision"]["paper_record"] = {
            "made_at": _when(decision.paper_made_at),
            "reference": decision.paper_reference,
            "answer_times": "when the paper's answers were entered",
        }
    digest = hashlib.sha256(engine.canonical_json(content).encode("utf-8")).hexdigest()
    return Evidence(content=content, sha256=digest)
