"""Escalations: a handler asks a supervisor, an +ESCALATE outcome asks by itself, a supervisor
claims and answers. An answer on a completed call is attached to the decision; a "deploy" answer
on a completed no-police decision opens a linked re-assessment for the handler."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from policies.selectors import policy_version_get_live
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from toolkit.models import Decision, Escalation
from toolkit.selectors import decision_get_for_handler
from toolkit.services.override import apply_override
from toolkit.services.rollup import rollup_add_escalation


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


@transaction.atomic
def escalation_raise(
    *, reference: UUID, actor: User, reason: str, note: str = "", now: dt.datetime | None = None
) -> Escalation:
    """Ask a supervisor for help on an open call; the call keeps its place."""
    now = _now(now)
    if reason not in {Escalation.Reason.PARTNER_DISPUTE, Escalation.Reason.UNSURE, Escalation.Reason.OTHER}:
        raise ValidationError("Select why you need a supervisor", code="reason")
    decision = decision_get_for_handler(user=actor, reference=reference, lock=True)
    if not decision.is_open:
        raise ValidationError("This call is already completed. Add a note to the decision instead.")
    if decision.practice:
        raise ValidationError(PRACTICE_ESCALATION, code="practice")
    escalation = Escalation.objects.create(
        decision=decision,
        site_id=decision.site_id,
        reason=reason,
        note=note.strip()[:500],
        raised_by=actor,
        raised_at=now,
    )
    rollup_add_escalation(escalation)
    audit_event_record(
        actor=actor, action="toolkit.escalation.raised", target=escalation, data={"new": {"reason": reason}}
    )
    return escalation


PRACTICE_ESCALATION = (
    "This is a practice call: on a live call this asks a supervisor, who answers on the call page. "
    "In practice nobody is asked."
)


def escalation_raise_for_outcome(
    *, decision: Decision, outcome_title: str, now: dt.datetime
) -> Escalation | None:
    """The escalation an +ESCALATE outcome needs, raised by the system (once per decision).

    Called inside the answer's transaction with the decision locked, so the check and the insert
    cannot race. A practice call raises none (the outcome page says a supervisor would be asked).
    """
    if decision.practice:
        return None
    existing = Escalation.objects.filter(decision=decision, reason=Escalation.Reason.OUTCOME).first()
    if existing is not None:
        return existing
    escalation = Escalation.objects.create(
        decision=decision,
        site_id=decision.site_id,
        reason=Escalation.Reason.OUTCOME,
        note=f"The outcome needs a supervisor: {outcome_title}"[:500],
        raised_at=now,
    )
    rollup_add_escalation(escalation)
    audit_event_record(
        actor=None,
        action="toolkit.escalation.raised",
        target=escalation,
        data={"new": {"reason": Escalation.Reason.OUTCOME, "outcome": decision.outcome_id}},
    )
    return escalation


@transaction.atomic
def escalation_claim(*, escalation: Escalation, actor: User, now: dt.datetime | None = None) -> Escalation:
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_open:
        raise ValidationError("This escalation has already been answered.")
    old = escalation.claimed_by_id
    escalation.claimed_by = actor
    escalation.claimed_at = _now(now)
    escalation.save(update_fields=["claimed_by", "claimed_at"])
    audit_event_record(
        actor=actor,
        action="toolkit.escalation.claimed",
        target=escalation,
        data={"old": old, "new": actor.pk},
    )
    return escalation


def _open_reassessment(*, decision: Decision, actor: User, note: str, now: dt.datetime) -> Decision:
    """A supervisor's "deploy" on a completed no-police decision: a new linked decision, at DEPLOY,
    in progress for the original handler to act on and complete (the original stays as it was)."""
    version = policy_version_get_live(element=decision.element) if decision.element else None
    why = (
        f"Supervisor {actor.display_name} answered the escalation after the call was completed: deploy police"
    )
    reassessment = Decision.objects.create(
        handler=decision.handler,
        incident_ref=decision.incident_ref,
        incident_ref_missing_reason=decision.incident_ref_missing_reason,
        caller_type=decision.caller_type,
        partner_kind=decision.partner_kind,
        element=decision.element,
        policy_version=version,
        content_hash=version.content_hash if version else "",
        engine_version=decision.engine_version,
        site=decision.site,
        follows=decision,
        reassessment_opened_by=actor,
        reassessment_note=why[:300],
        started_at=now,
        last_activity_at=now,
    )
    apply_override(
        reassessment,
        actor=actor,
        reason=f"{why}{': ' + note if note else ''}",
        by="supervisor",
        las=False,
        now=now,
    )
    return reassessment


@transaction.atomic
def escalation_answer(
    *,
    escalation: Escalation,
    actor: User,
    response: str,
    note: str,
    decided_by: str = Escalation.Level.SUPERVISOR,
    now: dt.datetime | None = None,
) -> Escalation:
    """Answer an escalation: uphold, change to deploy, or advise.

    On an open call the handler sees the answer on their page. On a completed call the answer is
    attached to the decision (`answered_after_completion`), and a "deploy" on a no-police decision
    opens a linked re-assessment at DEPLOY for the handler (`reassessment`).
    """
    if response not in Escalation.Response.values:
        raise ValidationError("Select your answer", code="response")
    if decided_by not in Escalation.Level.values:
        raise ValidationError("Select who decided", code="decided_by")
    now = _now(now)
    # Lock the call first (as completing it does), so "answered after completion" is exact.
    decision = Decision.objects.select_for_update().get(pk=escalation.decision_id)
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if not escalation.is_open:
        raise ValidationError("This escalation has already been answered.")
    note = note.strip()[:1000]
    escalation.response = response
    escalation.response_note = note
    escalation.decided_by = decided_by
    escalation.answered_by = actor
    escalation.answered_at = now
    escalation.answered_after_completion = not decision.is_open
    if escalation.claimed_by_id is None:
        escalation.claimed_by, escalation.claimed_at = actor, now
    if response == Escalation.Response.DEPLOY and not decision.is_open and decision.no_police:
        escalation.reassessment = _open_reassessment(decision=decision, actor=actor, note=note, now=now)
    escalation.save(
        update_fields=[
            "response",
            "response_note",
            "decided_by",
            "answered_by",
            "answered_at",
            "answered_after_completion",
            "reassessment",
            "claimed_by",
            "claimed_at",
        ]
    )
    audit_event_record(
        actor=actor,
        action="toolkit.escalation.answered",
        target=escalation,
        data={
            "new": {
                "response": response,
                "after_completion": escalation.answered_after_completion,
                "reassessment": str(escalation.reassessment.reference) if escalation.reassessment else None,
            }
        },
    )
    return escalation
