"""Forms administrators use to configure the service: a site's go-live switch and the support
budget."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Fluid, Layout
from django import forms

from rcrp.accounts.forms import GovDateField
from training.services.golive import NOTE_MAX


class MoneyField(forms.DecimalField):
    """An amount in pounds; "£1,500,000" and "1500000.00" both read as 1500000."""

    def __init__(
        self, *, label: str, max_digits: int, minimum: int = 1, help_text: str = "", **kwargs: Any
    ) -> None:
        super().__init__(
            label=label,
            help_text=help_text,
            max_digits=max_digits,
            decimal_places=2,
            min_value=Decimal(minimum),
            widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
            error_messages={
                "required": f"Enter the {label.lower()}",
                "invalid": f"Enter the {label.lower()} in pounds, like 706 or 1,500,000",
                "min_value": f"Enter the {label.lower()}: at least £{minimum}",
                "max_digits": f"Enter the {label.lower()} in pounds: it is too large",
                "max_decimal_places": f"Enter the {label.lower()} to the nearest penny",
                "max_whole_digits": f"Enter the {label.lower()} in pounds: it is too large",
            },
            **kwargs,
        )

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip().removeprefix("£").replace(",", "").strip()
        return super().to_python(value)


class SiteGoLiveForm(forms.Form):
    """Confirm switching RCRP on or off at a site. Below the threshold, switching on needs the
    confirmation box ticked and a note."""

    note = forms.CharField(
        label="Note (optional)",
        help_text="It is kept with the switch, in the site's go-live history",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea,
    )
    confirm = forms.BooleanField(required=False)

    def __init__(
        self, *args: Any, site: str, live: bool, below: bool, share: Any, threshold: int, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.site, self.below = site, live and below
        layout: list[Any] = []
        if self.below:
            self.fields["confirm"].label = (
                f"I confirm RCRP goes live at {site} with {share}% of its staff trained, "
                f"below the {threshold}% threshold"
            )
            self.fields["note"].label = f"Why RCRP goes live at {site} now"
            self.fields["note"].help_text = "Required below the threshold; it is kept with the switch"
            layout.append(Field.checkbox("confirm", small=True))
        else:
            del self.fields["confirm"]
        layout.append(Field.textarea("note", rows=3, max_characters=NOTE_MAX))
        action = f"Switch RCRP on at {site}" if live else f"Switch RCRP off at {site}"
        layout.append(Button("submit", action, css_class="" if live else "govuk-button--warning"))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*layout)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.below:
            if not data.get("confirm"):
                self.add_error(
                    "confirm", f"Confirm that RCRP should go live at {self.site} below the threshold"
                )
            if not (data.get("note") or "").strip() and "note" not in self.errors:
                self.add_error("note", f"Say why RCRP goes live at {self.site} below the threshold")
        return data


class SupportBudgetForm(forms.Form):
    total = MoneyField(
        label="Budget", max_digits=12, help_text="In pounds, for the whole post-go-live support"
    )
    day_rate = MoneyField(
        label="Floor walker's day rate",
        max_digits=8,
        help_text="In pounds: one floor walker on one shift is one day",
    )
    consultant_day_rate = MoneyField(
        label="Senior consultant's day rate", max_digits=8, minimum=0, help_text="In pounds"
    )
    consultant_days_per_week = forms.DecimalField(
        label="Senior consultant's days a week",
        help_text="For challenges and escalations, from the plan's first day to its last (for example 2.5)",
        min_value=0,
        max_value=7,
        max_digits=2,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "required": "Enter the senior consultant's days a week",
            "invalid": "Enter the senior consultant's days a week as a number, like 2 or 2.5",
            "min_value": "Enter the senior consultant's days a week: from 0 to 7",
            "max_value": "Enter the senior consultant's days a week: from 0 to 7",
            "max_digits": "Enter the senior consultant's days a week: from 0 to 7",
            "max_whole_digits": "Enter the senior consultant's days a week: from 0 to 7",
            "max_decimal_places": "Enter the senior consultant's days a week to a tenth of a day",
        },
    )
    plan_ends_on = GovDateField(
        label="Last day of post-go-live support", help_text="For example, 30 4 2024", require_all_fields=False
    )
    note = forms.CharField(label="Note (optional)", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("total", field_width=Fixed.TEN),
            Field.text("day_rate", field_width=Fixed.FIVE),
            Field.text("consultant_day_rate", field_width=Fixed.FIVE),
            Field.text("consultant_days_per_week", field_width=Fixed.THREE),
            Field("plan_ends_on"),
            Field.text("note", field_width=Fluid.TWO_THIRDS),
            Button("submit", "Save the budget"),
        )
