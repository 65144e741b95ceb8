"""The upload form: one or more census returns (oldest first) and an optional families mapping."""

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_BYTES = 500 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class CensusUploadForm(forms.Form):
    returns = MultipleFileField(
        label="Census returns",
        help_text="One or more children in need census XML files. Choose the oldest year first.",
        error_messages={"required": "Select at least one census return (an XML file)"},
    )
    families = forms.FileField(
        label="Families mapping (optional)",
        help_text="A CSV file with the columns la_child_id,family_reference to group siblings.",
        required=False,
    )
    dry_run = forms.BooleanField(
        label="Check only: report problems without importing anything", required=False
    )

    def clean_returns(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["returns"]
        if not files:
            raise forms.ValidationError("Select at least one census return (an XML file)")
        for upload in files:
            if not (upload.name or "").lower().endswith(".xml"):
                raise forms.ValidationError(f"{upload.name} must be an XML file")
            if (upload.size or 0) > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(f"{upload.name} must be smaller than 500 MB")
            if not upload.size:
                raise forms.ValidationError(f"{upload.name} is empty")
        return files

    def clean_families(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("families")
        if upload and not (upload.name or "").lower().endswith(".csv"):
            raise forms.ValidationError("The families mapping must be a CSV file")
        return upload


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="Why is it dismissed?",
        help_text="For example: a duplicate of a plan already recorded, or entered in error.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why this element is dismissed"},
    )


#: What a manager may correct of each held-back element: value key -> (label, kind).
_DATE, _TEXT, _NUMBER = "date", "text", "number"
CORRECTABLE: dict[str, dict[str, tuple[str, str]]] = {
    "Child": {"LAchildID": ("LA child ID", _TEXT)},
    "CINdetails": {"CINreferralDate": ("Referral date", _DATE)},
    "CINclosureDate": {
        "CINclosureDate": ("Closure date", _DATE),
        "ReasonForClosure": ("Reason for closure (code, e.g. RC7)", _TEXT),
    },
    "Assessments": {
        "start": ("Assessment start date", _DATE),
        "authorised": ("Authorisation date", _DATE),
    },
    "CINPlanDates": {"start": ("CIN plan start date", _DATE), "end": ("CIN plan end date", _DATE)},
    "Section47": {
        "start": ("Section 47 start date", _DATE),
        "icpc_target": ("Target date for the initial conference", _DATE),
        "icpc": ("Initial conference date", _DATE),
    },
    "ChildProtectionPlans": {
        "start": ("CP plan start date", _DATE),
        "end": ("CP plan end date", _DATE),
        "initial_category": ("Initial category of abuse (code)", _TEXT),
        "latest_category": ("Latest category of abuse (code)", _TEXT),
        "number_of_previous_cpp": ("Number of previous CP plans", _NUMBER),
    },
    "NumberOfPreviousCPP": {"NumberOfPreviousCPP": ("Number of previous CP plans", _NUMBER)},
}
#: Elements that are one dated value.
_DATE_VALUES = {
    "PersonBirthDate": "Date of birth",
    "ExpectedPersonBirthDate": "Expected date of birth",
    "PersonDeathDate": "Date of death",
    "DateOfInitialCPC": "Initial conference date",
    "CPPreviewDate": "Review conference date",
}


class CorrectionForm(forms.Form):
    """The held-back element's values, to correct and re-apply."""

    def __init__(self, *args: Any, spec: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from config.forms import GovukDateField

        self.spec = spec
        for key, (label, kind) in spec.items():
            if kind == _DATE:
                self.fields[key] = GovukDateField(
                    label=label,
                    required=False,
                    help_text="For example, 27 3 2024. Leave empty for none.",
                )
            elif kind == _NUMBER:
                self.fields[key] = forms.IntegerField(label=label, required=False, min_value=0)
            else:
                self.fields[key] = forms.CharField(label=label, required=False, max_length=60)

    def values(self) -> dict[str, Any]:
        """The corrected values as a return would carry them (text; dates as YYYY-MM-DD)."""
        out: dict[str, Any] = {}
        for key in self.spec:
            value: Any = self.cleaned_data.get(key)
            out[key] = value.isoformat() if hasattr(value, "isoformat") else value
            if out[key] in ("", None):
                out[key] = None
            elif not isinstance(out[key], str):
                out[key] = str(out[key])
        return out


def correction_form_for(item: Any, data: Any = None) -> CorrectionForm:
    spec = CORRECTABLE.get(item.element)
    if spec is None:
        label = _DATE_VALUES.get(item.element, item.element)
        spec = {item.element: (label, _DATE if item.element in _DATE_VALUES else _TEXT)}
    initial = {key: item.values.get(key) for key in spec}
    return CorrectionForm(data, spec=spec, initial=initial, prefix="correct")
