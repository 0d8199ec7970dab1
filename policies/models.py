"""Versioned RCRP policy: the four elements, their flow versions, scenarios and the agency directory."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Element(models.Model):
    """One of the four RCRP elements (PCD1529): stable identity across policy versions."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300, help_text="One line shown when a handler picks the element")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title


class PolicyVersionQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def published(self) -> PolicyVersionQuerySet:
        return self.filter(status=PolicyVersion.Status.PUBLISHED)

    def update(self, **kwargs: Any) -> int:
        """Bulk updates get the same guard as save(): published and retired rows keep their content,
        and change status only from published to retired (the trigger does this on PostgreSQL)."""
        frozen = self.filter(status__in=[PolicyVersion.Status.PUBLISHED, PolicyVersion.Status.RETIRED])
        content = {f.removesuffix("_id") for f in CONTENT_FIELDS} | set(CONTENT_FIELDS)
        touches_content = bool(content & set(kwargs))
        bad_status = "status" in kwargs and (
            kwargs["status"] != PolicyVersion.Status.RETIRED
            or frozen.filter(status=PolicyVersion.Status.RETIRED).exists()
        )
        if (touches_content or bad_status) and frozen.exists():
            raise ValidationError("A published or retired version cannot be changed.")
        return super().update(**kwargs)


# Fields that never change once a version leaves DRAFT (the document and what describes it).
CONTENT_FIELDS = ("element_id", "number", "document", "content_hash", "change_summary", "created_by_id")


class PolicyVersion(models.Model):
    """One version of one element's flow. Only drafts change; published versions never do.

    Life cycle: draft → submitted → approved → published → retired (publish retires the live one).
    The database enforces one published version per element and four-eyes approval; on
    PostgreSQL a trigger refuses any change to a published or retired version's content.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    element = models.ForeignKey(Element, models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    document = models.JSONField(help_text="The flow document (docs/flow-language.md)")
    content_hash = models.CharField(max_length=64, help_text="sha256 of the canonical JSON document")
    change_summary = models.TextField()
    acknowledgement_required = models.BooleanField(
        default=False,
        help_text="Handlers must read the change summary and acknowledge it before their next call",
    )
    legal_clearance_ref = models.CharField("legal clearance reference", max_length=100, blank=True)
    effective_from = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    # Set when an approved version is scheduled to publish at `effective_from` (a future time): the
    # person who asked, recorded as the actor when policy_versions_publish_due() publishes it.
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["element__order", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["element", "number"], name="policyversion_unique_number"),
            models.UniqueConstraint(
                fields=["element"], condition=Q(status="published"), name="policyversion_one_published"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="policyversion_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.element.slug} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Model-layer guard: content changes only on drafts; published/retired rows only retire."""
        if not self._state.adding and self.pk:
            stored = PolicyVersion.objects.filter(pk=self.pk).values("status", *CONTENT_FIELDS).first()
            if stored is not None and stored["status"] != self.Status.DRAFT:
                if any(stored[f] != getattr(self, f) for f in CONTENT_FIELDS):
                    raise ValidationError("Only a draft can be edited. Copy this version into a new draft.")
                if stored["status"] == self.Status.RETIRED or (
                    stored["status"] == self.Status.PUBLISHED and self.status != self.Status.RETIRED
                ):
                    raise ValidationError("A published or retired version cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status != self.Status.DRAFT:
            raise ValidationError("Only a draft can be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_in_progress(self) -> bool:
        """Draft, submitted or approved: not yet live, seen only by policy owners."""
        return self.status in {self.Status.DRAFT, self.Status.SUBMITTED, self.Status.APPROVED}

    @property
    def is_scheduled(self) -> bool:
        """Approved and waiting for its effective time to be published."""
        return self.status == self.Status.APPROVED and self.effective_from is not None


class PolicyScenario(models.Model):
    """A named regression case: answers by question id and the outcome they must reach.

    A scenario applies to the element's versions numbered `first_version` to `last_version`
    (open-ended when blank). A policy change that deliberately changes a case ends the old
    scenario at the version before and adds one from the new version, so every version keeps
    passing the scenarios that apply to it.
    """

    element = models.ForeignKey(Element, models.PROTECT, related_name="scenarios")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    caller_type = models.CharField(max_length=40, blank=True)
    answers = models.JSONField(help_text="{question id: answer value}")
    expected_category = models.CharField(max_length=20)
    expected_agency = models.CharField(max_length=50, blank=True)
    expected_outcome = models.CharField(max_length=64, blank=True)
    expected_modifiers = models.JSONField(
        null=True, blank=True, help_text="The exact modifiers the call ends with; null: not checked"
    )
    facts = models.JSONField(default=dict, blank=True, help_text="What the toolkit, not the handler, answers")
    first_version = models.PositiveIntegerField(default=1)
    last_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["element__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["element", "name"], name="policyscenario_unique_name"),
            models.CheckConstraint(
                condition=Q(last_version__isnull=True) | Q(last_version__gte=F("first_version")),
                name="policyscenario_versions_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.element.slug}: {self.name}"

    def applies_to(self, number: int) -> bool:
        """True when this scenario is run against version `number` of its element."""
        return self.first_version <= number and (self.last_version is None or number <= self.last_version)


class AgencyQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def in_force(self, on: Any = None) -> AgencyQuerySet:
        """Agencies whose effective dates include `on` (a date; today by default)."""
        day = on or timezone.localdate()
        return self.filter(
            Q(effective_from__lte=day), Q(effective_to__isnull=True) | Q(effective_to__gte=day)
        )


class Agency(models.Model):
    """A signposting or redirect target. Flows name it by `key`; every change is kept (history)."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30)
    contact = models.CharField(max_length=300)
    transfer = models.CharField(max_length=300, blank=True)
    hours = models.CharField(max_length=100, blank=True)
    coverage = models.CharField(max_length=200, blank=True)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="agency_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name
