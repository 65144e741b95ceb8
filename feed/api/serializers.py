"""Shapes of the feed events. They validate input only; the services check state and rules."""

from typing import Any

from rest_framework import serializers

from cases.codes import CategoryOfAbuse
from cases.models import Conference
from protection.services import END_REASONS_OUTSIDE_CONFERENCE, REVIEW_DECISIONS


class ChildrenField(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(max_length=20), min_length=1, **kwargs)


class Section47EventSerializer(serializers.Serializer):
    children = ChildrenField(help_text="LA child IDs of the children the enquiries are about.")
    strategy_discussion_date = serializers.DateField()
    referral_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Needed only for a child with no open CIN episode.",
    )


class InitialDecisionSerializer(serializers.Serializer):
    la_child_id = serializers.CharField(max_length=20)
    decision = serializers.ChoiceField(choices=[("plan", "Plan made"), ("no_plan", "No plan")])
    category = serializers.ChoiceField(
        choices=CategoryOfAbuse.choices, required=False, allow_blank=True
    )
    da_at_planning = serializers.BooleanField(
        default=False, help_text="Domestic abuse recorded as a risk at planning."
    )
    number_of_previous_cpp = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, help_text="Census NumberOfPreviousCPP."
    )

    def validate(self, attrs: dict) -> dict:
        if attrs["decision"] == "plan" and not attrs.get("category"):
            raise serializers.ValidationError({"category": ["A plan needs a category of abuse."]})
        return attrs


class InitialConferenceEventSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    children = InitialDecisionSerializer(many=True, allow_empty=False)


class ReviewConferenceEventSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    children = ChildrenField(help_text="LA child IDs of the children whose plans were reviewed.")
    decision = serializers.ChoiceField(
        choices=[(d.value, Conference.Decision(d).label) for d in REVIEW_DECISIONS],
        help_text="step_down ends the plan that day; the CIN plan starts on planned_cin_start.",
    )
    planned_cin_start = serializers.DateField(required=False, allow_null=True)


class CoreGroupEventSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    children = ChildrenField()
    agencies = serializers.ListField(
        child=serializers.SlugField(max_length=50),
        min_length=1,
        help_text="Codes of the agencies that attended.",
    )


class PlanEndEventSerializer(serializers.Serializer):
    child = serializers.CharField(max_length=20, help_text="The child's LA child ID.")
    plan_start_date = serializers.DateField()
    end_date = serializers.DateField()
    end_reason = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in END_REASONS_OUTSIDE_CONFERENCE]
    )


class FeedResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["applied", "unchanged"])
    applied = serializers.ListField(
        child=serializers.CharField(), help_text="Children this request changed."
    )
    unchanged = serializers.ListField(
        child=serializers.CharField(), help_text="Children for whom the event was already applied."
    )
