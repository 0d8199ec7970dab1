"""Read-only admin: every change to policy goes through the policy pages (services, audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from policies.models import Agency, Element, PolicyScenario, PolicyVersion


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Element)
class ElementAdmin(ReadOnlyAdmin):
    list_display = ("title", "slug", "order")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ("element", "number", "status", "created_by", "approved_by", "published_at")
    list_filter = ("element", "status")
    list_select_related = ("element", "created_by", "approved_by")
    exclude = ("document",)


@admin.register(PolicyScenario)
class PolicyScenarioAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "element",
        "expected_category",
        "expected_agency",
        "first_version",
        "last_version",
    )
    list_filter = ("element", "expected_category")


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ("name", "key", "kind", "effective_from", "effective_to")
    search_fields = ("name", "key")
