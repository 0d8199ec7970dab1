"""Practice on the real flows: cards (a situation in plain words with its expected answers and
outcome), practice sets with a pass mark attached to a course, and each practice call's result.

The walk itself is the live call page (toolkit), on a decision flagged as practice that no live
reader sees; when it is completed the toolkit writes a PracticeResult here, so training reads
results without reading decisions (the apps depend one way: toolkit on training).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from rcrp.accounts.models import AppendOnlyModel


class PracticeCard(models.Model):
    """A situation to practise, and what the policy expects: the answers, outcome and agency."""

    class Source(models.TextChoices):
        SCENARIO = "scenario", "From the policy scenarios"
        TRAINER = "trainer", "Written by a trainer"

    element = models.ForeignKey("policies.Element", models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    situation = models.TextField(help_text="What the caller says, in plain words")
    caller_type = models.CharField(max_length=10, blank=True, help_text="Who is calling (the start page)")
    partner_kind = models.CharField(max_length=20, blank=True)
    answers = models.JSONField(default=dict, help_text="The expected answer to each question, by id")
    facts = models.JSONField(
        default=dict, blank=True, help_text="Facts the call page answers (e.g. the s136 clock)"
    )
    expected_category = models.CharField(max_length=20)
    expected_modifiers = models.JSONField(default=list, blank=True)
    expected_agency = models.CharField(max_length=50, blank=True)
    source = models.CharField(max_length=10, choices=Source, default=Source.TRAINER)
    scenario_name = models.CharField(max_length=200, blank=True)
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        models.PROTECT,
        related_name="+",
        help_text="The version whose answers the card expects",
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["element__order", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy_version", "scenario_name"],
                condition=models.Q(source="scenario"),
                name="practicecard_one_per_scenario",
            )
        ]

    def __str__(self) -> str:
        return self.title


class PracticeSet(models.Model):
    """Cards in order with a pass mark (how many cards must be passed)."""

    title = models.CharField(max_length=200)
    pass_mark = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    cards = models.ManyToManyField(PracticeCard, through="PracticeSetCard", related_name="sets")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class PracticeSetCard(models.Model):
    practice_set = models.ForeignKey(PracticeSet, models.CASCADE, related_name="entries")
    card = models.ForeignKey(PracticeCard, models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["practice_set", "order"]
        constraints = [models.UniqueConstraint(fields=["practice_set", "card"], name="practiceset_card_once")]

    def __str__(self) -> str:
        return f"{self.order}. {self.card_id} in {self.practice_set_id}"


class PracticeResult(AppendOnlyModel):
    """One completed practice call against its card: the outcome given and where the path differed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="practice_results")
    card = models.ForeignKey(PracticeCard, models.PROTECT, related_name="results")
    practice_set = models.ForeignKey(
        PracticeSet, models.PROTECT, null=True, blank=True, related_name="results"
    )
    decision_reference = models.UUIDField(unique=True)
    policy_version = models.ForeignKey("policies.PolicyVersion", models.PROTECT, related_name="+")
    passed = models.BooleanField(help_text="The outcome category, modifiers and agency were those expected")
    outcome_category = models.CharField(max_length=20, blank=True)
    outcome_modifiers = models.JSONField(default=list, blank=True)
    agency_key = models.CharField(max_length=50, blank=True)
    override = models.BooleanField(default=False)
    differences = models.JSONField(
        default=list,
        blank=True,
        help_text="[{question_id, question_text, expected, given}] where the path differed",
    )
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_at"]
        indexes = [models.Index(fields=["user", "card"], name="practiceresult_user_card_idx")]

    def __str__(self) -> str:
        return f"{self.user} {'passed' if self.passed else 'did not pass'} {self.card}"
