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


class GovukDateWidget(forms.MultiWidget):
    """The GOV.UK date input pattern: day, month and year boxes (`includes/date_input.html`)."""

    template_name = "includes/date_input.html"

    def __init__(self, attrs: dict | None = None) -> None:
        def box(width: int) -> forms.TextInput:
            return forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": f"govuk-input govuk-date-input__input govuk-input--width-{width}",
                }
            )

        super().__init__([box(2), box(2), box(4)], attrs)

    def _render(self, template_name: str, context: dict, renderer: Any = None) -> Any:
        # Our template lives with the project's templates, not the form renderer's.
        from django.template.loader import render_to_string
        from django.utils.safestring import mark_safe

        return mark_safe(render_to_string(template_name, context))  # noqa: S308 - our template

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
            return [day.day, day.month, day.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date entered as day, month and year, with GOV.UK error messages."""

    widget = GovukDateWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dt.date | None:
        if not data_list or not any(data_list):
            return None
        try:
            day, month, year = (int(str(v).strip()) for v in data_list)
            return dt.date(year, month, day)
        except (TypeError, ValueError) as error:
            raise ValidationError(f"{self.label} must be a real date") from error
