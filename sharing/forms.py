"""Browser forms for sharing agreements and API tokens. They validate input shape only; the
services check state and permissions."""

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from cases import access
from cases.models import Agency, Family, Person

from .models import ApiClient, LawfulBasis


class AgreementForm(forms.Form):
    family_reference = forms.CharField(
        label="Family reference",
        max_length=40,
        error_messages={"required": "Enter the family reference."},
    )
    la_child_id = forms.CharField(
        label="LA child ID (optional)",
        max_length=10,
        required=False,
        help_text="To share one child only, not the whole family.",
    )
    agency = forms.ModelChoiceField(
        label="Partner agency",
        queryset=Agency.objects.exclude(kind=Agency.Kind.COUNCIL).order_by("name"),
        empty_label="Select an agency",
        error_messages={"required": "Select the partner agency."},
    )
    purpose = forms.CharField(
        label="Purpose of the share",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Enter the purpose of the share."},
    )
    lawful_basis = forms.ChoiceField(
        label="Lawful basis",
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the lawful basis."},
    )
    legal_gateway = forms.CharField(
        label="Legal gateway (optional)",
        max_length=200,
        required=False,
        help_text="For example, Children Act 2004 section 11; DPA 2018 Schedule 1 paragraph 18.",
    )
    scopes = forms.MultipleChoiceField(
        label="What the agreement covers",
        choices=access.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select what the agreement covers."},
    )
    starts_on = forms.DateField(
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the first day of the share."},
    )
    ends_on = forms.DateField(
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the last day of the share."},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["starts_on"].initial = timezone.localdate()
        self.fields["ends_on"].initial = timezone.localdate() + dt.timedelta(days=180)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reference = data.get("family_reference", "").strip()
        # An unseen family reads exactly as a missing one.
        family = Family.objects.visible_to(self.user).filter(reference=reference).first()
        if reference and family is None:
            self.add_error("family_reference", "No family you can see has this reference.")
        data["family"] = family
        data["person"] = None
        child_id = data.get("la_child_id", "").strip()
        if family is not None and child_id:
            person = Person.objects.filter(la_child_id=child_id, memberships__family=family).first()
            if person is None:
                self.add_error("la_child_id", "No child in this family has this LA child ID.")
            data["person"] = person
        return data


class AgreementEndForm(forms.Form):
    reason = forms.CharField(label="Why does the agreement end?", widget=forms.Textarea)


class ClientForm(forms.Form):
    name = forms.CharField(
        label="Name of the system",
        max_length=100,
        help_text="For example, the police records management system.",
    )


class TokenForm(forms.Form):
    client = forms.ModelChoiceField(
        label="System", queryset=ApiClient.objects.none(), empty_label="Select a system"
    )
    name = forms.CharField(label="Token name", max_length=100, help_text="For example, live 2026.")
    expires_on = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, agency: Agency, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["client"]
        field.queryset = ApiClient.objects.filter(agency=agency).order_by("name")
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(days=90)


class PersonalTokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=100, help_text="For example, reports.")
    expires_on = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(days=30)
