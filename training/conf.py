"""Training settings, read and checked in one place (rcrp/settings.py reads the environment)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_GO_LIVE = "2023-11-01"
DEFAULT_GO_LIVE_THRESHOLD = 90


def go_live_date() -> date:
    """GO_LIVE_DATE (YYYY-MM-DD): the day RCRP goes live, that readiness is measured against."""
    raw = getattr(settings, "GO_LIVE_DATE", DEFAULT_GO_LIVE)
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ImproperlyConfigured(f"GO_LIVE_DATE must be a date written YYYY-MM-DD, not {raw!r}") from None


def weekly_capacity() -> int:
    """TRAINING_WEEKLY_CAPACITY: training places a week across all sites (planned)."""
    return _positive("TRAINING_WEEKLY_CAPACITY", 300)


def session_capacity() -> int:
    """TRAINING_SESSION_CAPACITY: places in a typical session (new sessions and "sessions needed")."""
    return _positive("TRAINING_SESSION_CAPACITY", 20)


def go_live_threshold_percent() -> int:
    """GO_LIVE_THRESHOLD_PERCENT: the share of a site's current staff (percent, 1 to 100) who should
    have completed the current course before RCRP goes live there. An administrator may switch a
    site on below it, with an explicit confirmation and a note."""
    value = getattr(settings, "GO_LIVE_THRESHOLD_PERCENT", DEFAULT_GO_LIVE_THRESHOLD)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100:
        raise ImproperlyConfigured(
            f"GO_LIVE_THRESHOLD_PERCENT must be a whole number from 1 to 100, not {value!r}"
        )
    return value


def _positive(name: str, default: int) -> int:
    value = getattr(settings, name, default)
    if not isinstance(value, int) or value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of 1 or more, not {value!r}")
    return value
