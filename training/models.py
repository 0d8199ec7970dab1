"""Training: sites, the staff roster, courses, sessions, bookings, completion, policy-change
acknowledgements and the post-go-live floor-walker rota and support log."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from rcrp.accounts.models import AppendOnlyModel


class AuditAction(models.TextChoices):
    """Audit actions written by training services ("<app>.<entity>.<verb>")."""

    ROSTER_IMPORTED = "training.roster.imported", "Staff roster imported"
    STAFF_DEACTIVATED = "training.staff.deactivated", "Staff member deactivated"
    STAFF_REACTIVATED = "training.staff.reactivated", "Staff member reactivated"
    COURSE_CREATED = "training.course.created", "Course version created"
    COURSE_MADE_CURRENT = "training.course.made_current", "Course version made current"
    SESSION_CREATED = "training.session.created", "Training session created"
    BOOKING_CREATED = "training.booking.created", "Staff member booked"
    BOOKING_CANCELLED = "training.booking.cancelled", "Booking cancelled"
    ATTENDANCE_RECORDED = "training.attendance.recorded", "Attendance recorded"
    RECORD_COMPLETED = "training.record.completed", "Course completed"
    RECORD_WITHDRAWN = "training.record.withdrawn", "Completion withdrawn"
    ACKNOWLEDGEMENT_RECORDED = "training.acknowledgement.recorded", "Policy change acknowledged"
    ROTA_ASSIGNED = "training.rota.assigned", "Floor walker put on the rota"
    ROTA_REMOVED = "training.rota.removed", "Floor walker taken off the rota"
    PLAN_CHANGED = "training.rotaplan.changed", "Floor-walker plan changed"
    SUPPORT_RECORDED = "training.support.recorded", "Floor-walker support recorded"
    SITE_SWITCHED_ON = "training.site.switched_on", "RCRP switched on at a site"
    SITE_SWITCHED_OFF = "training.site.switched_off", "RCRP switched off at a site"
    SUPPORT_BUDGET_ENTERED = "training.supportbudget.entered", "Support budget figures entered"
    RECORD_COMPLETED_OUTSIDE_SESSION = (
        "training.record.recorded_outside_session",
        "Completion recorded outside a session",
    )
    STAFF_ACCOUNT_LINKED = "training.staff.linked", "Roster entry linked to a sign-in account"
    COURSE_PRACTICE_CHANGED = "training.course.practice_changed", "Course practice requirement changed"


class Shift(models.TextChoices):
    """The three MetCC shifts; floor walkers are planned per site and shift."""

    EARLY = "early", "Early"
    LATE = "late", "Late"
    NIGHT = "night", "Night"


class Site(models.Model):
    """A MetCC control-room site: Lambeth, Hendon or Bow.

    `live_from` is when RCRP went live there (null: not live yet, so its handlers use practice
    mode and the deploy override only). Only `site_go_live_set` changes it, and each change is a
    SiteGoLive row. Sites that existed before site-by-site go-live were made live by migration.
    """

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    live_from = models.DateTimeField(
        null=True, blank=True, help_text="When RCRP went live at this site (empty: not live yet)"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_live(self) -> bool:
        return self.live_from is not None


class SiteGoLive(AppendOnlyModel):
    """RCRP switched on (or off) at a site, with the trained share of the current course at that
    moment (the readiness page's figures) and the threshold then in force. Append-only: the
    history of a site's go-live. `by` is empty only for the migration that made the sites that
    existed before site-by-site go-live live.
    """

    site = models.ForeignKey(Site, models.PROTECT, related_name="go_live_history")
    live = models.BooleanField(help_text="Switched on (true) or off (false)")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    trained_share = models.DecimalField(
        max_digits=4, decimal_places=1, help_text="Percent of the site's current staff trained"
    )
    trained = models.PositiveIntegerField()
    staff = models.PositiveIntegerField()
    threshold_percent = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "site go-live change"

    def __str__(self) -> str:
        return f"{self.site} {'on' if self.live else 'off'} at {self.trained_share}% trained"


class StaffMember(models.Model):
    """A person on the HR roster (imported by staff number). Leavers are deactivated, never deleted.

    `user` links the roster entry to a sign-in account when the person has one; the user's site
    and team are read from here, never copied onto the user. `team` is the team or shift pattern.
    """

    staff_number = models.CharField(max_length=20, unique=True)
    full_name = models.CharField(max_length=150)
    site = models.ForeignKey(Site, models.PROTECT, related_name="staff")
    role = models.CharField(max_length=60)
    team = models.CharField(max_length=60, blank=True)
    active = models.BooleanField(default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="staff_record"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name"]
        indexes = [models.Index(fields=["site", "active", "role", "team"], name="staff_site_role_team_idx")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.staff_number})"


class CourseQuerySet(models.QuerySet["Course"]):
    def current(self) -> Course | None:
        return self.filter(is_current=True).first()


class Course(models.Model):
    """One version of the RCRP course. Exactly one version is current: the gate and the
    readiness figures count completions of that version only."""

    title = models.CharField(max_length=200)
    version = models.PositiveIntegerField(unique=True)
    duration_minutes = models.PositiveSmallIntegerField(
        default=210, validators=[MinValueValidator(15), MaxValueValidator(600)]
    )
    policy_versions = models.ManyToManyField(
        "policies.PolicyVersion",
        blank=True,
        related_name="courses",
        help_text="The policy versions this course teaches",
    )
    is_current = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    practice_set = models.ForeignKey(
        "training.PracticeSet",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        help_text="The practice calls that go with this course",
    )
    requires_practice = models.BooleanField(
        default=False, help_text="A completion needs the practice set passed first"
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="course_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @property
    def duration_label(self) -> str:
        hours, minutes = divmod(self.duration_minutes, 60)
        if not minutes:
            return f"{hours} hour{'s' if hours != 1 else ''}"
        return f"{hours} h {minutes} min" if hours else f"{minutes} min"


class TrainingSession(models.Model):
    """A scheduled sitting of a course at a site, with a trainer and a number of places."""

    course = models.ForeignKey(Course, models.PROTECT, related_name="sessions")
    site = models.ForeignKey(Site, models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(200)])
    room = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "site__name"]
        indexes = [
            # "sessions at this site from date X" (session list, free places per site)
            models.Index(fields=["site", "starts_at"], name="session_site_start_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive")]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.site.name}, {local:%a %d %b %Y %H:%M}"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.course.duration_minutes)


class Booking(models.Model):
    """A staff member's place on a session and what happened (attendance and completion).

    A staff member has at most one open (BOOKED) booking at a time, and one booking per session
    (a cancelled one is reopened rather than duplicated). Every status except CANCELLED takes a
    place. A no-show stays on its session as NO_SHOW; rebooking makes a new booking elsewhere.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        COMPLETED = "completed", "Completed"
        ATTENDED = "attended", "Attended, not completed"
        NO_SHOW = "no_show", "Did not attend"
        CANCELLED = "cancelled", "Cancelled"

    session = models.ForeignKey(TrainingSession, models.PROTECT, related_name="bookings")
    staff = models.ForeignKey(StaffMember, models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=12, choices=Status, default=Status.BOOKED)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["staff__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "staff"], name="booking_once_per_session"),
            models.UniqueConstraint(fields=["staff"], condition=Q(status="booked"), name="booking_one_open"),
        ]
        indexes = [
            # readiness "booked" and the no-shows list: bookings of a staff member by status
            models.Index(fields=["staff", "status"], name="booking_staff_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} on {self.session}"


class Completion(models.Model):
    """A staff member completed a course: when, at which session and with which trainer.

    `route` says how: at a session (with `session` set), or recorded by a trainer outside a
    session (trained elsewhere, or another route) with `evidence_note` saying what shows it.
    History-tracked (django-simple-history): a completion withdrawn by a trainer's correction is
    deleted, and its history keeps the record of who recorded and withdrew it.
    """

    class Route(models.TextChoices):
        SESSION = "session", "At a training session"
        ELSEWHERE = "elsewhere", "Trained elsewhere (another force or organisation)"
        OTHER = "other", "Another route (for example one-to-one or e-learning)"

    staff = models.ForeignKey(StaffMember, models.PROTECT, related_name="completions")
    course = models.ForeignKey(Course, models.PROTECT, related_name="completions")
    session = models.ForeignKey(
        TrainingSession, models.PROTECT, null=True, blank=True, related_name="completions"
    )
    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    completed_on = models.DateField()
    # "other" by default: only the attendance service (and the demo) record a session's completions.
    route = models.CharField(max_length=10, choices=Route, default=Route.OTHER)
    evidence_note = models.TextField(blank=True, help_text="What shows a completion outside a session")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "course"], name="completion_once_per_course"),
            # a completion "at a training session" names the session
            models.CheckConstraint(
                condition=~Q(route="session") | Q(session__isnull=False), name="completion_session_route"
            ),
        ]
        indexes = [
            # completions per week for the readiness chart
            models.Index(fields=["course", "completed_on"], name="completion_course_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} completed {self.course} on {self.completed_on:%d %b %Y}"


class PolicyAcknowledgement(AppendOnlyModel):
    """A user read a policy version's change summary and acknowledged it. Append-only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="policy_acknowledgements")
    policy_version = models.ForeignKey(
        "policies.PolicyVersion", models.PROTECT, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "policy_version"], name="acknowledgement_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} acknowledged {self.policy_version}"


class RotaPlanPeriod(models.Model):
    """From `starts_on` until the next period: how many floor walkers each site needs per shift.

    At go-live 2 per site per shift (18 a day across 3 sites x 3 shifts), tapering over six
    months to a plan the administrator enters; 0 ends floor-walker support.
    """

    starts_on = models.DateField(unique=True)
    walkers_per_shift = models.PositiveSmallIntegerField(validators=[MaxValueValidator(20)])
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return f"From {self.starts_on:%d %b %Y}: {self.walkers_per_shift} per site per shift"


class RotaAssignment(models.Model):
    """A floor walker on the rota for one shift at one site on one day."""

    date = models.DateField()
    site = models.ForeignKey(Site, models.PROTECT, related_name="rota")
    shift = models.CharField(max_length=8, choices=Shift)
    floor_walker = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="rota_assignments"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "site__name", "shift"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "site", "shift", "floor_walker"], name="rota_once_per_shift"
            ),
            # a floor walker is on one site's shift at a time
            models.UniqueConstraint(fields=["date", "shift", "floor_walker"], name="rota_one_site_per_shift"),
        ]
        indexes = [models.Index(fields=["date"], name="rota_date_idx")]

    def __str__(self) -> str:
        return f"{self.floor_walker} at {self.site} on {self.date:%d %b %Y} ({self.get_shift_display()})"


class SupportLogEntry(models.Model):
    """Support a floor walker gave a handler; `decision_reference` names a toolkit decision
    (its reference string) without a foreign key, because training never imports the toolkit."""

    class Topic(models.TextChoices):
        ELEMENT = "element", "Choosing the RCRP element"
        QUESTIONS = "questions", "Answering the questions"
        OUTCOME = "outcome", "Outcome, script or signposting"
        PARTNER = "partner", "Partner agency dispute or escalation"
        OVERRIDE = "override", "Deploy override"
        TOOLKIT = "toolkit", "Using the toolkit"
        OTHER = "other", "Something else"

    occurred_at = models.DateTimeField(default=timezone.now)
    floor_walker = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    handler = models.ForeignKey(StaffMember, models.PROTECT, related_name="support_entries")
    site = models.ForeignKey(Site, models.PROTECT, related_name="support_entries")
    shift = models.CharField(max_length=8, choices=Shift)
    topic = models.CharField(max_length=12, choices=Topic)
    notes = models.TextField(blank=True)
    decision_reference = models.CharField("linked decision", max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "support log entries"
        indexes = [
            # the supervisors' summary: entries since a date, by site
            models.Index(fields=["occurred_at"], name="support_occurred_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_topic_display()} for {self.handler} ({self.occurred_at:%d %b %Y})"


class SupportBudget(AppendOnlyModel):
    """The post-go-live support budget as an administrator entered it: the newest row applies,
    earlier rows are its history. Floor walkers cost `day_rate` a day (one floor walker on one
    shift is one day); the senior consultant for challenges and escalations is a line of its own
    (`consultant_days_per_week` at `consultant_day_rate` from the plan's start to `plan_ends_on`).
    """

    total = models.DecimalField(
        "budget", max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )
    day_rate = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )
    consultant_day_rate = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    consultant_days_per_week = models.DecimalField(
        max_digits=2,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("7"))],
    )
    plan_ends_on = models.DateField(help_text="The last day of post-go-live support")
    note = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-entered_at", "-id"]

    def __str__(self) -> str:
        return (
            f"Support budget £{self.total:,.0f} at £{self.day_rate:,.0f} a day ({self.entered_at:%d %b %Y})"
        )


from training.practice_models import (  # noqa: E402  (the practice models, split by feature)
    PracticeCard,
    PracticeResult,
    PracticeSet,
    PracticeSetCard,
)

__all__ = [
    "AuditAction",
    "Booking",
    "Completion",
    "Course",
    "PolicyAcknowledgement",
    "PracticeCard",
    "PracticeResult",
    "PracticeSet",
    "PracticeSetCard",
    "RotaAssignment",
    "RotaPlanPeriod",
    "Shift",
    "Site",
    "SiteGoLive",
    "StaffMember",
    "SupportBudget",
    "SupportLogEntry",
    "TrainingSession",
]
