"""Forms of the outcome dashboards: the filter (GET), and the baseline's entry and CSV import."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from policies.models import Element
from toolkit.baseline_csv import MAX_DEPLOYMENTS, parse_month
from toolkit.forms import ANY, PeriodFilterForm
from toolkit.selectors.dashboard import MAX_BUCKETS, PERIODS, DashboardFilter, buckets_between

DEFAULT_DAYS = 30
MAX_UPLOAD_BYTES = 1024 * 1024


class DashboardForm(PeriodFilterForm):
    """Date range (the last 30 days unless chosen), period, element and site."""

    period = forms.ChoiceField(required=False, label="Show by", choices=list(PERIODS.items()))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["element"].choices = ANY + [(e.slug, e.title) for e in kwargs["elements"]]
        self._elements = {e.slug: e.pk for e in kwargs["elements"]}
        self.order_fields(["date_from", "date_to", "period", "element", "site"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        end = data.get("date_to") or timezone.localdate()
        start = data.get("date_from") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        period = data.get("period") or "day"
        if start > end:  # a chosen last date before the first is the base form's error
            self.add_error(
                "date_to" if data.get("date_to") else "date_from",
                "The last date must be the same as or after the first date",
            )
            return data
        if len(buckets_between(start, end, period)) > MAX_BUCKETS[period]:
            wider = "week or month" if period == "day" else "month"
            self.add_error(
                "period",
                f"Show a range this long by {wider}, or choose a shorter range "
                f"(at most {MAX_BUCKETS[period]} {period}s)",
            )
        data["date_from"], data["date_to"], data["period"] = start, end, period
        return data

    def dashboard_filter(self) -> DashboardFilter:
        """The chosen filter; an unbound form is the last 30 days by day."""
        if not self.is_bound:
            end = timezone.localdate()
            return DashboardFilter(date_from=end - dt.timedelta(days=DEFAULT_DAYS - 1), date_to=end)
        data = self.cleaned_data
        return DashboardFilter(
            date_from=data["date_from"],
            date_to=data["date_to"],
            period=data["period"],
            element=self._elements.get(data.get("element") or ""),
            site=int(data["site"]) if data.get("site") else None,
        )


class BaselineForm(forms.Form):
    element = forms.ModelChoiceField(
        queryset=Element.objects.all(),
        label="Element",
        empty_label="Select the element",
        error_messages={"required": "Select the element", "invalid_choice": "Select the element"},
    )
    month = forms.CharField(
        label="Month",
        max_length=20,
        help_text="Written year and month, like 2023-04",
        error_messages={
            "required": "Enter the month, like 2023-04",
            "max_length": "Enter the month written like 2023-04",
        },
    )
    deployments = forms.IntegerField(
        label="Police deployments that month",
        min_value=0,
        max_value=MAX_DEPLOYMENTS,
        error_messages={
            "required": "Enter the number of deployments",
            "invalid": "Enter the number of deployments as a whole number, like 1566",
            "min_value": "Enter 0 or more deployments",
            "max_value": f"Enter {MAX_DEPLOYMENTS:,} or fewer deployments",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template's form posts to its own URL
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.select("element"),
            Field.text("month", field_width=5),
            Field.text("deployments", field_width=Fluid.ONE_QUARTER),
            Button("save", "Save the figure"),
        )

    def clean_month(self) -> dt.date:
        month, why = parse_month(self.cleaned_data["month"], latest=timezone.localdate())
        if month is None:
            raise ValidationError(f"Enter a real month that is not in the future, like 2023-04 ({why})")
        return month


class BaselineImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a baseline file",
        help_text=(
            "A CSV file saved as UTF-8 with the columns element, month and deployments, for example "
            "“welfare,2023-04,1210”. The element is its short name or its title."
        ),
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field("file"), Button("import", "Check and import"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The selected file must be smaller than 1 MB")
        return upload
