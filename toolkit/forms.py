"""Forms of the live call. Answer validation itself is the flow engine's clean_answer."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Fluid, Layout, Size
from django import forms
from django.conf import settings
from django.utils import timezone

from policies import flow as engine
from policies.models import Element
from rcrp.accounts.forms import IsoDateField
from toolkit.models import Decision, DecisionAccess, Escalation, HandoverRecord, Review
from toolkit.selectors.log import AccessFilter, LogFilter
from toolkit.selectors.register import RegisterFilter
from toolkit.services.start import paper_made_at_check

PERSONAL_DATA_HINT = "Do not enter names, dates of birth, addresses or phone numbers."


def incident_ref_pattern() -> re.Pattern[str]:
    return re.compile(getattr(settings, "INCIDENT_REF_PATTERN", r"^CAD ?\d{1,6}/\d{1,2}[A-Z]{3}\d{2}$"))


def normalise_incident_ref(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().upper())


class StartForm(forms.Form):
    element = forms.ModelChoiceField(
        queryset=Element.objects.none(),
        widget=forms.RadioSelect,
        label="What is the call about?",
        error_messages={"required": "Select what the call is about"},
    )
    caller_type = forms.ChoiceField(
        choices=Decision.CallerType.choices,
        widget=forms.RadioSelect,
        label="Who is calling?",
        error_messages={"required": "Select who is calling"},
    )
    partner_kind = forms.ChoiceField(
        choices=[("", "Select the agency"), *Decision.PartnerKind.choices],
        required=False,
        label="Which partner agency?",
        help_text="Only if a partner agency is calling",
    )
    incident_ref = forms.CharField(
        required=False,
        max_length=40,
        label="Incident reference",
        help_text="From the command-and-control system, like CAD 1234/26NOV26",
    )
    incident_ref_missing_reason = forms.CharField(
        required=False,
        max_length=200,
        label="If there is no incident reference yet, say why",
    )
    # The form's one-time token (a double click or retry starts one call) and, for new
    # information, the earlier decision this call re-assesses. Rendered by the template.
    token = forms.UUIDField(required=False, widget=forms.HiddenInput)
    follows = forms.UUIDField(required=False, widget=forms.HiddenInput)
    # The paper fallback: a decision made on paper while the service was down, entered afterwards
    # (rendered by templates/toolkit/includes/_paper_fields.html as GOV.UK date and time inputs).
    paper = forms.BooleanField(required=False, label="I am entering a decision made on paper")
    paper_day = forms.CharField(required=False, max_length=2, label="Day")
    paper_month = forms.CharField(required=False, max_length=2, label="Month")
    paper_year = forms.CharField(required=False, max_length=4, label="Year")
    paper_time = forms.CharField(required=False, max_length=5, label="Time it was made")
    paper_reference = forms.CharField(required=False, max_length=40, label="Paper form reference (optional)")

    def __init__(self, *args: Any, elements: list[Element], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["element"]
        field.queryset = Element.objects.filter(pk__in=[e.pk for e in elements])
        field.choices = [Choice(e.pk, e.title, hint=e.summary) for e in elements]
        self.fields["incident_ref"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template's <form id="start-form"> also holds the deploy button
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("incident_ref", field_width=Fluid.ONE_THIRD),
            Field.text("incident_ref_missing_reason", field_width=Fluid.TWO_THIRDS),
            Field.radios("element", legend_size=Size.MEDIUM),
            Field.radios("caller_type", legend_size=Size.MEDIUM, inline=False),
            Field.select("partner_kind"),
            HTML('{% include "toolkit/includes/_paper_fields.html" %}'),
            Button("start", "Start the call"),
        )

    def clean_incident_ref(self) -> str:
        value = normalise_incident_ref(self.cleaned_data.get("incident_ref", ""))
        if value and not incident_ref_pattern().match(value):
            raise forms.ValidationError(
                "Enter the incident reference in the right format, like CAD 1234/26NOV26"
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        no_reason = not (data.get("incident_ref_missing_reason") or "").strip()
        if not data.get("incident_ref") and no_reason and "incident_ref" not in self.errors:
            self.add_error("incident_ref", "Enter the incident reference, or say why there is none yet")
        if data.get("caller_type") == Decision.CallerType.PARTNER and not data.get("partner_kind"):
            self.add_error("partner_kind", "Select which partner agency is calling")
        data["paper_made_at"] = self._paper_made_at(data) if data.get("paper") else None
        if not data.get("paper"):
            data["paper_reference"] = ""
        return data

    def _paper_made_at(self, data: dict[str, Any]) -> dt.datetime | None:
        """The paper decision's date and time (London), or None with the error on its input."""
        parts = [(data.get(f"paper_{p}") or "").strip() for p in ("day", "month", "year")]
        if not all(parts):
            self.add_error("paper_day", "Enter the date the decision was made on paper, like 27 11 2026")
            return None
        try:
            day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError:
            self.add_error("paper_day", "Enter a real date the decision was made on paper, like 27 11 2026")
            return None
        match = re.fullmatch(r"([01]?\d|2[0-3])[:.]?([0-5]\d)", (data.get("paper_time") or "").strip())
        if not match:
            self.add_error("paper_time", "Enter the time the decision was made on paper, like 14:30")
            return None
        made = timezone.make_aware(dt.datetime.combine(day, dt.time(int(match[1]), int(match[2]))))
        try:
            paper_made_at_check(made)
        except forms.ValidationError as error:
            self.add_error("paper_day", error)
            return None
        return made


LAS_LABEL = "Ambulance (LAS) needed too?"


class OverrideForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="In a few words, why is there an immediate risk?",
        help_text="Police will be deployed even if you leave this empty. " + PERSONAL_DATA_HINT,
    )
    las = forms.BooleanField(required=False, label=LAS_LABEL, help_text="Tick to record +LAS")
    incident_ref = forms.CharField(required=False, max_length=40, label="Incident reference (if you have it)")

    def __init__(self, *args: Any, with_incident: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_incident:
            del self.fields["incident_ref"]
        self.fields["reason"].widget.attrs.update(autocomplete="off", autofocus=True)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        fields = [Field.text("reason"), Field.checkbox("las")]
        if with_incident:
            fields.append(Field.text("incident_ref", field_width=Fluid.ONE_THIRD))
        self.helper.layout = Layout(*fields)

    def clean_incident_ref(self) -> str:
        # Never refuse a deploy over the reference's format: keep what was typed.
        return normalise_incident_ref(self.cleaned_data.get("incident_ref", ""))


class EscalateForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[c for c in Escalation.Reason.choices if c[0] != Escalation.Reason.HANDOVER_OVERDUE],
        widget=forms.RadioSelect,
        label="Why do you need a supervisor?",
        error_messages={"required": "Select why you need a supervisor"},
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Anything the supervisor should know",
        help_text=PERSONAL_DATA_HINT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("reason", legend_size=Size.MEDIUM),
            Field.textarea("note"),
            Button("escalate", "Ask a supervisor"),
        )


class EscalationAnswerForm(forms.Form):
    response = forms.ChoiceField(
        choices=Escalation.Response.choices,
        widget=forms.RadioSelect,
        label="Your answer",
        error_messages={"required": "Select your answer"},
    )
    decided_by = forms.ChoiceField(
        choices=Escalation.Level.choices,
        initial=Escalation.Level.SUPERVISOR,
        required=False,
        widget=forms.RadioSelect,
        label="Who decided?",
        help_text="You, unless you took it to the duty inspector or the partner's on-call manager",
    )

    def clean_decided_by(self) -> str:
        # Not choosing means the supervisor answering decided (the radio starts there).
        return self.cleaned_data.get("decided_by") or Escalation.Level.SUPERVISOR

    note = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Note for the call handler",
        help_text=PERSONAL_DATA_HINT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("response", legend_size=Size.MEDIUM),
            Field.radios("decided_by", legend_size=Size.SMALL),
            Field.textarea("note"),
            Button("answer", "Send answer"),
        )


class HandoverForm(forms.Form):
    kind = forms.ChoiceField(
        choices=HandoverRecord.Kind.choices,
        widget=forms.RadioSelect,
        label="What happened?",
        error_messages={"required": "Select what happened"},
    )
    at = forms.CharField(
        max_length=5,
        label="At what time?",
        help_text="24-hour clock, like 14:30",
        error_messages={"required": "Enter the time, like 14:30"},
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Who agreed, or why officers stayed (optional)",
        help_text="For example the duty inspector's decision. " + PERSONAL_DATA_HINT,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["at"].widget.attrs.update(autocomplete="off", inputmode="numeric")
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("kind", legend_size=Size.MEDIUM),
            Field.text("at", field_width=Fluid.ONE_QUARTER),
            Field.textarea("note"),
            Button("record", "Record it"),
        )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("note", "Note"), ("correction", "Correction")],
        widget=forms.RadioSelect,
        label="Is this a note or a correction?",
        initial="note",
        error_messages={"required": "Select note or correction"},
    )
    text = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Note",
        help_text="The decision itself never changes: this is added to it. " + PERSONAL_DATA_HINT,
        error_messages={"required": "Enter the note"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("kind", legend_size=Size.SMALL, inline=True),
            Field.textarea("text"),
            Button("add", "Add to the decision"),
        )


ANY = [("", "Any")]
YES_NO_ANY = [("", "Any"), ("yes", "Yes"), ("no", "No")]


def _date(label: str, which: str, example: str) -> forms.DateField:
    return IsoDateField(
        required=False,
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": f"Enter the {which} date as a real date, like {example}"},
    )


class PeriodFilterForm(forms.Form):
    """Filters by date range, site and element (GET). Every field is optional."""

    date_from = _date("From", "first", "2026-11-26")
    date_to = _date("To", "last", "2026-11-30")
    site = forms.ChoiceField(required=False, label="Site")
    element = forms.ChoiceField(required=False, label="Element")

    def __init__(self, *args: Any, sites: list[Any], elements: list[Element], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = ANY + [(str(s.pk), s.name) for s in sites]
        self.fields["element"].choices = ANY + [(e.slug, e.title) for e in elements]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The last date must be the same as or after the first date")
        return data

    def register_filter(self) -> RegisterFilter:
        data = self.cleaned_data
        return RegisterFilter(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            element=data.get("element") or "",
            site=int(data["site"]) if data.get("site") else None,
        )


class LogFilterForm(PeriodFilterForm):
    """The decision log's filters (GET). Every field is optional; an empty one does not filter."""

    category = forms.ChoiceField(required=False, label="Outcome")
    modifier = forms.ChoiceField(required=False, label="Modifier")
    status = forms.ChoiceField(required=False, label="Status", choices=ANY + list(Decision.Status.choices))
    caller_type = forms.ChoiceField(
        required=False, label="Caller", choices=ANY + list(Decision.CallerType.choices)
    )
    partner_kind = forms.ChoiceField(
        required=False, label="Partner agency", choices=ANY + list(Decision.PartnerKind.choices)
    )
    overridden = forms.ChoiceField(required=False, label="Deploy override", choices=YES_NO_ANY)
    escalated = forms.ChoiceField(required=False, label="Escalated", choices=YES_NO_ANY)
    reassessed = forms.ChoiceField(required=False, label="Re-assessment", choices=YES_NO_ANY)
    reviewed = forms.ChoiceField(required=False, label="Reviewed", choices=YES_NO_ANY)
    verdict = forms.ChoiceField(
        required=False, label="Review verdict (the newest)", choices=ANY + list(Review.Verdict.choices)
    )
    version = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10_000,
        label="Policy version",
        error_messages={
            "invalid": "Enter the policy version as a whole number, like 2",
            "min_value": "Enter a policy version of 1 or more",
            "max_value": "Enter a policy version of 10000 or less",
        },
    )
    handler = forms.CharField(required=False, max_length=30, label="Handler's staff number")
    incident_ref = forms.CharField(required=False, max_length=40, label="Incident reference")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = ANY + [(str(c), c.label) for c in engine.CATEGORIES]
        self.fields["modifier"].choices = ANY + [(str(m), f"+{m}: {m.label}") for m in engine.MODIFIERS]
        for name in ("handler", "incident_ref"):
            self.fields[name].widget.attrs.update(autocomplete="off", spellcheck="false")

    def log_filter(self) -> LogFilter:
        """The valid filters as a LogFilter (call after is_valid())."""
        data = self.cleaned_data
        yes_no = {"yes": True, "no": False}
        return LogFilter(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            site=int(data["site"]) if data.get("site") else None,
            element=data.get("element") or "",
            category=data.get("category") or "",
            modifier=data.get("modifier") or "",
            handler=(data.get("handler") or "").strip(),
            caller_type=data.get("caller_type") or "",
            partner_kind=data.get("partner_kind") or "",
            overridden=yes_no.get(data.get("overridden") or ""),
            escalated=yes_no.get(data.get("escalated") or ""),
            reassessed=yes_no.get(data.get("reassessed") or ""),
            version=data.get("version"),
            incident_ref=normalise_incident_ref(data.get("incident_ref") or ""),
            status=data.get("status") or "",
            reviewed=yes_no.get(data.get("reviewed") or ""),
            verdict=data.get("verdict") or "",
        )


class AccessFilterForm(forms.Form):
    """The access log's filters (GET); every field optional."""

    staff_number = forms.CharField(required=False, max_length=30, label="Staff number")
    reference = forms.UUIDField(
        required=False,
        label="Decision reference",
        error_messages={"invalid": "Enter the decision reference as shown on the decision page"},
    )
    kind = forms.ChoiceField(
        required=False, label="What they did", choices=ANY + list(DecisionAccess.Kind.choices)
    )
    date_from = _date("From", "first", "2026-11-26")
    date_to = _date("To", "last", "2026-11-30")

    def access_filter(self) -> AccessFilter:
        data = self.cleaned_data
        return AccessFilter(
            staff_number=(data.get("staff_number") or "").strip(),
            reference=str(data["reference"]) if data.get("reference") else "",
            kind=data.get("kind") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


WEIGHT_CHOICES = [("", "No deviation"), ("1", "Minor"), ("2", "Moderate"), ("3", "Serious")]


class ReviewForm(forms.Form):
    """A review: the verdict, a weighted deviation against any question asked, and feedback."""

    verdict = forms.ChoiceField(
        choices=Review.Verdict.choices,
        widget=forms.RadioSelect,
        label="Verdict",
        error_messages={"required": "Select a verdict"},
    )
    feedback = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Feedback for the call handler",
        help_text="They see it on their decision. " + PERSONAL_DATA_HINT,
    )

    def __init__(self, *args: Any, questions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question_id, text in questions:
            self.fields[f"weight_{question_id}"] = forms.ChoiceField(
                choices=WEIGHT_CHOICES, required=False, label=f"Deviation at: {text}"
            )
            self.fields[f"note_{question_id}"] = forms.CharField(
                required=False, max_length=500, label=f"What went wrong at: {text}"
            )

    def deviations(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {"question_id": qid, "weight": int(data[f"weight_{qid}"]), "note": data.get(f"note_{qid}", "")}
            for qid, _text in self.questions
            if data.get(f"weight_{qid}")
        ]

    def rows(self) -> list[tuple[str, Any, Any]]:
        """(question text, weight field, note field) for the template."""
        return [(text, self[f"weight_{qid}"], self[f"note_{qid}"]) for qid, text in self.questions]
