"""What the outcome dashboards read: daily counts of closed decisions, and the pre-go-live baseline.

`DailyCount` is a narrow counter table: one row per London day, element, site and measure
("decisions", "category:DEPLOY", "modifier:LAS", "override", "reassessment", "seconds:60",
"escalation", ...). A decision is counted once, in the same transaction that closes it (completed,
abandoned or outcome reached and not completed), and closed decisions never change, so the counts
stay exact as decisions arrive; the dashboards add the open calls live. An escalation is counted
by the day it was raised, in the transaction that raises it. Each week and month also has rows of
its own (dated its Monday or its 1st, measure "week/decisions", "month/category:DEPLOY"...), the
sums of its days, so a long range reads a few thousand rows. `rollup_rebuild` recomputes the
table from the decisions and escalations (after a bulk seed, or to check it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class DailyCount(models.Model):
    day = models.DateField(help_text="The London date the decision started")
    element_pk = models.PositiveIntegerField(help_text="The element's id; 0 for a deploy with no element")
    site_pk = models.PositiveIntegerField(help_text="The site's id; 0 when the handler had none")
    measure = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "element_pk", "site_pk", "measure"], name="dailycount_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} = {self.count}"


class DeploymentBaseline(models.Model):
    """Police deployments to an element's calls in one month before go-live (entered or imported).

    A figure may be corrected (it is an input, not a decision record): every change is audited.
    """

    class Source(models.TextChoices):
        ENTERED = "entered", "Entered"
        IMPORTED = "imported", "Imported from CSV"

    element = models.ForeignKey("policies.Element", models.PROTECT, related_name="+")
    month = models.DateField(help_text="The first day of the month")
    deployments = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=Source, default=Source.ENTERED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["element", "month"]
        constraints = [models.UniqueConstraint(fields=["element", "month"], name="baseline_one_per_month")]

    def __str__(self) -> str:
        return f"{self.element} {self.month:%b %Y}: {self.deployments}"
