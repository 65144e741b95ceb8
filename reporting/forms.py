"""Forms for the reports: the period picker (GET) and a comparator figure (POST)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms

from cohort import dates

from .measures import COUNT_MEASURES, ComparatorMeasure
from .models import ComparatorFigure
from .periods import (
    CUSTOM,
    FINANCIAL_YEAR,
    ROLLING_12_MONTHS,
    Period,
    financial_year_label,
    financial_year_of,
)

PERIOD_KINDS = [
    (FINANCIAL_YEAR, "A financial year"),
    (ROLLING_12_MONTHS, "12 months to a month end"),
    (CUSTOM, "Between two dates"),
]
MAX_YEARS = 10


def _date_part(label: str, low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=low, max_value=high, error_messages={}
    )


class PeriodForm(forms.Form):
    """The dashboard's period, and the baseline and band for the month-end counts.

    Bound to the page's query string; an invalid choice is shown as an error and the default
    period (the 12 months to the last month end) is used.
    """

    period = forms.ChoiceField(label="Period", choices=PERIOD_KINDS, initial=ROLLING_12_MONTHS)
    year = forms.TypedChoiceField(label="Financial year", coerce=int, required=False)
    month = forms.ChoiceField(label="The 12 months to the end of", required=False)
    from_day = _date_part("Day", 1, 31)
    from_month = _date_part("Month", 1, 12)
    from_year = _date_part("Year", 1990, 2100)
    to_day = _date_part("Day", 1, 31)
    to_month = _date_part("Month", 1, 12)
    to_year = _date_part("Year", 1990, 2100)
    baseline = forms.IntegerField(
        label="Baseline (children on a plan)",
        required=False,
        min_value=0,
        max_value=1_000_000,
        help_text="Leave blank to use the mean of the period's month ends.",
    )
    band = forms.IntegerField(
        label="Band around the baseline (%)", min_value=1, max_value=50, initial=4, required=False
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        current = financial_year_of(today)
        self.fields["year"].choices = [  # type: ignore[attr-defined]
            (year, financial_year_label(year)) for year in range(current, current - 15, -1)
        ]
        last_month_end = today.replace(day=1) - dt.timedelta(days=1)
        months = [dates.add_months(last_month_end.replace(day=1), -n) for n in range(0, 60)]
        month_field: Any = self.fields["month"]
        month_field.choices = [(f"{m:%Y-%m}", f"{m:%B %Y}") for m in months]
        self.default = Period.default(today)

    def date_parts(self, prefix: str) -> list[tuple[Any, int]]:
        """The bound day, month and year fields of one date, with their GOV.UK input widths."""
        return [
            (self[f"{prefix}_{part}"], width)
            for part, width in (("day", 2), ("month", 2), ("year", 4))
        ]

    @property
    def from_parts(self) -> list[tuple[Any, int]]:
        return self.date_parts("from")

    @property
    def to_parts(self) -> list[tuple[Any, int]]:
        return self.date_parts("to")

    def _date(self, prefix: str, label: str) -> dt.date | None:
        parts = [self.cleaned_data.get(f"{prefix}_{part}") for part in ("day", "month", "year")]
        if any(part is None for part in parts):
            self.add_error(f"{prefix}_day", f"Enter the {label} date as a day, month and year.")
            return None
        day, month, year = parts
        try:
            return dt.date(year, month, day)  # type: ignore[arg-type]
        except ValueError:
            self.add_error(f"{prefix}_day", f"The {label} date must be a real date.")
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("period")
        if kind == FINANCIAL_YEAR and cleaned.get("year") in (None, ""):
            self.add_error("year", "Choose a financial year.")
        if kind == ROLLING_12_MONTHS and not cleaned.get("month"):
            self.add_error("month", "Choose the month the 12 months end with.")
        if kind == CUSTOM:
            start, end = self._date("from", "start"), self._date("to", "end")
            if start and end:
                if end < start:
                    self.add_error("to_day", "The end date must be the same as or after the start.")
                elif dates.add_months(start, 12 * MAX_YEARS) < end:
                    self.add_error("to_day", f"Choose a period of {MAX_YEARS} years or less.")
                else:
                    cleaned["dates"] = (start, end)
        return cleaned

    def get_period(self) -> Period:
        """The chosen period (the default when the form is unbound or invalid)."""
        if not self.is_bound or not self.is_valid():
            return self.default
        kind = self.cleaned_data["period"]
        if kind == FINANCIAL_YEAR:
            return Period.financial_year(self.cleaned_data["year"])
        if kind == ROLLING_12_MONTHS:
            year, month = (int(part) for part in self.cleaned_data["month"].split("-"))
            return Period.rolling_12_months(dt.date(year, month, 1))
        return Period.custom(*self.cleaned_data["dates"])

    def baseline_and_band(self) -> tuple[int | None, int]:
        if not self.is_bound or not self.is_valid():
            return None, 4
        return self.cleaned_data.get("baseline"), self.cleaned_data.get("band") or 4

    def chosen_kind(self) -> str:
        if self.is_bound and self.is_valid():
            return str(self.cleaned_data["period"])
        return self.default.kind


class ComparatorForm(forms.Form):
    measure = forms.ChoiceField(label="Measure", choices=ComparatorMeasure.choices)
    source = forms.ChoiceField(
        label="Whose figure", choices=ComparatorFigure.Source.choices, widget=forms.RadioSelect
    )
    year = forms.RegexField(
        label="Collection year",
        regex=r"^[0-9]{4}-[0-9]{2}$",
        help_text="For example, 2024-25.",
        error_messages={"invalid": "Enter the year like 2024-25."},
    )
    value = forms.DecimalField(
        label="Figure",
        max_digits=9,
        decimal_places=1,
        min_value=Decimal(0),
        help_text="A percentage (for example 24.5), or a number of children for counts.",
    )
    numerator = forms.IntegerField(label="Numerator (optional)", required=False, min_value=0)
    denominator = forms.IntegerField(label="Denominator (optional)", required=False, min_value=1)
    note = forms.CharField(label="Source or note (optional)", required=False, max_length=200)

    def clean_year(self) -> str:
        year = str(self.cleaned_data["year"])
        start, end = int(year[:4]), int(year[5:])
        if (start + 1) % 100 != end:
            raise forms.ValidationError("The second part is the next year, like 2024-25.")
        return year

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        value, measure = cleaned.get("value"), cleaned.get("measure")
        if value is not None and measure and measure not in COUNT_MEASURES and value > 100:
            self.add_error("value", "Enter a percentage from 0 to 100.")
        return cleaned
