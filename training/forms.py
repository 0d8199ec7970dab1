"""Training forms: input shape and GOV.UK layout (crispy-forms-gds). Business rules live in services."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Fixed, Fluid, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from policies.models import PolicyVersion
from rcrp.accounts.forms import GovDateField
from rcrp.accounts.models import User
from training import conf
from training.models import Course, PracticeSet, Shift, Site, StaffMember, SupportLogEntry
from training.selectors import ACTIVE_CHOICES, STATUS_CHOICES
from training.services.support import DECISION_REFERENCE

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
STAFF_NUMBER_SPLIT = re.compile(r"[\s,;]+")


def number_input() -> forms.TextInput:
    """GOV.UK asks for whole numbers with a text input and a numeric keyboard, not type=number."""
    return forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"})


class UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        return f"{obj.display_name} ({obj.staff_number})"


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label="Upload the HR roster file",
        help_text=(
            "A CSV file saved as UTF-8, with a header row naming the columns staff_number, full_name, "
            "site, role and team. Other columns are ignored."
        ),
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )
    partial = forms.BooleanField(
        label="If some rows are wrong, import the good rows anyway and list the rest",
        required=False,
    )
    deactivate_missing = forms.BooleanField(
        label="Deactivate staff who are not in this file (leavers)",
        help_text="Only when the file is the complete roster. Leavers are never deleted.",
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("file"),
            Field.checkbox("partial", small=True),
            Field.checkbox("deactivate_missing", small=True),
            Button("submit", "Check and import"),
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The selected file must be smaller than 5 MB")
        return upload


class RosterFilterForm(forms.Form):
    q = forms.CharField(label="Name or staff number", required=False, max_length=150)
    site = forms.ChoiceField(label="Site", required=False)
    role = forms.ChoiceField(label="Role", required=False)
    team = forms.ChoiceField(label="Team or shift pattern", required=False)
    status = forms.ChoiceField(label="Training", required=False, choices=STATUS_CHOICES)
    active = forms.ChoiceField(label="Show", required=False, choices=ACTIVE_CHOICES)

    def __init__(
        self, *args: Any, sites: list[Site], roles: list[str], teams: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "All sites"), *((s.slug, s.name) for s in sites)]
        self.fields["role"].choices = [("", "All roles"), *((r, r) for r in roles)]
        self.fields["team"].choices = [("", "All teams"), *((t, t) for t in teams)]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("q"),
            Field.select("site"),
            Field.select("role"),
            Field.select("team"),
            Field.select("status"),
            Field.select("active"),
            Button("filter", "Apply filters", css_class="govuk-button--secondary"),
        )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"active": "active"}
        data = {k: (v or "") for k, v in self.cleaned_data.items()}
        data["active"] = data["active"] or "active"
        return data


class PracticeSetChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: PracticeSet) -> str:  # type: ignore[override]
        return f"{obj.title} (pass mark {obj.pass_mark})"


def practice_fields() -> dict[str, forms.Field]:
    """The course's practice set and whether completing the course needs it passed."""
    return {
        "practice_set": PracticeSetChoiceField(
            label="Practice set (optional)",
            queryset=PracticeSet.objects.order_by("title", "pk"),
            required=False,
            empty_label="No practice set",
            help_text="The practice calls on the real flows that go with this course",
        ),
        "requires_practice": forms.BooleanField(
            label="Completing the course needs the practice set passed",
            help_text="Nobody can be recorded as completing it until they have passed the set's pass mark",
            required=False,
        ),
    }


def clean_practice(form: forms.Form) -> None:
    data = form.cleaned_data
    if data.get("requires_practice") and not data.get("practice_set") and "practice_set" not in form.errors:
        form.add_error(
            "practice_set", "Choose the practice set that must be passed, or untick the requirement"
        )


class CoursePracticeForm(forms.Form):
    """The practice set of an existing course version, and whether a completion needs it passed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(practice_fields())
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("practice_set"),
            Field.checkbox("requires_practice", small=True),
            Button("submit", "Save the practice requirement"),
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        clean_practice(self)
        return self.cleaned_data


class CourseForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200, initial="RCRP course")
    version = forms.IntegerField(label="Version", min_value=1, widget=number_input())
    duration_minutes = forms.IntegerField(
        label="Length in minutes",
        min_value=15,
        max_value=600,
        initial=210,
        help_text="For example, 210 for 3½ hours",
        widget=number_input(),
    )
    policy_versions = forms.ModelMultipleChoiceField(
        label="Policy versions this course covers",
        queryset=PolicyVersion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    make_current = forms.BooleanField(
        label="Make this the current course (staff must complete it to take RCRP calls)", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(practice_fields())
        self.fields["policy_versions"].queryset = (
            PolicyVersion.objects.filter(status__in=["approved", "published"])
            .select_related("element")
            .order_by("element__order", "-number")
        )
        latest = Course.objects.order_by("-version").values_list("version", flat=True).first()
        self.fields["version"].initial = (latest or 0) + 1
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("title", field_width=Fluid.TWO_THIRDS),
            Field.text("version", field_width=Fixed.FIVE),
            Field.text("duration_minutes", field_width=Fixed.FIVE),
            Field.checkboxes("policy_versions", legend_size=Size.SMALL, small=True),
            Field.select("practice_set"),
            Field.checkbox("requires_practice", small=True),
            Field.checkbox("make_current", small=True),
            Button("submit", "Add course version"),
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        clean_practice(self)
        return self.cleaned_data

    def clean_version(self) -> int:
        version = self.cleaned_data["version"]
        if Course.objects.filter(version=version).exists():
            raise ValidationError(f"Version {version} already exists: enter a new version number")
        return version


def parse_time(value: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", value or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValidationError("Enter a start time like 09:30")
    return time(int(match[1]), int(match[2]))


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(label="Course", queryset=Course.objects.none(), empty_label=None)
    site = forms.ModelChoiceField(
        label="Site",
        queryset=Site.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select the site"},
    )
    date = GovDateField(label="Date", help_text="For example, 21 8 2023", require_all_fields=False)
    start = forms.CharField(label="Start time", help_text="24-hour clock, for example 09:30", max_length=5)
    trainer = UserChoiceField(label="Trainer", queryset=User.objects.none(), empty_label=None)
    capacity = forms.IntegerField(label="Places", min_value=1, max_value=200, widget=number_input())
    room = forms.CharField(label="Room (optional)", required=False, max_length=100)

    def __init__(self, *args: Any, trainers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.order_by("-is_current", "-version")
        self.fields["site"].queryset = Site.objects.order_by("name")
        self.fields["trainer"].queryset = trainers
        self.fields["capacity"].initial = conf.session_capacity()
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("course"),
            Field.radios("site", legend_size=Size.SMALL, inline=False, small=True),
            Field("date"),
            Field.text("start", field_width=Fixed.FIVE),
            Field.select("trainer"),
            Field.text("capacity", field_width=Fixed.FIVE),
            Field.text("room", field_width=Fluid.ONE_HALF),
            Button("submit", "Add session"),
        )

    def clean_start(self) -> time:
        return parse_time(self.cleaned_data["start"])

    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["date"], self.cleaned_data["start"]))


class BookStaffForm(forms.Form):
    staff_numbers = forms.CharField(
        label="Staff numbers to book",
        help_text="One or more staff numbers, separated by spaces, commas or new lines",
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Enter at least one staff number"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(Field.textarea("staff_numbers", rows=3), Button("book", "Book"))

    def clean_staff_numbers(self) -> list[str]:
        numbers = [n for n in STAFF_NUMBER_SPLIT.split(self.cleaned_data["staff_numbers"]) if n]
        if not numbers:
            raise ValidationError("Enter at least one staff number")
        if len(numbers) > 200:
            raise ValidationError("Book at most 200 people at once")
        return numbers


class RebookForm(forms.Form):
    session = forms.ChoiceField(
        label="Choose a session", widget=forms.RadioSelect, error_messages={"required": "Choose a session"}
    )

    def __init__(self, *args: Any, sessions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = {str(s.pk): s for s in sessions}
        self.fields["session"].choices = [
            (
                str(s.pk),
                f"{s} with {s.trainer.display_name} ({s.capacity - s.taken} of {s.capacity} places free)",
            )
            for s in sessions
        ]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("session", legend_size=Size.MEDIUM, small=True), Button("submit", "Rebook")
        )

    def chosen(self) -> Any:
        return self.sessions[self.cleaned_data["session"]]


class RotaAssignForm(forms.Form):
    date = GovDateField(label="Date", require_all_fields=False)
    site = forms.ModelChoiceField(label="Site", queryset=Site.objects.none(), empty_label=None)
    shift = forms.ChoiceField(label="Shift", choices=Shift.choices)
    floor_walker = UserChoiceField(label="Floor walker", queryset=User.objects.none(), empty_label=None)

    def __init__(self, *args: Any, walkers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.order_by("name")
        self.fields["floor_walker"].queryset = walkers
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                Field("date"),
                Field.select("site"),
                Field.select("shift"),
                Field.select("floor_walker"),
                legend="Put a floor walker on the rota",
                legend_size=Size.MEDIUM,
            ),
            Button("assign", "Add to rota"),
        )


class RotaPlanForm(forms.Form):
    starts_on = GovDateField(label="From", help_text="For example, 1 11 2023", require_all_fields=False)
    walkers_per_shift = forms.IntegerField(
        label="Floor walkers per site per shift",
        min_value=0,
        max_value=20,
        help_text="2 gives 18 a day across 3 sites and 3 shifts; 0 ends floor-walker support",
        widget=number_input(),
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("starts_on"),
            Field.text("walkers_per_shift", field_width=Fixed.TWO),
            Field.text("note", field_width=Fluid.TWO_THIRDS),
            Button("save", "Save period"),
        )


class SupportForm(forms.Form):
    handler = forms.CharField(
        label="Handler's staff number",
        max_length=20,
        error_messages={"required": "Enter the handler's staff number"},
    )
    topic = forms.ChoiceField(
        label="What was the support about?",
        choices=SupportLogEntry.Topic.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the support was about"},
    )
    decision_reference = forms.CharField(
        label="Decision reference (optional)",
        help_text="If the support was about a call, the decision's reference from the toolkit",
        required=False,
        max_length=64,
    )
    notes = forms.CharField(
        label="Notes (optional)",
        help_text="Do not enter names or personal details of callers or the people they call about",
        required=False,
        max_length=500,
        widget=forms.Textarea,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("handler", field_width=Fixed.TEN),
            Field.radios("topic", legend_size=Size.SMALL, small=True),
            Field.text("decision_reference", field_width=Fluid.TWO_THIRDS),
            Field.textarea("notes", rows=3, max_characters=500),
            Button("submit", "Record support"),
        )

    def clean_handler(self) -> StaffMember:
        number = self.cleaned_data["handler"].strip()
        staff = (
            StaffMember.objects.filter(staff_number=number, active=True)
            .select_related("site", "user")
            .first()
        )
        if staff is None:
            raise ValidationError("There is no current member of staff with that staff number")
        return staff

    def clean_decision_reference(self) -> str:
        value = self.cleaned_data["decision_reference"].strip()
        if value and not DECISION_REFERENCE.fullmatch(value):
            raise ValidationError(
                "Enter the decision reference as the toolkit shows it: letters, numbers and dashes"
            )
        return value


MARK_CHOICES = [
    ("booked", "Not marked"),
    ("completed", "Completed"),
    ("attended", "Attended, not completed"),
    ("no_show", "Did not attend"),
]


class AttendanceForm(forms.Form):
    """One radio group per booking on a session (rendered by training/session_attendance.html)."""

    def __init__(self, *args: Any, bookings: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bookings = {f"booking_{b.pk}": b for b in bookings}
        for name, booking in self.bookings.items():
            self.fields[name] = forms.ChoiceField(
                label=f"{booking.staff.full_name} ({booking.staff.staff_number})",
                choices=MARK_CHOICES,
                widget=forms.RadioSelect,
                initial=booking.status,
                required=False,
            )

    def first_radio_id(self) -> str:
        """Where the error summary's form-wide errors point: the first person's first choice."""
        return f"id_{next(iter(self.bookings))}_0" if self.bookings else "attendance"

    def rows(self) -> list[tuple[Any, Any]]:
        return [(self[name], booking) for name, booking in self.bookings.items()]

    def marks(self) -> dict[int, str]:
        """booking id -> mark, for the bookings whose radios were sent (unsent ones are unchanged)."""
        return {
            booking.pk: self.cleaned_data[name]
            for name, booking in self.bookings.items()
            if self.cleaned_data.get(name)
        }
