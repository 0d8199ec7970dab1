"""`{{ moment|zone }}`: GMT or BST (the zone's abbreviation) of an aware datetime in London time.

Django's own "T" and "e" formats print nothing for a time in October's repeated hour (they call
it ambiguous), which is exactly when a record needs it: 01:59:30 BST is followed by 01:00:30 GMT.
Converting from UTC gives the right one (zoneinfo's `fold`), so this filter always names it.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def zone(value: object) -> str:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        return ""
    return timezone.localtime(value).tzname() or ""
