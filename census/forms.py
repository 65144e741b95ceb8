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
