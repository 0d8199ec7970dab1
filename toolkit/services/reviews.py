"""Quality review's writes: the queue built by rules (every minute, by `toolkit_housekeeping`), and
a supervisor's review with its verdict, deviations and feedback."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.utils import timezone

from rcrp.accounts.audit import audit_event_record
from rcrp.accounts.models import User
from toolkit.models import Decision, Escalation, Review, ReviewItem, ReviewStanding

FIRST_DECISIONS = 20
NEW_VERSION_DAYS = 14
LOOKBACK = dt.timedelta(days=2)
"""The queue looks at decisions closed this recently (the job runs every minute)."""
REVIEWABLE = (Decision.Status.COMPLETED, Decision.Status.UNCONFIRMED)
WEIGHTS = {1: "minor", 2: "moderate", 3: "serious"}


def sample_percent() -> int:
    return max(0, min(100, int(getattr(settings, "REVIEW_SAMPLE_PERCENT", 5))))


def in_sample(decision: Decision, percent: int) -> bool:
    """Whether the random sample takes this decision: the first 4 bytes of the sha256 of its
    reference, as a number from 0 to 9,999, below percent * 100. Anyone can recompute it."""
    draw = int(hashlib.sha256(str(decision.reference).encode()).hexdigest()[:8], 16) % 10_000
    return draw < percent * 100


def _rules(decision: Any, percent: int) -> tuple[list[str], list[str]]:
    """The rules that select this decision, and the words recording how each applied."""
    rules: list[str] = []
    how: list[str] = []
    if decision.override:
        rules.append(ReviewItem.Rule.OVERRIDE)
    if decision.caller_type == Decision.CallerType.PARTNER and decision.outcome_category == "REFUSE_REDIRECT":
        rules.append(ReviewItem.Rule.PARTNER_REFUSED)
    if decision.escalated:
        rules.append(ReviewItem.Rule.ESCALATED)
    earlier = decision.follows
    if earlier is not None and earlier.no_police != decision.no_police:
        rules.append(ReviewItem.Rule.REASSESSMENT_CHANGED)
    if decision.handler_earlier < FIRST_DECISIONS:
        rules.append(ReviewItem.Rule.FIRST_DECISIONS)
        how.append(f"decision {decision.handler_earlier + 1} of the handler's first {FIRST_DECISIONS}")
    version = decision.policy_version
    published = version.published_at if version is not None else None
    if published is not None and decision.started_at < published + dt.timedelta(days=NEW_VERSION_DAYS):
        rules.append(ReviewItem.Rule.NEW_VERSION)
        how.append(f"within {NEW_VERSION_DAYS} days of v{version.number} being published")
    if not rules and in_sample(decision, percent):
        rules.append(ReviewItem.Rule.SAMPLE)
        how.append(f"{percent}% random sample of the rest (sha256 of the reference)")
    labels = dict(ReviewItem.Rule.choices)
    words = [
        labels[rule]
        for rule in rules
        if rule not in (ReviewItem.Rule.FIRST_DECISIONS, ReviewItem.Rule.NEW_VERSION, ReviewItem.Rule.SAMPLE)
    ]
    return [str(rule) for rule in rules], [*words, *how]


def review_queue_build(*, now: dt.datetime | None = None, percent: int | None = None) -> int:
    """Queue every recently closed decision a rule selects (each once); returns how many were queued."""
    now = now or timezone.now()
    percent = sample_percent() if percent is None else percent
    earlier = (
        Decision.objects.filter(handler=OuterRef("handler"), started_at__lt=OuterRef("started_at"))
        .order_by()
        .values("handler")
        .annotate(n=Count("pk"))
        .values("n")
    )
    candidates = (
        Decision.objects.filter(
            status__in=REVIEWABLE, completed_at__gte=now - LOOKBACK, review_item__isnull=True
        )
        .select_related("follows", "policy_version")
        .defer("policy_version__document")
        .annotate(
            escalated=Exists(Escalation.objects.filter(decision=OuterRef("pk"))),
            handler_earlier=Subquery(earlier, output_field=IntegerField()),
        )
    )
    queued = 0
    for decision in candidates.iterator(chunk_size=500):
        decision.handler_earlier = decision.handler_earlier or 0
        rules, how = _rules(decision, percent)
        if not rules:
            continue
        try:
            with transaction.atomic():
                ReviewItem.objects.create(
                    decision=decision, rules=rules, sampling="; ".join(how), queued_at=now
                )
        except IntegrityError:
            continue  # queued meanwhile by another run
        queued += 1
    return queued


def review_record(
    *,
    decision: Decision,
    reviewer: User,
    verdict: str,
    feedback: str = "",
    deviations: list[dict[str, Any]] | None = None,
    now: dt.datetime | None = None,
) -> Review:
    """A supervisor's review. Deviations name a question of the decision, a weight (1 minor,
    2 moderate, 3 serious) and a note; a verdict other than compliant needs at least one."""
    if decision.handler_id == reviewer.pk:
        raise PermissionDenied("You cannot review your own decision.")
    if verdict not in Review.Verdict.values:
        raise ValidationError("Select a verdict", code="verdict")
    asked = {a.question_id: a.question_text for a in decision.answers.all()}
    clean: list[dict[str, Any]] = []
    for deviation in deviations or []:
        question_id = str(deviation.get("question_id", ""))
        weight = int(deviation.get("weight", 0) or 0)
        if question_id not in asked:
            raise ValidationError("A deviation must name a question of this decision", code="deviations")
        if weight not in WEIGHTS:
            raise ValidationError(
                "Give each deviation a weight: minor, moderate or serious", code="deviations"
            )
        note = str(deviation.get("note", "")).strip()[:500]
        clean.append(
            {"question_id": question_id, "question_text": asked[question_id], "weight": weight, "note": note}
        )
    if verdict != Review.Verdict.COMPLIANT and not clean:
        raise ValidationError(
            "Say where the decision deviated: give at least one question a weight", code="deviations"
        )
    with transaction.atomic():
        # One review of a decision at a time, so its standing names the newest of them.
        Decision.all_calls.select_for_update().filter(pk=decision.pk).values_list("pk").first()
        review = Review.objects.create(
            decision=decision,
            reviewer=reviewer,
            verdict=verdict,
            deviations=clean,
            feedback=feedback.strip()[:2000],
            reviewed_at=now or timezone.now(),
        )
        newest = decision.reviews.order_by("-reviewed_at", "-id").values("pk", "verdict").first()
        assert newest is not None
        ReviewStanding.objects.update_or_create(
            decision=decision,
            defaults={
                "review_id": newest["pk"],
                "verdict": newest["verdict"],
                "started_at": decision.started_at,
            },
        )
    audit_event_record(
        actor=reviewer,
        action="toolkit.decision.reviewed",
        target=decision,
        data={"new": {"verdict": verdict}},
    )
    return review


def review_standing_rebuild() -> int:
    """Recompute every decision's standing from its reviews (after a bulk load of reviews, which
    `review_record` did not write); returns how many decisions have been reviewed."""
    standing, review, decision = (m._meta.db_table for m in (ReviewStanding, Review, Decision))
    with transaction.atomic(), connection.cursor() as cursor:
        ReviewStanding.objects.all().delete()
        cursor.execute(  # the names are the models' own tables
            f"""INSERT INTO {standing} (decision_id, review_id, verdict, started_at)
            SELECT r.decision_id, r.id, r.verdict, d.started_at
            FROM {review} r JOIN {decision} d ON d.id = r.decision_id
            WHERE NOT EXISTS (
                SELECT 1 FROM {review} n WHERE n.decision_id = r.decision_id
                AND (n.reviewed_at > r.reviewed_at OR (n.reviewed_at = r.reviewed_at AND n.id > r.id))
            )"""  # noqa: S608
        )
        return cursor.rowcount
