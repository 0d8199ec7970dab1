"""Starting a call: on the element's live policy, from the start page's deploy button, or by the
start page's "not a health call" route. Each carries a one-time token, so a retry finds the
decision it made instead of making a second one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from policies import flow as engine
from policies.models import Element, PolicyVersion
from policies.selectors import policy_version_get_live, policy_versions_due
from policies.services import policy_versions_publish_due
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from toolkit.models import Decision
from toolkit.selectors import decision_get_latest_for_incident
from toolkit.services.override import LAS_TICKED, apply_override
from toolkit.services.rollup import rollup_add
from training.gate import call_gate_check, site_is_live

SITE_NOT_LIVE = (
    "RCRP is not live at your site yet. Until it is, practise on the real flows (Practice), and "
    "deploy police whenever you judge there is a risk: the deploy override always works."
)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


PAPER_MAX_AGE_DAYS = 31
"""A decision made on paper (the fallback while the service is down) is entered within this long."""


def paper_made_at_check(made: dt.datetime, *, now: dt.datetime | None = None) -> None:
    """When a paper decision was made: not in the future, and within PAPER_MAX_AGE_DAYS."""
    now = _now(now)
    if made > now:
        raise ValidationError(
            "The time the decision was made on paper must be in the past: check the date and time",
            code="paper_future",
        )
    if made < now - dt.timedelta(days=PAPER_MAX_AGE_DAYS):
        raise ValidationError(
            f"The paper record must be from the last {PAPER_MAX_AGE_DAYS} days: "
            "ask a supervisor to add an older one as a note to the incident's decision",
            code="paper_too_old",
        )


def site_of(user: User) -> Any:
    record = getattr(user, "staff_record", None)
    return record.site if record is not None else None


def _clean_caller(caller_type: str, partner_kind: str) -> tuple[str, str]:
    """The caller as the service accepts it (the form is not trusted to have checked)."""
    if caller_type not in Decision.CallerType.values:
        raise ValidationError("Select who is calling", code="caller_type")
    if caller_type != Decision.CallerType.PARTNER:
        return caller_type, ""
    if partner_kind not in Decision.PartnerKind.values:
        raise ValidationError("Select which partner agency is calling", code="partner_kind")
    return caller_type, partner_kind


def _caller_as_given(caller_type: str, partner_kind: str) -> tuple[str, str]:
    """The caller as the handler chose it, refusing nothing: what is not a choice is not given."""
    caller_type = caller_type if caller_type in Decision.CallerType.values else ""
    partner_ok = caller_type == Decision.CallerType.PARTNER and partner_kind in Decision.PartnerKind.values
    return caller_type, partner_kind if partner_ok else ""


def decision_for_token(*, actor: User, token: UUID | None) -> Decision | None:
    """The decision a form with this one-time token already made (a double click or a retry)."""
    if token is None:
        return None
    return Decision.all_calls.filter(start_token=token, handler=actor).first()


def decision_create_once(*, actor: User, token: UUID | None, **fields: Any) -> tuple[Decision, bool]:
    """Create the decision, or return the one this token made already (two racing POSTs)."""
    try:
        with transaction.atomic():
            return Decision.all_calls.create(handler=actor, start_token=token, **fields), True
    except IntegrityError:
        existing = decision_for_token(actor=actor, token=token)
        if existing is None:
            raise
        return existing, False


def _live_version(element: Element, now: dt.datetime) -> PolicyVersion | None:
    """The version a call starting now walks: a scheduled version whose time has come is published
    first (the every-minute job may not have run yet), so no call starts on a version past its end."""
    if policy_versions_due(now=now, element=element):
        policy_versions_publish_due(now=now, element=element)
    return policy_version_get_live(element=element)


# --- Starting a call ---------------------------------------------------------------------------------


@transaction.atomic
def decision_start(
    *,
    actor: User,
    element: Element,
    caller_type: str,
    partner_kind: str = "",
    incident_ref: str = "",
    incident_ref_missing_reason: str = "",
    follows: Decision | None = None,
    token: UUID | None = None,
    paper_made_at: dt.datetime | None = None,
    paper_reference: str = "",
    now: dt.datetime | None = None,
) -> Decision:
    """Start a call on the element's published policy version, after the training gate.

    `paper_made_at` marks a decision made on paper while the service was down and entered now
    (with the paper form's `paper_reference`): the handler walks the same questions entering the
    paper's answers, whose times are when they are entered.

    `follows` is the earlier decision this call re-assesses on new information; without it, the
    latest earlier decision on the same incident is linked. The same `token` twice returns the
    first decision. Raises PermissionDenied when the gate blocks (the deploy override never asks
    the gate), ValidationError for a bad caller or when the element has no published policy.
    """
    existing = decision_for_token(actor=actor, token=token)
    if existing is not None:
        return existing
    caller_type, partner_kind = _clean_caller(caller_type, partner_kind)
    if not site_is_live(actor):
        raise PermissionDenied(SITE_NOT_LIVE)
    gate = call_gate_check(user=actor)
    if not gate.may_start_call:
        raise PermissionDenied(" ".join(gate.reasons))
    now = _now(now)
    if paper_made_at is not None:
        paper_made_at_check(paper_made_at, now=now)
    version = _live_version(element, now)
    if version is None:
        raise ValidationError(
            f"There is no published policy for {element.title}. "
            "Use the deploy override or the printed policy."
        )
    if follows is None:
        follows = decision_get_latest_for_incident(incident_ref=incident_ref)
    decision, created = decision_create_once(
        actor=actor,
        token=token,
        incident_ref=incident_ref,
        incident_ref_missing_reason="" if incident_ref else incident_ref_missing_reason,
        caller_type=caller_type,
        partner_kind=partner_kind,
        element=element,
        policy_version=version,
        content_hash=version.content_hash,
        engine_version=engine.ENGINE_VERSION,
        site=site_of(actor),
        follows=follows,
        started_at=now,
        last_activity_at=now,
        training_warning=" ".join(gate.reasons) if gate.show_warning else "",
        paper_made_at=paper_made_at,
        paper_reference=paper_reference.strip()[:40] if paper_made_at else "",
    )
    if created:
        new: dict[str, Any] = {
            "element": element.slug,
            "version": version.number,
            "incident_ref": incident_ref,
            "follows": str(follows.reference) if follows else None,
        }
        if paper_made_at is not None:
            new["paper_made_at"] = paper_made_at.isoformat(timespec="minutes")
        audit_event_record(actor=actor, action="toolkit.decision.started", target=decision, data={"new": new})
    return decision


@transaction.atomic
def decision_start_override(
    *,
    actor: User,
    reason: str,
    las: bool = False,
    incident_ref: str = "",
    element: Element | None = None,
    caller_type: str = "",
    partner_kind: str = "",
    token: UUID | None = None,
    now: dt.datetime | None = None,
) -> Decision:
    """Deploy police from the start page, keeping whatever the handler had typed and chosen.

    Never asks the training gate, works when no policy is published and refuses nothing: a caller
    that is not one of the choices is recorded as not given (never as a default). The same `token`
    twice returns the first decision. Linked to earlier decisions on the incident like a start.
    """
    existing = decision_for_token(actor=actor, token=token)
    if existing is not None:
        return existing
    now = _now(now)
    caller_type, partner_kind = _caller_as_given(caller_type, partner_kind)
    version = policy_version_get_live(element=element) if element is not None else None
    decision, created = decision_create_once(
        actor=actor,
        token=token,
        incident_ref=incident_ref,
        incident_ref_missing_reason="" if incident_ref else "Deploy override before the call details",
        caller_type=caller_type,
        partner_kind=partner_kind,
        element=element,
        policy_version=version,
        content_hash=version.content_hash if version else "",
        engine_version=engine.ENGINE_VERSION,
        site=site_of(actor),
        follows=decision_get_latest_for_incident(incident_ref=incident_ref),
        started_at=now,
        last_activity_at=now,
    )
    if created:
        apply_override(decision, actor=actor, reason=reason, by="handler", las=las, now=now)
    return decision


NOT_HEALTH = {"crime": "Crime", "domestic_abuse": "Domestic abuse", "weapons": "Weapons"}
"""What a call with no health element can be, as the start page's buttons name it."""
NOT_HEALTH_TITLE = "Not a health call: ordinary policing"
NOT_HEALTH_SCRIPT = (
    "Police will deal with this. Stay on the line if it is safe to do so, and tell me straight away "
    "if anything changes."
)


@transaction.atomic
def decision_start_not_health(
    *,
    actor: User,
    what: str,
    las: bool = False,
    incident_ref: str = "",
    caller_type: str = "",
    partner_kind: str = "",
    token: UUID | None = None,
    now: dt.datetime | None = None,
) -> Decision:
    """The start page's "not a health call" route, in one step: crime, domestic abuse or weapons
    with no health element is ordinary policing, recorded DEPLOY +NON_RCRP and completed at once.

    Never asks the training gate (it is not an RCRP decision). The same `token` twice returns the
    first decision. Raises ValidationError when `what` is not one of NOT_HEALTH.
    """
    existing = decision_for_token(actor=actor, token=token)
    if existing is not None:
        return existing
    if what not in NOT_HEALTH:
        raise ValidationError("Select what the call is about", code="not_health")
    now = _now(now)
    caller_type, partner_kind = _caller_as_given(caller_type, partner_kind)
    label = f"{NOT_HEALTH[what]}, with no health element"
    reasons = [[str(engine.Modifier.NON_RCRP), f"Not a health call: {label.lower()}"]]
    if las:
        reasons.append([str(engine.Modifier.LAS), LAS_TICKED])
    incident = incident_ref or "no incident reference"
    decision, created = decision_create_once(
        actor=actor,
        token=token,
        incident_ref=incident_ref,
        incident_ref_missing_reason="" if incident_ref else "Not a health call, routed from the start page",
        caller_type=caller_type,
        partner_kind=partner_kind,
        engine_version=engine.ENGINE_VERSION,
        site=site_of(actor),
        follows=decision_get_latest_for_incident(incident_ref=incident_ref),
        started_at=now,
        last_activity_at=now,
        not_health_reason=what,
        outcome_id="not_a_health_call",
        outcome_category=str(engine.Category.DEPLOY),
        outcome_modifiers=[str(m) for m in engine.MODIFIERS if str(m) in {r[0] for r in reasons}],
        outcome_reasons=reasons,
        outcome_title=NOT_HEALTH_TITLE,
        outcome_rationale=f"{label}: police deal with it under normal grading; RCRP is not relevant.",
        script_shown=NOT_HEALTH_SCRIPT,
        record_text=(
            f"Not an RCRP call, {incident}: DEPLOY +NON_RCRP{' +LAS' if las else ''}. {label}; "
            "grade and deploy as normal (THRIVE)."
        ),
        outcome_reached_at=now,
        status=Decision.Status.COMPLETED,
        completed_at=now,
    )
    if created:
        rollup_add(decision)
        audit_event_record(
            actor=actor,
            action="toolkit.decision.not_a_health_call",
            target=decision,
            data={"new": {"what": what, "las": las, "incident_ref": incident_ref}},
        )
    return decision
