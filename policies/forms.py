"""Forms of the policy pages: the draft editor, approval, publication, agencies and scenarios."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Fluid, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from policies import flow as engine
from policies.models import Agency, PolicyVersion
from policies.services import AGENCY_FIELDS
from policies.validators import load_json, parse_document_text
from rcrp.accounts.forms import GovDateField

PERSONAL_DATA_HINT = "Do not enter names or other personal details."


def add_service_error(form: forms.Form, error: ValidationError, field: str | None = None) -> None:
    """Put a service's ValidationError on the form: per-field when it names fields, else on `field`."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else field, errors)
    else:
        form.add_error(field, error)


class DraftForm(forms.Form):
    change_summary = forms.CharField(
        label="Change summary",
        help_text="What changes and why, in plain words. Approvers read it; handlers see it "
        "when the version is published.",
        widget=forms.Textarea,
        required=False,
        max_length=4000,
    )
    acknowledgement_required = forms.BooleanField(
        label="Handlers must read and acknowledge this change before their next call",
        required=False,
    )
    document = forms.CharField(
        label="Flow document (JSON)",
        help_text="The questions, answers and outcomes in the flow language (docs/flow-language.md). "
        "Every problem is listed when you save, each naming its question or outcome.",
        widget=forms.Textarea(attrs={"class": "rcrp-json-editor", "spellcheck": "false"}),
        error_messages={"required": "Enter the flow document"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("change_summary", rows=4),
            Field.checkbox("acknowledgement_required"),
            Field.textarea("document", rows=30),
            Button("save", "Save draft"),
        )

    def clean_document(self) -> dict[str, Any]:
        return parse_document_text(self.cleaned_data["document"])


class ApproveForm(forms.Form):
    legal_clearance_ref = forms.CharField(
        label="Legal clearance reference",
        help_text="The reference of the legal services clearance for this version",
        max_length=100,
        error_messages={"required": "Enter the legal clearance reference"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_clearance_ref"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("legal_clearance_ref", field_width=Fluid.ONE_HALF),
            Button("approve", "Approve this version"),
        )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Why is it going back to draft?",
        help_text="The author reads this. " + PERSONAL_DATA_HINT,
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Say why the version is going back to draft"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.textarea("reason", rows=4), Button.secondary("return", "Return to draft")
        )


class PublishForm(forms.Form):
    NOW = "now"
    LATER = "later"
    when = forms.ChoiceField(
        label="When should this version take effect?",
        choices=[
            Choice(NOW, "Now", hint="The current version is retired at once"),
            Choice(LATER, "At a later date and time", hint="It stays approved until then, then is published"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select when this version should take effect"},
    )
    effective_date = GovDateField(
        label="Date it takes effect",
        help_text="Only if later. For example, 1 11 2026",
        required=False,
        require_all_fields=False,
    )
    effective_time = forms.CharField(
        label="Time it takes effect",
        help_text="Only if later. 24-hour clock, for example 07:00",
        required=False,
        max_length=5,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_time"].widget.attrs.update(autocomplete="off", inputmode="numeric")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("when", legend_size=Size.MEDIUM),
            Field("effective_date"),
            Field.text("effective_time", field_width=5),
            Button("publish", "Publish"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("when") != self.LATER:
            data["effective_from"] = None
            return data
        day = data.get("effective_date")
        raw_time = (data.get("effective_time") or "").strip()
        if not day and "effective_date" not in self.errors:
            self.add_error("effective_date", "Enter the date it takes effect")
        try:
            hours, minutes = (int(part) for part in raw_time.replace(".", ":").split(":"))
            at = time(hours, minutes)
        except ValueError:
            self.add_error("effective_time", "Enter the time in 24-hour format, like 07:00")
            return data
        if day:
            effective = timezone.make_aware(datetime.combine(day, at))
            if effective <= timezone.now():
                self.add_error("effective_date", "The date and time must be in the future, or choose Now")
            data["effective_from"] = effective
        return data


class DiffForm(forms.Form):
    old = forms.TypedChoiceField(label="Compare version", coerce=int)
    new = forms.TypedChoiceField(label="with version", coerce=int)

    def __init__(self, *args: Any, versions: list[PolicyVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v.number, f"Version {v.number} ({v.get_status_display().lower()})") for v in versions]
        for name in ("old", "new"):
            self.fields[name].choices = choices
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(Field.select("old"), Field.select("new"), Button("compare", "Compare"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("old") is not None and data.get("old") == data.get("new"):
            self.add_error("new", "Choose two different versions")
        return data


class AgencyForm(forms.ModelForm):
    effective_from = GovDateField(
        label="In force from", help_text="For example, 1 11 2023", require_all_fields=False
    )
    effective_to = GovDateField(
        label="In force until (optional)",
        help_text="The last day the agency can be used. Leave blank while it runs.",
        required=False,
        require_all_fields=False,
    )

    class Meta:
        model = Agency
        fields = ["key", *AGENCY_FIELDS]
        labels = {
            "key": "Key",
            "name": "Name",
            "kind": "Kind of service",
            "contact": "How to contact them",
            "transfer": "How to transfer a caller",
            "hours": "Hours",
            "coverage": "Coverage",
            "notes": "Notes",
        }
        help_texts = {
            "key": "Lower-case letters, numbers and underscores. Flows name the agency by this key; "
            "it never changes.",
            "kind": "For example mental_health, ambulance, social_care",
            "coverage": "Which boroughs or areas",
        }
        widgets = {"notes": forms.Textarea, "contact": forms.Textarea, "transfer": forms.Textarea}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if editing:
            del self.fields["key"]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *([] if editing else [Field.text("key", field_width=Fluid.ONE_THIRD)]),
            Field.text("name"),
            Field.text("kind", field_width=Fluid.ONE_THIRD),
            Field.textarea("contact", rows=2),
            Field.textarea("transfer", rows=2),
            Field.text("hours", field_width=Fluid.ONE_HALF),
            Field.text("coverage"),
            Field("effective_from"),
            Field("effective_to"),
            Field.textarea("notes", rows=4),
            Button("save", "Save agency"),
        )

    def clean_key(self) -> str:
        key: str = self.cleaned_data["key"]
        if key == "new":
            raise ValidationError("Choose another key: 'new' is reserved")
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            self.add_error("effective_to", "The last day must be the same as or after the first day")
        return data

    def _get_validation_exclusions(self) -> Any:
        # The date-order constraint is checked in clean() with a plain message.
        return super()._get_validation_exclusions() | {"effective_to"}

    def values(self) -> dict[str, Any]:
        """The cleaned values for the services (without the key)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "key"}


class ScenarioForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120, error_messages={"required": "Enter a name"})
    description = forms.CharField(
        label="What happens", widget=forms.Textarea, required=False, help_text=PERSONAL_DATA_HINT
    )
    caller_type = forms.CharField(
        label="Caller type",
        max_length=40,
        required=False,
        help_text="For example public or partner:nhs_trust",
    )
    answers = forms.CharField(
        label="Answers by question id (JSON)",
        help_text='For example {"q_immediate_danger": "no", "q_checks": ["address", "pnc"]}',
        widget=forms.Textarea(attrs={"class": "rcrp-json-editor", "spellcheck": "false"}),
        error_messages={"required": "Enter the answers"},
    )
    expected_category = forms.ChoiceField(
        label="Expected outcome category",
        choices=[("", "Choose a category"), *[(str(c), c.label) for c in engine.CATEGORIES]],
        error_messages={"required": "Choose the expected outcome category"},
    )
    expected_agency = forms.ChoiceField(label="Expected agency", required=False)
    expected_outcome = forms.CharField(label="Expected outcome id (optional)", max_length=64, required=False)
    first_version = forms.IntegerField(label="Applies from version", min_value=1, initial=1)
    last_version = forms.IntegerField(
        label="Applies until version (optional)",
        min_value=1,
        required=False,
        help_text="End a scenario at the last version it describes when a policy change alters the case",
    )

    def __init__(self, *args: Any, agency_keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expected_agency"].choices = [("", "No agency"), *[(k, k) for k in agency_keys]]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("name"),
            Field.textarea("description", rows=3),
            Field.text("caller_type", field_width=Fluid.ONE_THIRD),
            Field.textarea("answers", rows=8),
            Fieldset(
                Field.select("expected_category"),
                Field.select("expected_agency"),
                Field.text("expected_outcome", field_width=Fluid.ONE_HALF),
                legend="What it must reach",
                legend_size=Size.MEDIUM,
            ),
            Field.text("first_version", field_width=4),
            Field.text("last_version", field_width=4),
            Button("save", "Save scenario"),
        )

    def clean_answers(self) -> dict[str, Any]:
        answers = load_json(self.cleaned_data["answers"], "The answers")
        if not isinstance(answers, dict) or not answers:
            raise ValidationError('Give the answers as a JSON object, like {"q_id": "answer"}')
        return answers

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("first_version"), data.get("last_version")
        if first and last and last < first:
            self.add_error("last_version", "The last version must not be before the first")
        return data
