"""Users and the append-only audit table."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

staff_number_validator = RegexValidator(
    r"^[A-Za-z0-9._-]{1,20}$",
    "Enter a staff number using letters, numbers, dots, dashes or underscores (up to 20 characters)",
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, staff_number: str, password: str | None = None, **extra: Any) -> User:
        if not staff_number:
            raise ValueError("A staff number is required")
        user = self.model(staff_number=staff_number, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, staff_number: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(staff_number, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Sites and teams live on the training roster, not here.

    Users are deactivated, never deleted: decisions and audit rows point at them with PROTECT.
    """

    staff_number = models.CharField(
        "staff number", max_length=20, unique=True, validators=[staff_number_validator]
    )
    display_name = models.CharField("display name", max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("can use the admin site", default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "staff_number"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["display_name"]

    class Meta:
        ordering = ["display_name"]
        # Coarse "area" permissions that roles grant (rcrp/accounts/roles.py). Views check these.
        permissions = [
            ("take_calls", "Can take RCRP calls"),
            ("supervise_calls", "Can supervise calls and answer escalations"),
            ("support_floor", "Can support handlers on the floor"),
            ("manage_training", "Can manage training"),
            ("manage_policies", "Can draft and approve policy"),
            ("audit_decisions", "Can read every decision (read-only)"),
            ("manage_service", "Can configure the service (baselines, site go-live, support budget)"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.staff_number})"

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def role_names(self) -> list[str]:
        """The user's roles; read with their permissions when a permission was checked (RoleBackend)."""
        cached = getattr(self, "_role_names", None)
        if cached is None:
            self.get_all_permissions()
            cached = getattr(self, "_role_names", None)
        return cached if cached is not None else sorted(g.name for g in self.groups.all())


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Refuses bulk updates and deletes (append-only tables)."""

    def update(self, **kwargs: Any) -> int:
        raise ValidationError("This record is append-only and cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValidationError("This record is append-only and cannot be deleted.")


class AppendOnlyModel(models.Model):
    """Rows can be inserted, never updated or deleted (a PostgreSQL trigger backs this up)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValidationError("This record is append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError("This record is append-only and cannot be deleted.")


class AuditEvent(AppendOnlyModel):
    """Who did what, to what, when, with old and new values. Written only by audit_event_record().

    `action` is "<app>.<entity>.<past-tense verb>", e.g. "policies.version.published"; each app
    declares its actions as TextChoices. The target is named by `target_type` ("app.model") and
    `target_id` rather than by foreign keys to every app's models, so accounts depends on no app;
    `subject_user` is a real foreign key because users live here. `request_id` groups the rows one
    request wrote. Example: a publish writes action="policies.version.published",
    target_type="policies.policyversion", target_id="12", data={"old": 11, "new": 12}.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    subject_user = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.UUIDField(null=True, blank=True, default=None)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # "what happened to this object" on audit pages
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"
