"""System checks: a bad training setting fails `manage.py check` (and startup) loudly."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from training import conf


@register()
def check_training_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    for reader in (
        conf.go_live_date,
        conf.weekly_capacity,
        conf.session_capacity,
        conf.go_live_threshold_percent,
    ):
        try:
            reader()
        except ImproperlyConfigured as error:
            errors.append(Error(str(error), id="training.E001"))
    return errors
