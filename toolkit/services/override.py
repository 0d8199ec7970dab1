"""The deploy override: one function that makes any decision a DEPLOY, used by every path to it.

The handler's D key on a call, the start page's deploy button and a supervisor's "deploy" answer
on a completed no-police decision all end here, so the record reads the same whichever it was.
"""

from __future__ import annotations

import datetime as dt

from policies import flow as engine
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from toolkit.models import Decision

OVERRIDE_TITLE = "Deploy police: handler judged an immediate risk"
OVERRIDE_SCRIPT = (
    "Police are being sent now. Stay on the line if it is safe to do so. "
    "If anything changes before they arrive, tell me straight away."
)
NO_REASON = "(no reason given: deployed at once)"

# What an outcome writes on a decision (and going back clears).
OUTCOME_FIELDS = [
    "outcome_id",
    "outcome_category",
    "outcome_modifiers",
    "outcome_title",
    "outcome_rationale",
    "agency_key",
    "agency_name",
    "agency_contact",
    "script_shown",
    "record_text",
    "call_back_if",
    "outcome_reached_at",
    "outcome_reasons",
    "not_known",
]
LAS_TICKED = "The handler ticked 'Ambulance (LAS) needed too?'"


def _override_record(decision: Decision, *, by: str, las: bool) -> str:
    what = decision.element.title if decision.element else "call before its details"
    incident = decision.incident_ref or "no incident reference"
    return (
        f"RCRP {what}, {incident}: DEPLOY{' +LAS' if las else ''} by {by} override "
        f"(immediate risk judged). Reason: {decision.override_reason}"
    )


def apply_override(
    decision: Decision, *, actor: User, reason: str, by: str, las: bool, now: dt.datetime
) -> None:
    """Make the decision a DEPLOY flagged as an override (+LAS when asked), save it and audit it."""
    decision.override = True
    decision.override_reason = reason.strip()[:300] or NO_REASON
    decision.outcome_id = "override"
    decision.outcome_category = str(engine.Category.DEPLOY)
    decision.outcome_modifiers = [str(engine.Modifier.LAS)] if las else []
    decision.outcome_reasons = [[str(engine.Modifier.LAS), LAS_TICKED]] if las else []
    decision.outcome_title = OVERRIDE_TITLE
    decision.outcome_rationale = f"Override by the {by}: {decision.override_reason}"
    decision.agency_key = decision.agency_name = decision.agency_contact = decision.call_back_if = ""
    decision.script_shown = OVERRIDE_SCRIPT
    decision.record_text = _override_record(decision, by=by, las=las)
    decision.outcome_reached_at = now
    decision.last_activity_at = now
    decision.step += 1
    decision.save(update_fields=["override", "override_reason", "step", "last_activity_at", *OUTCOME_FIELDS])
    audit_event_record(
        actor=actor,
        action="toolkit.decision.overridden",
        target=decision,
        data={"new": {"reason": decision.override_reason, "las": las, "by": by}},
    )
