"""The decision log: one Decision per RCRP call, its answers, escalations and later notes.

Every answer is stored the moment it is given. Answers are append-only: going back to change an
answer appends a new answer at that position, and the current path is replayed from the answers
in order (see Decision.current_path), so nothing is ever rewritten. A completed or abandoned
decision is frozen (model guard, and a PostgreSQL trigger); corrections are new DecisionNotes.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from policies import flow as engine
from rcrp.accounts.models import AppendOnlyModel


class DecisionQuerySet(models.QuerySet):  # type: ignore[type-arg]
    def for_call(self) -> DecisionQuerySet:
        """What the call pages show with a decision, read with the handler already known (one
        query). Only the joins every call page needs: PostgreSQL's planning time grows steeply
        with each relation joined (seven joins took 5-7 ms to plan for a 0.3 ms lookup by the
        reference; these four about 0.8 ms), so a practice call's card and set are read when a
        page first asks for them (a live call has neither, so never a query)."""
        return self.select_related("element", "policy_version", "site", "handover")

    def for_page(self) -> DecisionQuerySet:
        """What the decision pages show with a decision (one query): as `for_call`, with the handler."""
        return self.for_call().select_related("handler")

    def for_list(self) -> DecisionQuerySet:
        return self.select_related("element", "handler", "site")


class LiveDecisionManager(models.Manager.from_queryset(DecisionQuerySet)):  # type: ignore[misc]
    """`Decision.objects`: live calls only. Practice calls are never in the decision log, the
    dashboards, the review queue, the register, the exports or the escalation queue, because every
    one of those reads through this manager; only the call pages themselves use `all_calls`."""

    def get_queryset(self) -> DecisionQuerySet:
        return super().get_queryset().filter(practice=False)


class Decision(models.Model):
    """One RCRP call: who took it, under which policy version, the answers, the outcome."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"
        # Housekeeping closed a call that had reached its outcome but was never completed: the
        # outcome stands in the record (a deploy is never called "abandoned").
        UNCONFIRMED = "unconfirmed", "Outcome reached, not completed"

    class CallerType(models.TextChoices):
        PUBLIC = "public", "A member of the public"
        SELF = "self", "The person themselves"
        PARTNER = "partner", "A partner agency"
        POLICE = "police", "A police officer"

    class Referral(models.TextChoices):
        MADE = "made", "Referral made"
        NOT_MADE = "not_made", "Referral not made"
        NOT_KNOWN = "not_known", "Not known yet (to follow up)"

    class PartnerKind(models.TextChoices):
        NHS_TRUST = "nhs_trust", "NHS trust or hospital"
        GP = "gp", "GP"
        AMBULANCE = "ambulance", "Ambulance service"
        SOCIAL_CARE = "social_care", "Social care"
        CARE_PROVIDER = "care_provider", "Care provider"
        ALARM_COMPANY = "alarm_company", "Lifeline or alarm company"
        HOUSING = "housing", "Housing"
        OTHER = "other", "Other agency"

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The one-time token of the form that started the call: a double click or a retried POST
    # finds the decision it already made instead of making a second one.
    start_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    incident_ref = models.CharField("incident reference", max_length=40, blank=True)
    incident_ref_missing_reason = models.CharField(max_length=200, blank=True)
    # Blank only when the handler deployed from the start page before choosing who is calling.
    caller_type = models.CharField(max_length=10, choices=CallerType, blank=True)
    partner_kind = models.CharField(max_length=20, choices=PartnerKind, blank=True)
    element = models.ForeignKey("policies.Element", models.PROTECT, null=True, blank=True, related_name="+")
    policy_version = models.ForeignKey(
        "policies.PolicyVersion", models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    content_hash = models.CharField(max_length=64, blank=True)
    engine_version = models.CharField(max_length=20, blank=True)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="decisions")
    site = models.ForeignKey("training.Site", models.PROTECT, null=True, blank=True, related_name="+")
    follows = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="followed_by",
        help_text="The earlier decision this one re-assesses on new information (the latest on the incident)",
    )
    reassessment_note = models.CharField(max_length=300, blank=True)
    reassessment_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="A supervisor who opened this re-assessment by answering an escalation with deploy",
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.IN_PROGRESS)
    step = models.PositiveIntegerField(default=0, help_text="Changes with every answer: the step token")
    started_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    training_warning = models.TextField(
        blank=True, help_text="The training gate's warning when the call started"
    )
    # The outcome, copied as shown, so the decision reads the same whatever happens to policy later.
    outcome_id = models.CharField(max_length=64, blank=True)
    outcome_category = models.CharField(max_length=20, blank=True)
    outcome_modifiers = models.JSONField(default=list, blank=True)
    outcome_title = models.CharField(max_length=200, blank=True)
    outcome_rationale = models.TextField(blank=True)
    agency_key = models.CharField(max_length=50, blank=True)
    agency_name = models.CharField(max_length=200, blank=True)
    agency_contact = models.CharField(max_length=300, blank=True)
    script_shown = models.TextField(blank=True)
    record_text = models.TextField(blank=True)
    call_back_if = models.TextField(blank=True)
    outcome_reached_at = models.DateTimeField(null=True, blank=True)
    override = models.BooleanField(default=False)
    override_reason = models.CharField(max_length=300, blank=True)
    caller_told = models.BooleanField(null=True, blank=True)
    receiving_agency_ref = models.CharField(max_length=60, blank=True)
    completed_before_answer = models.BooleanField(
        default=False, help_text="Completed (confirmed by the handler) while an escalation was unanswered"
    )
    # s136: arrival at the place of safety, from the current path's answer. The 60-minute clock
    # runs from here until a HandoverRecord stops it, whether or not the call is completed.
    pos_arrival_at = models.DateTimeField(null=True, blank=True)
    # The time since arrival when the walk first needed it (engine.ELAPSED), from the clock and
    # never a handler's choice: it answers the flow's question bound to "arrival_elapsed".
    arrival_elapsed = models.CharField(max_length=10, blank=True)
    # Flow language 2: every modifier with why it was added, and the facts not known, as shown.
    outcome_reasons = models.JSONField(
        default=list, blank=True, help_text="[[modifier, why], ...] as shown on the outcome"
    )
    not_known = models.JSONField(default=list, blank=True, help_text="The facts answered 'not known'")
    safeguarding_referral = models.CharField(max_length=10, choices=Referral, blank=True)
    not_health_reason = models.CharField(
        max_length=20, blank=True, help_text="The start page's 'not a health call' route: what the call is"
    )
    # Practice on the real flow (the live call page, marked PRACTICE): never a live record.
    practice = models.BooleanField(default=False, db_default=False)  # raw SQL seeding needs no change
    practice_card = models.ForeignKey(
        "training.PracticeCard", models.PROTECT, null=True, blank=True, related_name="+"
    )
    practice_set = models.ForeignKey(
        "training.PracticeSet", models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The paper fallback: a decision made on paper while the service was down, entered afterwards.
    # `started_at` and the answer times are when it was entered; this is when it was actually made.
    paper_made_at = models.DateTimeField(
        null=True, blank=True, help_text="Entered from a paper record: when the decision was made on paper"
    )
    paper_reference = models.CharField(
        max_length=40, blank=True, db_default="", help_text="The paper form's reference"
    )  # db_default: raw SQL seeding needs no change
    # Retention (toolkit/services/retention.py): an expired decision that a kept decision still
    # cites is kept as a bare record (outcome, times, policy version) with its details removed.
    anonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention removed this decision's details (kept for its links)"
    )

    objects = LiveDecisionManager()
    all_calls = DecisionQuerySet.as_manager()  # live and practice: the call pages only

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The decision log, newest first, a keyset page at a time (started_at, id). Live decisions
            # only (every log read is of live ones), so a page's ids come from the index alone.
            models.Index(fields=["-started_at", "-id"], name="decision_log_idx", condition=Q(practice=False)),
            # the log filtered by element, site or outcome, still newest first
            models.Index(fields=["element", "-started_at"], name="decision_element_idx"),
            models.Index(fields=["site", "-started_at"], name="decision_site_idx"),
            models.Index(fields=["outcome_category", "-started_at"], name="decision_category_idx"),
            # both at once ("s136 deployments", "transport refusals"), which neither serves alone
            models.Index(
                fields=["element", "outcome_category", "-started_at"], name="decision_element_category_idx"
            ),
            # "My calls": a handler's decisions today
            models.Index(fields=["handler", "-started_at"], name="decision_handler_idx"),
            # new information: earlier decisions on the same incident
            models.Index(fields=["incident_ref", "-started_at"], name="decision_incident_idx"),
            # housekeeping: in-progress calls by last activity
            models.Index(fields=["status", "last_activity_at"], name="decision_status_idx"),
            # the s136 sweep: decisions with an arrival time
            models.Index(
                fields=["pos_arrival_at"], condition=Q(pos_arrival_at__isnull=False), name="decision_s136_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="in_progress") | Q(completed_at__isnull=False),
                name="decision_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(practice=True) | Q(practice_card__isnull=True),
                name="decision_card_only_in_practice",
            ),
        ]

    def __str__(self) -> str:
        what = self.element.title if self.element_id and self.element else "Deploy override"
        return f"{what} {self.incident_ref or '(no incident reference)'} {self.started_at:%d %b %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Model-layer guard: only an in-progress decision changes (checked as loaded, no query)."""
        loaded = getattr(self, "_loaded_status", None)
        if not self._state.adding and loaded is not None and loaded != self.Status.IN_PROGRESS:
            raise ValidationError("A completed decision cannot be changed. Add a note or correction instead.")
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("Decisions are never deleted.")

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Decision:
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")  # type: ignore[attr-defined]
        return instance

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    @property
    def is_paper(self) -> bool:
        """Entered afterwards from a paper record (the paper fallback)."""
        return self.paper_made_at is not None

    @property
    def has_outcome(self) -> bool:
        return bool(self.outcome_category)

    @property
    def outcome_label(self) -> str:
        """The outcome as shown: the category label and any modifiers, e.g. "Deploy police +LAS"."""
        if not self.outcome_category:
            return ""
        label = engine.CATEGORY_LABELS.get(engine.Category(self.outcome_category), self.outcome_category)
        return label + "".join(f" +{m}" for m in self.outcome_modifiers)

    @property
    def at_place_of_safety(self) -> bool:
        """An s136 detention with a recorded arrival: officers are there, not a caller to tell."""
        return self.pos_arrival_at is not None

    @property
    def needs_referral_answer(self) -> bool:
        """The outcome offers a safeguarding referral: completing records whether it was made."""
        return str(engine.Modifier.SAFEGUARDING) in (self.outcome_modifiers or [])

    @property
    def no_police(self) -> bool:
        """SIGNPOST or REFUSE_REDIRECT: the engine's one list of outcomes without police."""
        return self.outcome_category in engine.NO_POLICE

    @property
    def police_attend(self) -> bool:
        """DEPLOY, JOINT or ordinary policing: the engine's one list of outcomes where police go."""
        return self.outcome_category in engine.POLICE_ATTEND


class DecisionAnswer(AppendOnlyModel):
    """One answer as given: the wording shown, the value, the label shown, a note, the time.

    `position` is the answer's place in the path (0 = the first question); a later answer at
    the same position replaces it and everything after it in the current path, but both stay.
    """

    decision = models.ForeignKey(Decision, models.PROTECT, related_name="answers")
    sequence = models.PositiveIntegerField(help_text="Order of giving within the decision")
    position = models.PositiveIntegerField()
    question_id = models.CharField(max_length=64)
    question_text = models.TextField()
    value = models.JSONField(help_text="A string, or the list of ticked items of a checklist")
    value_label = models.TextField()
    note = models.TextField(blank=True)
    answered_at = models.DateTimeField(default=timezone.now)
    # Indexed with the question (answer_met_idx) rather than alone: the changed-question highlight
    # asks for the calls on which a handler met a question, and every lookup by handler uses it.
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["decision", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "sequence"], name="decisionanswer_unique_sequence")
        ]
        indexes = [models.Index(fields=["answered_by", "question_id", "decision"], name="answer_met_idx")]

    def __str__(self) -> str:
        return f"{self.question_id} = {self.value_label}"


class Escalation(models.Model):
    """A request for a supervisor's help on a call, answered while the call is still open."""

    class Reason(models.TextChoices):
        PARTNER_DISPUTE = "partner_dispute", "The partner agency disputes the decision"
        UNSURE = "unsure", "I am unsure"
        OTHER = "other", "Something else"
        HANDOVER_OVERDUE = "handover_overdue", "s136 handover over 60 minutes"
        OUTCOME = "outcome", "The policy outcome needs a supervisor"

    class Response(models.TextChoices):
        UPHOLD = "uphold", "Uphold the decision"
        DEPLOY = "deploy", "Change to deploy police"
        ADVISE = "advise", "Advice"

    class Level(models.TextChoices):
        SUPERVISOR = "supervisor", "MetCC supervisor or team leader"
        DUTY_INSPECTOR = "inspector", "Duty inspector"
        PARTNER_ONCALL = "partner_oncall", "Duty inspector with the partner's on-call manager"

    decision = models.ForeignKey(Decision, models.PROTECT, related_name="escalations")
    site = models.ForeignKey("training.Site", models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=20, choices=Reason)
    note = models.CharField(max_length=500, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system raised it (s136 timer)",
    )
    raised_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(max_length=10, choices=Response, blank=True)
    response_note = models.CharField(max_length=1000, blank=True)
    decided_by = models.CharField(
        max_length=16, choices=Level, blank=True, help_text="Who the escalation went to for the answer"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_after_completion = models.BooleanField(
        default=False, help_text="The call was already completed when the supervisor answered"
    )
    reassessment = models.ForeignKey(
        Decision,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The re-assessment a deploy answer opened on a completed no-police decision",
    )

    class Meta:
        ordering = ["raised_at"]
        indexes = [
            models.Index(fields=["answered_at", "raised_at"], name="escalation_open_idx"),
            # the dashboards: escalations raised in a date range
            models.Index(fields=["raised_at"], name="escalation_raised_idx"),
        ]
        constraints = [
            # At most one automatic s136 escalation per decision.
            models.UniqueConstraint(
                fields=["decision"], condition=Q(reason="handover_overdue"), name="escalation_one_overdue"
            ),
            # At most one escalation raised by an +ESCALATE outcome per decision.
            models.UniqueConstraint(
                fields=["decision"], condition=Q(reason="outcome"), name="escalation_one_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.decision})"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None

    @property
    def minutes_to_resolve(self) -> int | None:
        """Whole minutes from raising to answering; None while open."""
        if self.answered_at is None:
            return None
        return int((self.answered_at - self.raised_at).total_seconds() // 60)


class DecisionNote(AppendOnlyModel):
    """A note or correction added after the fact, linked to the original decision."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        CORRECTION = "correction", "Correction"

    decision = models.ForeignKey(Decision, models.PROTECT, related_name="notes")
    kind = models.CharField(max_length=12, choices=Kind, default=Kind.NOTE)
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.decision}"


class HandoverRecord(AppendOnlyModel):
    """s136: what stopped the 60-minute handover clock: the handover, or the duty inspector's decision.

    The clock belongs to the detention, not to the call page: it runs from the decision's arrival
    time until one of these is recorded, even after the call is completed (which is why this is a
    row of its own and not a field of the frozen decision).
    """

    class Kind(models.TextChoices):
        HANDED_OVER = "handed_over", "Handover to health completed"
        INSPECTOR = "inspector", "Duty inspector agreed officers could leave"

    decision = models.OneToOneField(Decision, models.PROTECT, related_name="handover")
    kind = models.CharField(max_length=12, choices=Kind)
    occurred_at = models.DateTimeField(help_text="When the handover or the inspector's decision happened")
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%H:%M} ({self.decision})"


class DecisionAccess(AppendOnlyModel):
    """Who read a decision, when and how: every view of a decision page, every evidence bundle and
    every export of the log (one row naming its filters). Auditors search it.

    The one write a page view makes: it records the reading and changes nothing any page shows.
    """

    class Kind(models.TextChoices):
        PAGE = "page", "Viewed the decision"
        EVIDENCE = "evidence", "Viewed the evidence bundle"
        EVIDENCE_JSON = "evidence_json", "Downloaded the evidence bundle (JSON)"
        EXPORT = "export", "Exported the decision log (CSV)"

    decision = models.ForeignKey(
        Decision,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="accesses",
        help_text="None for an export",
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind)
    at = models.DateTimeField(default=timezone.now)
    detail = models.CharField(max_length=500, blank=True, help_text="An export's filters")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="access_at_idx"),
            models.Index(fields=["user", "-at"], name="access_user_idx"),
            models.Index(fields=["decision", "-at"], name="access_decision_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} {self.at:%d %b %H:%M}"


from toolkit.models.dashboard import DailyCount, DeploymentBaseline  # noqa: E402  (split by feature)
from toolkit.models.review import Review, ReviewItem, ReviewStanding  # noqa: E402  (the review models, split by feature)

__all__ = [
    "DailyCount",
    "Decision",
    "DecisionAccess",
    "DecisionAnswer",
    "DecisionNote",
    "DeploymentBaseline",
    "Escalation",
    "HandoverRecord",
    "Review",
    "ReviewItem",
    "ReviewStanding",
]
