"""Forms for the cohort pages: validation and shaping only; services make the changes."""

from django import forms
from django.db.models import QuerySet

from cases.models import Team, User
from cases.roles import Role

from .models import CohortFlag
from .selectors import FlagFilters

SORT_CHOICES = [
    ("-flagged", "Most recently flagged"),
    ("flagged", "Longest flagged"),
    ("family", "Family reference"),
    ("status", "Status"),
]


def transition_workers() -> QuerySet[User]:
    return User.objects.filter(role=Role.TRANSITION_WORKER, is_active=True).order_by(
        "first_name", "last_name", "id"
    )


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *CohortFlag.Status.choices], required=False
    )
    flagged_since = forms.DateField(
        required=False,
        label="Flagged since",
        error_messages={"invalid": "Enter the date as year-month-day, for example 2024-06-30"},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="Any team"
    )
    worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Any worker",
        label="Transition worker",
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label="Sort by")

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = transition_workers()  # type: ignore[attr-defined]

    def filters(self) -> FlagFilters:
        """The valid filters (an invalid one is reported and ignored)."""
        data = self.cleaned_data if self.is_bound else {}
        worker = data.get("worker")
        return FlagFilters(
            status=data.get("status") or "",
            flagged_since=data.get("flagged_since"),
            team=data.get("team"),
            worker_id=worker.pk if worker else None,
            sort=data.get("sort") or "-flagged",
        )


class AcceptForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note (optional)"
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why is this family not in the cohort?",
        error_messages={"required": "Enter why the flag is declined"},
    )


class _ChooseWorkerForm(forms.Form):
    """A choice of the active transition workers (read when the form is made)."""

    worker_label = "Transition worker"
    worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        empty_label="Choose a transition worker",
        error_messages={"required": "Choose a transition worker"},
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = transition_workers()  # type: ignore[attr-defined]
        self.fields["worker"].label = self.worker_label


class AllocateForm(_ChooseWorkerForm):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note (optional)"
    )


class ReallocateForm(_ChooseWorkerForm):
    worker_label = "New transition worker"
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why is the family moving to another worker?",
        error_messages={"required": "Enter why the family is moving to another worker"},
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = transition_workers()  # type: ignore[attr-defined]


class ActivateForm(AcceptForm):
    pass


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=CohortFlag.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an outcome"},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note (optional)"
    )


class DisputeForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="What do you challenge about this flag?",
        error_messages={"required": "Enter your challenge"},
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Your answer",
        error_messages={"required": "Enter your answer"},
    )
