from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from rcrp.accounts.models import AuditEvent, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    ordering = ["display_name"]
    list_display = ["staff_number", "display_name", "is_active", "is_staff"]
    search_fields = ["staff_number", "display_name"]
    fields = ("staff_number", "display_name", "is_active", "is_staff", "groups", "last_login", "date_joined")
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("groups",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate, never delete


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "action", "actor", "target_label"]
    list_filter = ["action"]
    search_fields = ["target_label", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
