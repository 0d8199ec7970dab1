"""Read-only admin views of training data: every change goes through the training pages, whose
services write the audit rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from training.models import (
    Booking,
    Completion,
    Course,
    PolicyAcknowledgement,
    RotaAssignment,
    RotaPlanPeriod,
    Site,
    SiteGoLive,
    StaffMember,
    SupportBudget,
    SupportLogEntry,
    TrainingSession,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):  # type: ignore[type-arg]
    pass


@admin.register(Site)
class SiteAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "live_from"]


@admin.register(SiteGoLive)
class SiteGoLiveAdmin(ReadOnlyAdmin):
    list_display = ["at", "site", "live", "trained_share", "threshold_percent", "by"]
    list_filter = ["site", "live"]
    list_select_related = ["site", "by"]


@admin.register(SupportBudget)
class SupportBudgetAdmin(ReadOnlyAdmin):
    list_display = ["entered_at", "total", "day_rate", "plan_ends_on", "entered_by"]
    list_select_related = ["entered_by"]


@admin.register(StaffMember)
class StaffMemberAdmin(ReadOnlyHistoryAdmin):
    list_display = ["staff_number", "full_name", "site", "role", "team", "active"]
    list_filter = ["site", "active", "role"]
    search_fields = ["staff_number", "full_name"]
    list_select_related = ["site"]


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ["title", "version", "duration_minutes", "is_current"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    list_display = ["starts_at", "site", "trainer", "capacity"]
    list_filter = ["site"]
    list_select_related = ["site", "trainer"]


@admin.register(Booking)
class BookingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["staff", "session", "status"]
    list_filter = ["status"]
    search_fields = ["staff__staff_number", "staff__full_name"]
    list_select_related = ["staff", "session__site"]


@admin.register(Completion)
class CompletionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["staff", "course", "completed_on", "route", "trainer"]
    search_fields = ["staff__staff_number", "staff__full_name"]
    list_select_related = ["staff", "course", "trainer"]


@admin.register(PolicyAcknowledgement)
class PolicyAcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["user", "policy_version", "acknowledged_at"]
    list_select_related = ["user", "policy_version__element"]


@admin.register(RotaPlanPeriod)
class RotaPlanPeriodAdmin(ReadOnlyAdmin):
    list_display = ["starts_on", "walkers_per_shift", "note"]


@admin.register(RotaAssignment)
class RotaAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["date", "site", "shift", "floor_walker"]
    list_filter = ["site", "shift"]
    list_select_related = ["site", "floor_walker"]


@admin.register(SupportLogEntry)
class SupportLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "site", "shift", "topic", "handler", "floor_walker"]
    list_filter = ["site", "topic", "shift"]
    list_select_related = ["site", "handler", "floor_walker"]
