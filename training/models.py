"""Training: sites and the staff roster (more models: courses, sessions, completion, readiness)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Site(models.Model):
    """A MetCC control-room site: Lambeth, Hendon or Bow."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    """A person on the HR roster (imported by staff number). Leavers are deactivated, never deleted.

    `user` links the roster entry to a sign-in account when the person has one; the user's site
    and team are read from here, never copied onto the user.
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
