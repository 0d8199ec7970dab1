"""Every write in the policies app: the version life cycle, the agency directory and scenarios.

Each service takes keyword-only arguments with the acting user, runs in one transaction, locks what
it changes and writes its audit row(s) in that same transaction. Fixable problems raise
ValidationError (one message per problem, naming the node); refused business rules (four-eyes)
raise PermissionDenied.

Life cycle: draft → submitted → approved → published → retired. Publishing "at a future time"
leaves the version approved with `effective_from` set (scheduled); policy_versions_publish_due()
publishes it when the time comes. It is called by the `publish_due_policies` command (every minute)
and by services that need a due version live at once; reads never publish (selectors only read).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from policies import flow as engine
from policies.models import Agency, Element, PolicyScenario, PolicyVersion
from policies.selectors import (
    agency_keys,
    flow_for_version,
    policy_version_author_ids,
    policy_version_check,
    policy_versions_due,
    scenario_run,
)
from policies.validators import problems_to_error
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User

logger = logging.getLogger(__name__)

Status = PolicyVersion.Status


class Action:
    """Audit actions written by this app ("<app>.<entity>.<past-tense verb>")."""

    VERSION_CREATED = "policies.version.created"
    VERSION_EDITED = "policies.version.edited"
    VERSION_SUBMITTED = "policies.version.submitted"
    VERSION_RETURNED = "policies.version.returned"
    VERSION_APPROVED = "policies.version.approved"
    VERSION_SCHEDULED = "policies.version.scheduled"
    VERSION_UNSCHEDULED = "policies.version.unscheduled"
    VERSION_PUBLISHED = "policies.version.published"
    VERSION_RETIRED = "policies.version.retired"
    AGENCY_CREATED = "policies.agency.created"
    AGENCY_CHANGED = "policies.agency.changed"
    SCENARIO_CREATED = "policies.scenario.created"
    SCENARIO_CHANGED = "policies.scenario.changed"


def _version_summary(version: PolicyVersion) -> dict[str, Any]:
    return {"number": version.number, "status": version.status, "content_hash": version.content_hash}


def _lock_element(element_id: int) -> Element:
    """Serialise life-cycle changes per element (a no-op on SQLite, which locks the database)."""
    return Element.objects.select_for_update().get(pk=element_id)


def _lock_version(version: PolicyVersion) -> PolicyVersion:
    _lock_element(version.element_id)
    return PolicyVersion.objects.select_for_update().select_related("element").get(pk=version.pk)


def _refuse_if_in_progress(element: Element) -> None:
    open_version = (
        PolicyVersion.objects.filter(
            element=element, status__in=[Status.DRAFT, Status.SUBMITTED, Status.APPROVED]
        )
        .order_by("-number")
        .first()
    )
    if open_version is not None:
        raise ValidationError(
            f"{element.title} already has version {open_version.number} in progress "
            f"({open_version.get_status_display().lower()}): finish or return that one first."
        )


def _next_number(element: Element) -> int:
    last = PolicyVersion.objects.filter(element=element).order_by("-number").values_list("number", flat=True)
    return (last.first() or 0) + 1


def _check_or_raise(version: PolicyVersion) -> None:
    """ValidationError listing every flow problem and every failing scenario, if there are any."""
    result = policy_version_check(version)
    if not result.ok:
        raise ValidationError(result.messages())


# --- Drafts ------------------------------------------------------------------------------------------


def _skeleton(element: Element) -> dict[str, Any]:
    return {
        "element": element.slug,
        "title": element.title,
        "start": "",
        "requires_checks": True,
        "references": {},
        "questions": [],
        "outcomes": [],
    }


@transaction.atomic
def policy_version_create_draft(*, element: Element, actor: User) -> PolicyVersion:
    """Start the next version of an element as a draft copied from its current version.

    The current version is the published one, else the newest version, else an empty skeleton.
    Refused while another version of the element is in progress (one draft at a time).
    """
    element = _lock_element(element.pk)
    _refuse_if_in_progress(element)
    source = (
        PolicyVersion.objects.filter(element=element, status=Status.PUBLISHED).first()
        or PolicyVersion.objects.filter(element=element).order_by("-number").first()
    )
    document = source.document if source else _skeleton(element)
    version = PolicyVersion.objects.create(
        element=element,
        number=_next_number(element),
        document=document,
        content_hash=engine.content_hash(document),
        change_summary="",
        created_by=actor,
    )
    audit_event_record(
        actor=actor,
        action=Action.VERSION_CREATED,
        target=version,
        data={"old": None, "new": {**_version_summary(version), "copied_from": source and source.number}},
    )
    return version


@transaction.atomic
def policy_version_import(
    *, element: Element, document: dict[str, Any], change_summary: str, actor: User
) -> PolicyVersion:
    """Create a draft from a whole document (the content files); refused unless the flow is valid."""
    element = _lock_element(element.pk)
    _refuse_if_in_progress(element)
    problems = engine.check(document, agency_keys=agency_keys())
    if problems:
        raise problems_to_error(problems)
    if document.get("element") != element.slug:
        raise ValidationError(f"The document is for '{document.get('element')}', not '{element.slug}'.")
    version = PolicyVersion(
        element=element,
        number=_next_number(element),
        document=document,
        content_hash=engine.content_hash(document),
        change_summary=change_summary.strip(),
        created_by=actor,
    )
    version.full_clean()
    version.save()
    audit_event_record(
        actor=actor,
        action=Action.VERSION_CREATED,
        target=version,
        data={"old": None, "new": {**_version_summary(version), "imported": True}},
    )
    return version


@transaction.atomic
def policy_version_update_draft(
    *,
    version: PolicyVersion,
    actor: User,
    document: dict[str, Any],
    change_summary: str,
    acknowledgement_required: bool | None = None,
) -> PolicyVersion:
    """Save an edited draft. Refused (one message per problem, naming the node) unless it validates."""
    version = _lock_version(version)
    if version.status != Status.DRAFT:
        raise ValidationError("Only a draft can be edited. Return it to draft first.")
    problems = engine.check(document, agency_keys=agency_keys())
    if not problems and document.get("element") != version.element.slug:
        problems = [
            engine.Problem("", f"'element' must be '{version.element.slug}', the element of this version")
        ]
    if problems:
        raise problems_to_error(problems)
    old = {"content_hash": version.content_hash, "change_summary": version.change_summary}
    version.document = document
    version.content_hash = engine.content_hash(document)
    version.change_summary = change_summary.strip()
    fields = ["document", "content_hash", "change_summary"]
    if acknowledgement_required is not None:
        old["acknowledgement_required"] = version.acknowledgement_required
        version.acknowledgement_required = acknowledgement_required
        fields.append("acknowledgement_required")
    version.save(update_fields=fields)
    new = {key: getattr(version, key) for key in old}
    audit_event_record(
        actor=actor, action=Action.VERSION_EDITED, target=version, data={"old": old, "new": new}
    )
    return version


@transaction.atomic
def policy_version_submit(*, version: PolicyVersion, actor: User) -> PolicyVersion:
    """Send a draft for approval. Refused while the flow has problems or a scenario fails."""
    version = _lock_version(version)
    if version.status != Status.DRAFT:
        raise ValidationError("Only a draft can be submitted for approval.")
    if not version.change_summary.strip():
        raise ValidationError("Write a change summary before submitting: approvers and handlers read it.")
    _check_or_raise(version)
    version.status = Status.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    audit_event_record(
        actor=actor,
        action=Action.VERSION_SUBMITTED,
        target=version,
        data={"old": {"status": Status.DRAFT}, "new": {"status": version.status}},
    )
    return version


@transaction.atomic
def policy_version_return_to_draft(*, version: PolicyVersion, actor: User, reason: str) -> PolicyVersion:
    """Send a submitted or approved (not yet published) version back to draft, with the reason."""
    version = _lock_version(version)
    if version.status not in {Status.SUBMITTED, Status.APPROVED}:
        raise ValidationError("Only a submitted or approved version can be returned to draft.")
    if not reason.strip():
        raise ValidationError("Say why the version is returned to draft.")
    old = {
        "status": version.status,
        "approved_by": version.approved_by_id,
        "legal_clearance_ref": version.legal_clearance_ref,
        "effective_from": version.effective_from,
    }
    version.status = Status.DRAFT
    version.submitted_at = version.approved_at = version.effective_from = None
    version.approved_by = version.scheduled_by = None
    version.legal_clearance_ref = ""
    version.save(
        update_fields=[
            "status",
            "submitted_at",
            "approved_at",
            "effective_from",
            "approved_by",
            "scheduled_by",
            "legal_clearance_ref",
        ]
    )
    audit_event_record(
        actor=actor,
        action=Action.VERSION_RETURNED,
        target=version,
        data={"old": old, "new": {"status": version.status, "reason": reason.strip()}},
    )
    return version


@transaction.atomic
def policy_version_approve(*, version: PolicyVersion, actor: User, legal_clearance_ref: str) -> PolicyVersion:
    """Approve a submitted version (four-eyes: never by its author or an editor of it).

    Needs the legal-clearance reference; refused while the flow has problems or a scenario fails.
    The database also refuses approved_by = created_by (policyversion_four_eyes).
    """
    version = _lock_version(version)
    if version.status != Status.SUBMITTED:
        raise ValidationError("Only a version submitted for approval can be approved.")
    if actor.pk in policy_version_author_ids(version):
        raise PermissionDenied(
            "You wrote or edited this version, so another policy owner must approve it (four-eyes)."
        )
    reference = legal_clearance_ref.strip()
    if not reference:
        raise ValidationError({"legal_clearance_ref": "Enter the legal clearance reference"})
    _check_or_raise(version)
    version.status = Status.APPROVED
    version.approved_by = actor
    version.approved_at = timezone.now()
    version.legal_clearance_ref = reference
    version.full_clean(exclude=["document"])
    version.save(update_fields=["status", "approved_by", "approved_at", "legal_clearance_ref"])
    audit_event_record(
        actor=actor,
        action=Action.VERSION_APPROVED,
        target=version,
        data={
            "old": {"status": Status.SUBMITTED},
            "new": {"status": version.status, "legal_clearance_ref": reference},
        },
    )
    return version


@transaction.atomic
def policy_version_publish(
    *,
    version: PolicyVersion,
    actor: User,
    effective_from: datetime | None = None,
    now: datetime | None = None,
) -> PolicyVersion:
    """Publish an approved version now, or schedule it for a future `effective_from`.

    Publishing re-checks the flow and its scenarios (ValidationError naming each failure), retires
    the live version and publishes this one in the same transaction, writing one audit row for each.
    A future time leaves the version approved and scheduled (audited); it is published when due.
    """
    now = now or timezone.now()
    version = _lock_version(version)
    if version.status != Status.APPROVED:
        raise ValidationError("Only an approved version can be published.")
    if effective_from is not None and effective_from > now:
        _check_or_raise(version)
        old = {"effective_from": version.effective_from}
        version.effective_from = effective_from
        version.scheduled_by = actor
        version.save(update_fields=["effective_from", "scheduled_by"])
        audit_event_record(
            actor=actor,
            action=Action.VERSION_SCHEDULED,
            target=version,
            data={"old": old, "new": {"effective_from": effective_from}},
        )
        return version
    _check_or_raise(version)
    live = (
        PolicyVersion.objects.select_for_update()
        .filter(element=version.element, status=Status.PUBLISHED)
        .first()
    )
    if live is not None:
        live.status = Status.RETIRED
        live.retired_at = now
        live.save(update_fields=["status", "retired_at"])
        audit_event_record(
            actor=actor,
            action=Action.VERSION_RETIRED,
            target=live,
            data={
                "old": {"status": Status.PUBLISHED},
                "new": {"status": live.status, "replaced_by": version.number},
            },
        )
    scheduled_for = version.effective_from
    version.status = Status.PUBLISHED
    version.published_at = now
    version.effective_from = now
    version.save(update_fields=["status", "published_at", "effective_from"])
    audit_event_record(
        actor=actor,
        action=Action.VERSION_PUBLISHED,
        target=version,
        data={
            "old": {"status": Status.APPROVED, "live": live and live.number},
            "new": {
                "status": version.status,
                "number": version.number,
                "content_hash": version.content_hash,
                "scheduled_for": scheduled_for,
            },
        },
    )
    return version


@transaction.atomic
def policy_version_unschedule(*, version: PolicyVersion, actor: User, reason: str = "") -> PolicyVersion:
    """Cancel a scheduled publication: the version stays approved, with no effective time."""
    version = _lock_version(version)
    if not version.is_scheduled:
        raise ValidationError("This version is not scheduled for publication.")
    old = {"effective_from": version.effective_from}
    version.effective_from = None
    version.scheduled_by = None
    version.save(update_fields=["effective_from", "scheduled_by"])
    audit_event_record(
        actor=actor,
        action=Action.VERSION_UNSCHEDULED,
        target=version,
        data={"old": old, "new": {"effective_from": None, "reason": reason}},
    )
    return version


@dataclass
class DueResult:
    version: PolicyVersion
    published: bool
    messages: list[str] = field(default_factory=list)


def policy_versions_publish_due(
    *, now: datetime | None = None, element: Element | None = None
) -> list[DueResult]:
    """Publish every scheduled version whose effective time has come, as the person who scheduled it.

    A version that fails its checks when due (an agency stopped, a scenario changed) is not published:
    its schedule is cancelled (audited with the reasons) so it is not retried on every run.
    """
    now = now or timezone.now()
    results = []
    for version in policy_versions_due(now=now, element=element):
        actor = version.scheduled_by or version.approved_by
        try:
            published = policy_version_publish(version=version, actor=actor, now=now)  # type: ignore[arg-type]
        except ValidationError as error:
            version.refresh_from_db()
            if version.status != Status.APPROVED or not version.is_scheduled:
                continue  # another process published or changed it first
            messages = list(error.messages)
            logger.warning("Scheduled publication of %s refused: %s", version, "; ".join(messages))
            policy_version_unschedule(
                version=version,
                actor=actor,
                reason="Refused when due: " + "; ".join(messages),  # type: ignore[arg-type]
            )
            results.append(DueResult(version, published=False, messages=messages))
        else:
            results.append(DueResult(published, published=True))
    return results


# --- Agency directory ------------------------------------------------------------------------------

AGENCY_FIELDS = (
    "name",
    "kind",
    "contact",
    "transfer",
    "hours",
    "coverage",
    "effective_from",
    "effective_to",
    "notes",
)


def _agency_values(agency: Agency) -> dict[str, Any]:
    return {name: getattr(agency, name) for name in AGENCY_FIELDS}


AGENCY_KEY = re.compile(r"[a-z0-9_]+")
RESERVED_AGENCY_KEYS = frozenset({"new"})  # "agencies/new/" is the page that adds one


def _refuse_unknown_agency_fields(values: dict[str, Any]) -> None:
    unknown = set(values) - set(AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown agency fields: {', '.join(sorted(unknown))}")


def _refuse_bad_agency_key(key: str) -> None:
    """A new agency's key (never changed afterwards): the form's help text, enforced here."""
    if not AGENCY_KEY.fullmatch(key or ""):
        raise ValidationError({"key": "Enter a key of lower-case letters, numbers and underscores"})
    if key in RESERVED_AGENCY_KEYS:
        raise ValidationError({"key": f"Choose another key: '{key}' is reserved"})


def _clean_agency(agency: Agency) -> None:
    """The directory's rules in plain words, then the model's own checks (lengths, dates, slug)."""
    if agency.effective_from and agency.effective_to and agency.effective_to < agency.effective_from:
        raise ValidationError({"effective_to": "The last day must be the same as or after the first day"})
    agency.full_clean()


@transaction.atomic
def agency_create(*, actor: User, key: str, **values: Any) -> Agency:
    """Add an agency to the directory. Its key is permanent: flows name the agency by it.

    The key is lower-case letters, numbers and underscores, and not a reserved word ("new").
    """
    _refuse_unknown_agency_fields(values)
    _refuse_bad_agency_key(key)
    agency = Agency(key=key, **values)
    _clean_agency(agency)
    agency._history_user = actor  # type: ignore[attr-defined]
    agency.save()
    audit_event_record(
        actor=actor,
        action=Action.AGENCY_CREATED,
        target=agency,
        data={"old": None, "new": {"key": agency.key, **_agency_values(agency)}},
    )
    return agency


@transaction.atomic
def agency_update(*, agency: Agency, actor: User, **values: Any) -> Agency:
    """Change an agency's details or dates (stop it with `effective_to`); history keeps each state.

    Writes nothing when nothing changed.
    """
    _refuse_unknown_agency_fields(values)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    before = _agency_values(agency)
    for name, value in values.items():
        setattr(agency, name, value)
    after = _agency_values(agency)
    changed = [name for name in AGENCY_FIELDS if before[name] != after[name]]
    if not changed:
        return agency
    _clean_agency(agency)
    agency._history_user = actor  # type: ignore[attr-defined]
    agency.save()
    audit_event_record(
        actor=actor,
        action=Action.AGENCY_CHANGED,
        target=agency,
        data={"old": {n: before[n] for n in changed}, "new": {n: after[n] for n in changed}},
    )
    return agency


# --- Scenarios ---------------------------------------------------------------------------------------

SCENARIO_FIELDS = (
    "name",
    "description",
    "caller_type",
    "answers",
    "expected_category",
    "expected_agency",
    "expected_outcome",
    "expected_modifiers",
    "facts",
    "first_version",
    "last_version",
)


def _scenario_values(scenario: PolicyScenario) -> dict[str, Any]:
    return {name: getattr(scenario, name) for name in SCENARIO_FIELDS}


def _refuse_if_published_fails(scenario: PolicyScenario) -> None:
    """A scenario must pass on the published version it applies to: check_policies stays green."""
    live = PolicyVersion.objects.filter(element_id=scenario.element_id, status=Status.PUBLISHED).first()
    if live is None or not scenario.applies_to(live.number):
        return
    try:
        flow = flow_for_version(live)
    except engine.FlowDefinitionError:
        return
    result = scenario_run(scenario, flow)
    if not result.passed:
        raise ValidationError(
            f"The published version {live.number} fails this scenario: {result.message}. If the policy is "
            f"changing, end this scenario at version {live.number} and add a new one from the next version."
        )


def _refuse_unknown_scenario_fields(values: dict[str, Any]) -> None:
    unknown = set(values) - set(SCENARIO_FIELDS)
    if unknown:
        raise TypeError(f"Unknown scenario fields: {', '.join(sorted(unknown))}")


def _clean_scenario(scenario: PolicyScenario) -> None:
    if scenario.expected_category not in engine.CATEGORIES:
        raise ValidationError({"expected_category": "Choose the expected outcome category"})
    if scenario.expected_agency and scenario.expected_agency not in agency_keys():
        raise ValidationError({"expected_agency": "Choose an agency from the directory, or no agency"})
    if not isinstance(scenario.answers, dict) or not scenario.answers:
        raise ValidationError({"answers": 'Give the answers as a JSON object: {"question id": "answer"}'})
    if scenario.last_version is not None and scenario.last_version < (scenario.first_version or 1):
        raise ValidationError({"last_version": "The last version must not be before the first"})
    scenario.full_clean()
    _refuse_if_published_fails(scenario)


@transaction.atomic
def scenario_create(*, element: Element, actor: User, **values: Any) -> PolicyScenario:
    """Add a scenario to an element; refused if the published version it applies to fails it."""
    _refuse_unknown_scenario_fields(values)
    scenario = PolicyScenario(element=element, **values)
    _clean_scenario(scenario)
    scenario.save()
    audit_event_record(
        actor=actor,
        action=Action.SCENARIO_CREATED,
        target=scenario,
        data={"old": None, "new": _scenario_values(scenario)},
    )
    return scenario


@transaction.atomic
def scenario_update(*, scenario: PolicyScenario, actor: User, **values: Any) -> PolicyScenario:
    """Change a scenario (e.g. end it at a version); refused if the published version then fails it."""
    _refuse_unknown_scenario_fields(values)
    scenario = PolicyScenario.objects.select_for_update().get(pk=scenario.pk)
    before = _scenario_values(scenario)
    for name, value in values.items():
        setattr(scenario, name, value)
    after = _scenario_values(scenario)
    changed = [name for name in SCENARIO_FIELDS if before[name] != after[name]]
    if not changed:
        return scenario
    _clean_scenario(scenario)
    scenario.save()
    audit_event_record(
        actor=actor,
        action=Action.SCENARIO_CHANGED,
        target=scenario,
        data={"old": {n: before[n] for n in changed}, "new": {n: after[n] for n in changed}},
    )
    return scenario
