from __future__ import annotations

from datetime import date
from typing import Any

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct staff number and password",
        "inactive": "This account is inactive. Ask your supervisor to reactivate it",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Staff number"
        self.fields["username"].error_messages["required"] = "Enter your staff number"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update(autocomplete="username", spellcheck="false")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("username", field_width=Fluid.ONE_THIRD),
            Field.text("password", field_width=Fluid.ONE_THIRD),
            Button("submit", "Sign in"),
        )


# --- Dates ------------------------------------------------------------------------------------------
# Every date a person types is between these years: far enough for any record or plan of ours, and
# far from Python's limits (year 9999), so "the day after" or "the end of the week" never overflows.
FIRST_YEAR = 1900
LAST_YEAR = 2999


YEAR_OUT_OF_RANGE = f"Enter a year between {FIRST_YEAR} and {LAST_YEAR}"


def validate_year_in_range(value: date) -> None:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(YEAR_OUT_OF_RANGE, code="year_out_of_range")


class GovDateField(DateInputField):
    """The GOV.UK date input (day, month, year boxes) that also refuses a year no calendar can hold:
    crispy-forms-gds builds the date with `date(...)`, which raises OverflowError, not ValueError,
    for a year like 2147483648, and would accept 9999 (the day after 31 December 9999 overflows)."""

    def compress(self, data_list: Any) -> date | None:
        day, month, year = data_list
        if not (day and month and year):
            return None
        if len(year) > 4 or not FIRST_YEAR <= int(year) <= LAST_YEAR:
            raise ValidationError(
                f"Enter a year between {FIRST_YEAR} and {LAST_YEAR}", code="year_out_of_range"
            )
        try:
            return date(day=int(day[:4]), month=int(month[:4]), year=int(year))
        except (ValueError, OverflowError) as error:
            raise ValidationError("Enter a real date, for example 21 8 2023", code="invalid") from error


class IsoDateField(forms.DateField):
    """A date typed as YYYY-MM-DD (an <input type="date">), kept between FIRST_YEAR and LAST_YEAR."""

    default_validators = [validate_year_in_range]

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, str) and len(value.strip()) > 32:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return super().to_python(value)
        except OverflowError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


def parse_iso_date(raw: str | None) -> date | None:
    """A YYYY-MM-DD query value as a date between FIRST_YEAR and LAST_YEAR, or None."""
    try:
        value = date.fromisoformat((raw or "")[:32])
    except (ValueError, OverflowError):
        return None
    return value if FIRST_YEAR <= value.year <= LAST_YEAR else None
