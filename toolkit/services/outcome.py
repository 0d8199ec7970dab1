"""What an outcome writes on a decision: the category, every modifier with why, the facts not known,
the script and "call back if" text for this caller, and a record that states the facts of this call.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from policies import flow as engine
from policies.models import Agency
from toolkit.models import Decision
from toolkit.services.override import OUTCOME_FIELDS


def _facts_lines(walk: engine.Walk) -> list[str]:
    """The record's account of this call: what decided it, what was not known, and the modifiers."""
    lines = []
    deciding = walk.deciding()
    if deciding:
        lines.append(
            "Established: " + "; ".join(f"{question} — {answer}" for question, answer in deciding) + "."
        )
    unknown = walk.not_known()
    if unknown:
        lines.append("Not known: " + "; ".join(unknown) + ".")
    modifiers = walk.modifiers()
    if modifiers:
        lines.append("Modifiers: " + "; ".join(f"+{modifier} ({why})" for modifier, why in modifiers) + ".")
    return lines


def outcome_clear(decision: Decision) -> None:
    """Going back from an outcome: the decision holds no outcome until one is reached again."""
    for name in OUTCOME_FIELDS:
        setattr(decision, name, "")
    decision.outcome_modifiers = []
    decision.outcome_reasons = []
    decision.not_known = []
    decision.outcome_reached_at = None


def outcome_set(decision: Decision, walk: engine.Walk, now: dt.datetime) -> None:
    """Copy the outcome the walk reached onto the decision as it will be shown and recorded."""
    outcome = walk.outcome
    if outcome is None:
        outcome_clear(decision)
        return
    agency = (
        Agency.objects.in_force(timezone.localdate(now)).filter(key=outcome.agency).first()
        if outcome.agency
        else None
    )
    context = {
        "incident_ref": decision.incident_ref,
        "agency_name": agency.name if agency else "",
        "agency_contact": agency.contact if agency else "",
        "element": decision.element.title if decision.element else "",
        "version": str(decision.policy_version.number) if decision.policy_version else "",
    }
    audience = engine.audience_for(engine.caller_word(decision.caller_type, decision.partner_kind))
    reasons = walk.modifiers()
    facts = _facts_lines(walk)
    decision.outcome_id = outcome.id
    decision.outcome_category = str(outcome.category)
    decision.outcome_modifiers = [str(m) for m in engine.MODIFIERS if m in {m for m, _ in reasons}]
    decision.outcome_reasons = [[str(m), why] for m, why in reasons]
    decision.not_known = list(walk.not_known())
    decision.outcome_title = outcome.title
    decision.outcome_rationale = " ".join([outcome.rationale, *facts]).strip()
    decision.agency_key = outcome.agency
    decision.agency_name = agency.name if agency else ""
    decision.agency_contact = agency.contact if agency else ""
    decision.script_shown = engine.render(outcome.script_for(audience), context)
    decision.record_text = "\n".join([engine.render(outcome.record, context), *facts])
    decision.call_back_if = engine.render(outcome.call_back_for(audience), context)
    decision.outcome_reached_at = now
