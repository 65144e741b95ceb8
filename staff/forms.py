"""Forms for staff administration. They validate shape; `staff.services` checks who may do what."""

from typing import Any

from django import forms

from cases.models import Agency, Team, User
from cases.roles import Role

from .selectors import agencies_administered
from .services import roles_given_by

ROLE_LABELS = dict(Role.choices)


class StaffForm(forms.Form):
    """Create (with `username` and a first password) or change an account. Editing your own
    account: role and agency are shown but cannot be changed."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="What they type to sign in. Letters, numbers and @ . + - _ only.",
        error_messages={"required": "Enter a username."},
    )
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.gov.uk."},
    )
    job_title = forms.CharField(label="Job title", max_length=120, required=False)
    role = forms.ChoiceField(label="Role", error_messages={"required": "Select a role."})
    agency: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.none(),
        empty_label=None,
        error_messages={"required": "Select an agency.", "invalid_choice": "Select an agency."},
    )
    teams = forms.ModelMultipleChoiceField(
        label="Teams",
        queryset=Team.objects.none(),
        required=False,
        help_text="A social worker sees the families on their teams' caseloads.",
        widget=forms.CheckboxSelectMultiple,
    )
    password1 = forms.CharField(
        label="First password",
        required=False,
        strip=False,
        widget=forms.PasswordInput,
        help_text="At least 12 characters. Give it to them in person; leave blank to set later.",
    )
    password2 = forms.CharField(
        label="Confirm the first password", required=False, strip=False, widget=forms.PasswordInput
    )

    def __init__(self, *args: Any, actor: User, user: User | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user
        agencies = agencies_administered(actor=actor)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["role"].choices = [(r, ROLE_LABELS[r]) for r in roles_given_by(actor)]  # type: ignore[attr-defined]
        self.fields["teams"].queryset = (  # type: ignore[attr-defined]
            Team.objects.filter(agency__in=agencies).select_related("agency").order_by("name")
        )
        if user is not None:
            del self.fields["username"], self.fields["password1"], self.fields["password2"]
            if user.pk == actor.pk or hasattr(user, "api_client"):
                # Shown, never changed here: a disabled field keeps its initial value.
                self.fields["role"].disabled = True
                self.fields["role"].choices = [(user.role, user.get_role_display())]  # type: ignore[attr-defined]
                self.fields["agency"].disabled = True
                self.fields["role"].help_text = (
                    "You cannot change your own role or agency."
                    if user.pk == actor.pk
                    else "An API client's account keeps its role and agency."
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if (first or second) and first != second:
            self.add_error("password2", "The two passwords do not match.")
        return data


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label="Why is the account being deactivated?",
        widget=forms.Textarea,
        max_length=1000,
        error_messages={"required": "Enter why the account is deactivated."},
    )


class StaffFilterForm(forms.Form):
    q = forms.CharField(label="Name, username or email", required=False, max_length=100)
    role = forms.ChoiceField(label="Role", required=False)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any"), ("active", "Active"), ("deactivated", "Deactivated")],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Any"), *Role.choices]  # type: ignore[attr-defined]
