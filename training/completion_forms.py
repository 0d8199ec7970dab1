"""Forms on a person's roster page: a completion recorded outside a session, and linking the
roster entry to a sign-in account by hand."""

from __future__ import annotations

from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Layout, Size
from django import forms
from django.core.exceptions import ValidationError

from rcrp.accounts.forms import GovDateField
from rcrp.accounts.models import User
from training.models import Course
from training.selectors import account_get_by_staff_number
from training.services.completions import EVIDENCE_MAX, OUTSIDE_SESSION


class OutsideCompletionForm(forms.Form):
    course = forms.ModelChoiceField(label="Course", queryset=Course.objects.none(), empty_label=None)
    completed_on = GovDateField(
        label="Date they completed it", help_text="For example, 21 8 2023", require_all_fields=False
    )
    route = forms.ChoiceField(
        label="How did they complete it?",
        choices=[(route.value, route.label) for route in OUTSIDE_SESSION],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they completed the course"},
    )
    evidence_note = forms.CharField(
        label="Evidence",
        help_text="What shows they completed it: for example the certificate, or who trained them and where",
        max_length=EVIDENCE_MAX,
        widget=forms.Textarea,
        error_messages={"required": "Say what shows they completed the course, for example a certificate"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = Course.objects.order_by("-is_current", "-version")
        self.fields["course"].queryset = courses
        current = next((c for c in courses if c.is_current), None)
        if current is not None:
            self.fields["course"].initial = current.pk
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("course"),
            Field("completed_on"),
            Field.radios("route", legend_size=Size.SMALL, small=True),
            Field.textarea("evidence_note", rows=3, max_characters=EVIDENCE_MAX),
            Button("submit", "Record the completion"),
        )


class LinkAccountForm(forms.Form):
    account = forms.CharField(
        label="Staff number of their sign-in account",
        help_text="The staff number they sign in with, where it differs from the roster's",
        max_length=20,
        error_messages={"required": "Enter the staff number they sign in with"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("account", field_width=Fixed.TEN), Button("submit", "Link account")
        )

    def clean_account(self) -> User:
        number = self.cleaned_data["account"].strip()
        user = account_get_by_staff_number(staff_number=number)
        if user is None:
            raise ValidationError(f"There is no sign-in account with the staff number {number}")
        return user
