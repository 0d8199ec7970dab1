"""Practice calls on the real flows: cards made from a version's scenarios (or from a trainer's
own practice walk), a practice call started from a card, and its result written when completed.

A practice call is a Decision flagged `practice` and walked on the live call page; no live reader
sees it (`Decision.objects` excludes it). It skips the training gate and the site's go-live (it
is how people get ready), never raises an escalation, and is never counted on the dashboards.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from policies import flow as engine
from policies.models import PolicyScenario, PolicyVersion
from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from toolkit.models import Decision
from toolkit.selectors import call_state
from toolkit.selectors.practice import compare, may_practise_on, situation_and_why
from toolkit.services.start import decision_create_once, site_of
from training.models import PracticeCard, PracticeResult, PracticeSet


def _scenario_card(version: PolicyVersion, scenario: PolicyScenario) -> PracticeCard:
    situation, _why = situation_and_why(scenario.description or scenario.name)
    caller = scenario.caller_type
    caller_type, _, partner_kind = caller.partition(":")
    return PracticeCard(
        element=version.element,
        title=scenario.name,
        situation=situation,
        caller_type=caller_type,
        partner_kind=partner_kind,
        answers=scenario.answers,
        facts=scenario.facts or {},
        expected_category=scenario.expected_category,
        expected_modifiers=scenario.expected_modifiers or [],
        expected_agency=scenario.expected_agency,
        source=PracticeCard.Source.SCENARIO,
        scenario_name=scenario.name,
        policy_version=version,
    )


@transaction.atomic
def practice_cards_make(*, version: PolicyVersion, actor: User | None = None) -> int:
    """A practice card for each of the version's scenarios that has none yet; returns how many
    were made (idempotent: the every-minute job makes them for each live version)."""
    have = set(
        PracticeCard.objects.filter(policy_version=version, source=PracticeCard.Source.SCENARIO).values_list(
            "scenario_name", flat=True
        )
    )
    scenarios = [
        s
        for s in PolicyScenario.objects.filter(element=version.element).order_by("name")
        if s.applies_to(version.number) and s.name not in have
    ]
    cards = [_scenario_card(version, s) for s in scenarios]
    PracticeCard.objects.bulk_create(cards, ignore_conflicts=True)
    if cards and actor is not None:
        audit_event_record(
            actor=actor,
            action="toolkit.practice.cards_made",
            target=version,
            data={"new": {"cards": len(cards)}},
        )
    return len(cards)


def practice_cards_make_for_live(*, versions: list[PolicyVersion]) -> int:
    return sum(practice_cards_make(version=v) for v in versions)


def _facts_for(card: PracticeCard) -> dict[str, str]:
    return {k: str(v) for k, v in (card.facts or {}).items()}


@transaction.atomic
def practice_start(
    *,
    actor: User,
    card: PracticeCard,
    practice_set: PracticeSet | None = None,
    token: UUID | None = None,
    now: dt.datetime | None = None,
) -> Decision:
    """Start a practice call from a card, on the card's policy version (the same token twice
    returns the first call). Never gated: practice is how people get ready."""
    if not may_practise_on(user=actor, version=card.policy_version):
        raise PermissionDenied("Practice on a draft is for trainers and policy owners.")
    if not card.active:
        raise ValidationError("This practice card has been withdrawn.")
    now = now or timezone.now()
    version = card.policy_version
    decision, _created = decision_create_once(
        actor=actor,
        token=token,
        practice=True,
        practice_card=card,
        practice_set=practice_set,
        incident_ref="PRACTICE",
        caller_type=card.caller_type,
        partner_kind=card.partner_kind if card.caller_type == Decision.CallerType.PARTNER else "",
        element=card.element,
        policy_version=version,
        content_hash=version.content_hash,
        engine_version=engine.ENGINE_VERSION,
        site=site_of(actor),
        started_at=now,
        last_activity_at=now,
    )
    return decision


def practice_clock_fact(decision: Decision) -> str:
    """A practice card's s136 clock answer ("under_60" / "over_60"), or "" (the real clock)."""
    if not decision.practice or decision.practice_card is None:
        return ""
    return _facts_for(decision.practice_card).get("arrival_elapsed", "")


def practice_result_record(decision: Decision, *, now: dt.datetime | None = None) -> PracticeResult | None:
    """On completing a practice call: its result against the card (inside the completing transaction)."""
    if not decision.practice or decision.practice_card is None:
        return None
    card = decision.practice_card
    comparison = compare(card, call_state(decision))
    return PracticeResult.objects.create(
        user=decision.handler,
        card=card,
        practice_set=decision.practice_set,
        decision_reference=decision.reference,
        policy_version=decision.policy_version,
        passed=comparison.passed,
        outcome_category=decision.outcome_category,
        outcome_modifiers=list(decision.outcome_modifiers or []),
        agency_key=decision.agency_key,
        override=decision.override,
        differences=comparison.differences_json(),
        completed_at=now or timezone.now(),
    )


@transaction.atomic
def practice_card_from_call(*, decision: Decision, actor: User, title: str, situation: str) -> PracticeCard:
    """A trainer's card from a practice call they walked to its outcome: the path they took is what
    the card expects."""
    if decision.handler_id != actor.pk or not decision.practice:
        raise PermissionDenied
    title, situation = title.strip(), situation.strip()
    errors = []
    if not title:
        errors.append(ValidationError("Enter a title for the card", code="title"))
    if not situation:
        errors.append(ValidationError("Describe the situation in plain words", code="situation"))
    if not decision.outcome_category or decision.override:
        errors.append(
            ValidationError(
                "Walk the call to a policy outcome (not the override) to make a card", code="outcome"
            )
        )
    if errors:
        raise ValidationError(errors)
    state = call_state(decision)
    answers: dict[str, Any] = {answer.question_id: answer.value for answer in state.path}
    card = PracticeCard.objects.create(
        element=decision.element,
        title=title[:200],
        situation=situation[:4000],
        caller_type=decision.caller_type,
        partner_kind=decision.partner_kind,
        answers=answers,
        facts={"arrival_elapsed": decision.arrival_elapsed} if decision.arrival_elapsed else {},
        expected_category=decision.outcome_category,
        expected_modifiers=list(decision.outcome_modifiers or []),
        expected_agency=decision.agency_key,
        source=PracticeCard.Source.TRAINER,
        policy_version=decision.policy_version,
        created_by=actor,
    )
    audit_event_record(
        actor=actor, action="toolkit.practice.card_written", target=card, data={"new": {"title": title}}
    )
    return card
