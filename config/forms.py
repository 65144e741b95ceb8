"""Shared pieces of the browser forms."""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def form_add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's `ValidationError` on the form: field errors on their fields (or at the
    top when the form has no such field), anything else at the top of the error summary."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


DATE_PARTS = ("day", "month", "year")


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year boxes (the GOV.UK date input pattern); rendered by
    `templates/includes/date_input.html`, posted as `<name>_day`, `<name>_month`, `<name>_year`."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        boxes: dict[str, forms.Widget | type[forms.Widget]] = {
            part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in DATE_PARTS
        }
        super().__init__(boxes, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date entered as day, month and year, with GOV.UK's error messages: "<Label> must
    include a month", "<Label> must be a real date", "Year must include 4 numbers"."""

    widget = GovukDateWidget

    def __init__(self, **kwargs: Any) -> None:
        parts = tuple(forms.CharField(required=False) for _ in DATE_PARTS)
        super().__init__(parts, require_all_fields=False, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        # A date (initial) shows as its parts; posted parts show as typed.
        if isinstance(value, str):
            try:  # an ISO date as stored or recorded (e.g. a held-back census value)
                value = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return value

    def clean(self, value: Any) -> dt.date | None:
        day, month, year = ([str(v or "").strip() for v in (value or [])] + ["", "", ""])[:3]
        label = str(self.label or "The date")
        if not (day or month or year):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        missing = [
            name for name, part in zip(DATE_PARTS, (day, month, year), strict=True) if not part
        ]
        if missing:
            raise ValidationError(f"{label} must include a {' and a '.join(missing)}.")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"{label} must be a real date.")
        if len(year) != 4:
            raise ValidationError("Year must include 4 numbers.")
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError as error:
            raise ValidationError(f"{label} must be a real date.") from error

    def compress(self, data_list: list[Any]) -> Any:  # clean() above does the work
        return data_list
