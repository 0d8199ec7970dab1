"""Training settings are checked: a bad value fails `manage.py check` with a clear message."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from training import conf
from training.checks import check_training_settings


def test_the_defaults() -> None:
    assert conf.go_live_date() == date(2023, 11, 1)
    assert conf.weekly_capacity() == 300
    assert conf.session_capacity() == 20
    assert check_training_settings() == []


@override_settings(GO_LIVE_DATE="1 November")
def test_a_bad_go_live_date_is_reported() -> None:
    with pytest.raises(ImproperlyConfigured, match="YYYY-MM-DD"):
        conf.go_live_date()
    (error,) = check_training_settings()
    assert error.id == "training.E001"
    assert "GO_LIVE_DATE must be a date written YYYY-MM-DD, not '1 November'" in error.msg


@override_settings(GO_LIVE_DATE=date(2024, 1, 2), TRAINING_WEEKLY_CAPACITY=0, TRAINING_SESSION_CAPACITY="ten")
def test_capacities_must_be_positive_whole_numbers() -> None:
    assert conf.go_live_date() == date(2024, 1, 2)
    assert [e.msg.split(" must")[0] for e in check_training_settings()] == [
        "TRAINING_WEEKLY_CAPACITY",
        "TRAINING_SESSION_CAPACITY",
    ]
