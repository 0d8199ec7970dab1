"""Quality review in the style of IAED case review: a queue built by rules, and reviews with a
verdict, deviations weighted against the question where they happened, and feedback."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from rcrp.accounts.models import AppendOnlyModel


class ReviewItem(AppendOnlyModel):
    """A decision queued for review, with every rule that selected it and how."""

    class Rule(models.TextChoices):
        OVERRIDE = "override", "Deploy override"
        PARTNER_REFUSED = "partner_refused", "Partner request refused"
        ESCALATED = "escalated", "Escalated"
        REASSESSMENT_CHANGED = "reassessment_changed", "Re-assessment changed the outcome"
        FIRST_DECISIONS = "first_decisions", "One of the handler's first 20 decisions"
        NEW_VERSION = "new_version", "First two weeks of a new policy version"
        SAMPLE = "sample", "Random sample"

    decision = models.OneToOneField("toolkit.Decision", models.PROTECT, related_name="review_item")
    rules = models.JSONField(help_text="Every rule that selected the decision, in rule order")
    sampling = models.CharField(max_length=300, help_text="The rules as applied, with their parameters")
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["-queued_at", "-id"], name="reviewitem_queued_idx")]

    def __str__(self) -> str:
        return f"Review of {self.decision} ({', '.join(self.rules)})"


class Review(AppendOnlyModel):
    """One review of a decision. A second review is a new row (the latest stands); none is edited."""

    class Verdict(models.TextChoices):
        COMPLIANT = "compliant", "Compliant"
        MINOR = "minor", "Minor deviation"
        MAJOR = "major", "Major deviation"
        NON_COMPLIANT = "non_compliant", "Non-compliant"

    decision = models.ForeignKey("toolkit.Decision", models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=16, choices=Verdict)
    deviations = models.JSONField(
        default=list, blank=True, help_text="[{question_id, question_text, weight 1-3, note}]"
    )
    feedback = models.TextField(blank=True, help_text="For the handler: they see it on their decision")
    reviewed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        indexes = [
            models.Index(fields=["decision", "-reviewed_at"], name="review_decision_idx"),
            models.Index(fields=["-reviewed_at"], name="review_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} ({self.decision})"

    @property
    def deviation_score(self) -> int:
        """The sum of the deviations' weights (1 minor, 2 moderate, 3 serious)."""
        return sum(int(d.get("weight", 0)) for d in self.deviations)


class ReviewStanding(models.Model):
    """Where each reviewed decision stands: its newest review's verdict, beside the decision's
    start. Derived from the reviews (kept by `review_record`, rebuilt by
    `review_standing_rebuild`), so it is not a record and is the one review table that changes.

    It exists so the log's "reviewed" and "verdict" filters are index ranges read newest first,
    not a walk down every decision probing its reviews (about 200 ms at 2,000,000: the newest
    fortnight of decisions is not yet reviewed). See docs/supervision-indexes.md.
    """

    decision = models.OneToOneField(
        "toolkit.Decision", models.CASCADE, primary_key=True, related_name="review_standing"
    )
    review = models.ForeignKey(Review, models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=16, choices=Review.Verdict)
    started_at = models.DateTimeField(help_text="The decision's started_at, for the log's order")

    class Meta:
        indexes = [
            models.Index(fields=["-started_at", "-decision"], name="standing_log_idx"),
            models.Index(fields=["verdict", "-started_at", "-decision"], name="standing_verdict_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.verdict}"
