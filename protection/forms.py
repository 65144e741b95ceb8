"""Browser forms for the child protection journey. They check the shape of what was typed; the
services check the rules (DfE, state) and their errors come back onto these fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from cases.codes import CategoryOfAbuse
from cases.models import Agency, Conference, Person
from config.forms import GovukDateField

from .services import END_REASONS_OUTSIDE_CONFERENCE, InitialDecision

DATE_HINT = "For example, 27 3 2026"


def _date(label: str, *, required: bool = True, hint: str = DATE_HINT) -> GovukDateField:
    return GovukDateField(
        label=label,
        required=required,
        help_text=hint,
        error_messages={"required": f"Enter the {label[0].lower()}{label[1:]}."},
    )


def _children_field(children: Sequence[Person], label: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=[(str(child.pk), str(child)) for child in children],
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all the children this applies to.",
        error_messages={"required": "Select at least one child."},
    )


class _ChildrenForm(forms.Form):
    """A form about some of a family's children, offered as checkboxes (all ticked at first)."""

    def __init__(self, *args: Any, children: Sequence[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children = {str(child.pk): child for child in children}
        self.fields = {"children": _children_field(children, self.children_label), **self.fields}
        self.fields["children"].initial = list(self.children)

    children_label = "Children"

    def chosen(self) -> list[Person]:
        return [self.children[pk] for pk in self.cleaned_data["children"]]


class Section47Form(_ChildrenForm):
    children_label = "Which children are the enquiries about?"
    strategy_discussion_date = _date("Date of the strategy discussion")
    referral_date = _date(
        "Referral date",
        required=False,
        hint="Only needed for a child with no open child in need episode. For example, 27 3 2026",
    )


class InitialConferenceForm(forms.Form):
    """One conference for the siblings: for each child, whether a plan was made, its category of
    abuse, and whether domestic abuse was recorded as a risk at planning."""

    NOT_CONSIDERED = "not_considered"
    DECISIONS = [
        ("plan", "Child protection plan made"),
        ("no_plan", "No plan needed"),
        (NOT_CONSIDERED, "Not considered at this conference"),
    ]

    held_on = _date("Date of the conference")

    def __init__(self, *args: Any, children: Sequence[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children = list(children)
        for child in self.children:
            self.fields[f"decision_{child.pk}"] = forms.ChoiceField(
                label=f"Decision for {child}",
                choices=self.DECISIONS,
                widget=forms.RadioSelect,
                initial="plan",
                error_messages={"required": f"Select the decision for {child}."},
            )
            self.fields[f"category_{child.pk}"] = forms.ChoiceField(
                label=f"Category of abuse for {child}",
                choices=[("", "Select a category"), *CategoryOfAbuse.choices],
                required=False,
            )
            self.fields[f"da_{child.pk}"] = forms.BooleanField(
                label=f"Domestic abuse recorded as a risk at planning for {child}",
                required=False,
            )
        self.fields["notes"] = forms.CharField(
            label="Notes (optional)", widget=forms.Textarea, required=False, max_length=5000
        )

    def child_rows(
        self,
    ) -> list[tuple[Person, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (
                child,
                self[f"decision_{child.pk}"],
                self[f"category_{child.pk}"],
                self[f"da_{child.pk}"],
            )
            for child in self.children
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        considered = 0
        for child in self.children:
            decision = data.get(f"decision_{child.pk}")
            if decision and decision != self.NOT_CONSIDERED:
                considered += 1
            if decision == "plan" and not data.get(f"category_{child.pk}"):
                self.add_error(f"category_{child.pk}", f"Select the category of abuse for {child}.")
        if self.children and considered == 0 and not self.errors:
            self.add_error(None, "Record a decision for at least one child.")
        return data

    def decisions(self) -> list[InitialDecision]:
        data = self.cleaned_data
        return [
            InitialDecision(
                child=child,
                plan=data[f"decision_{child.pk}"] == "plan",
                category=data.get(f"category_{child.pk}") or "",
                da_at_planning=bool(data.get(f"da_{child.pk}")),
            )
            for child in self.children
            if data[f"decision_{child.pk}"] != self.NOT_CONSIDERED
        ]


class ReviewConferenceForm(_ChildrenForm):
    children_label = "Which children's plans were reviewed?"
    held_on = _date("Date of the conference")
    decision = forms.ChoiceField(
        label="What did the conference decide?",
        choices=[
            (Conference.Decision.CONTINUE_PLAN, "The plan continues"),
            (Conference.Decision.STEP_DOWN, "The plan ends: step down to a child in need plan"),
            (Conference.Decision.END_PLAN, "The plan ends: no further action"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the conference decided."},
    )
    planned_cin_start = _date(
        "Planned start of the child in need plan",
        required=False,
        hint="Only for a step-down: on or after the conference. For example, 27 3 2026",
    )
    notes = forms.CharField(
        label="Notes (optional)", widget=forms.Textarea, required=False, max_length=5000
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        stepping_down = data.get("decision") == Conference.Decision.STEP_DOWN
        if (
            stepping_down
            and not data.get("planned_cin_start")
            and not self.has_error("planned_cin_start")
        ):
            self.add_error(
                "planned_cin_start", "Enter the planned start of the child in need plan."
            )
        return data


class CoreGroupForm(_ChildrenForm):
    children_label = "Which children's plans was the meeting about?"
    held_on = _date("Date of the meeting")
    agencies = forms.ModelMultipleChoiceField(
        label="Agencies that attended",
        queryset=Agency.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the agencies that attended."},
    )
    notes = forms.CharField(
        label="Notes (optional)", widget=forms.Textarea, required=False, max_length=5000
    )


class PlanEndForm(forms.Form):
    end_date = _date("Date the plan ended")
    end_reason = forms.ChoiceField(
        label="Why did the plan end?",
        choices=[(reason.value, reason.label) for reason in END_REASONS_OUTSIDE_CONFERENCE],
        widget=forms.RadioSelect,
        help_text="A step-down to child in need is recorded at the review conference instead.",
        error_messages={"required": "Select why the plan ended."},
    )
