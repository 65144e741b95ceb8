"""Shapes for `/api/v1/cohort/`: read-only, flat, no writes of related rows."""

from typing import Any

from rest_framework import serializers

from cases import access

from ..models import CohortFlag, CohortFlagChild, CohortRun


class FlagChildSerializer(serializers.ModelSerializer):
    """A child named on a flag and why they qualify. The why is plan dates: sent only to a
    caller who holds the family's `plans` section (the view passes `{family id: Access}`)."""

    #: Keys sent whatever the caller's sections (the child is a member of a visible family).
    always_fields = frozenset({"child", "la_child_id"})

    la_child_id = serializers.CharField(source="child.la_child_id", allow_null=True)
    plan_start = serializers.DateField(source="result.plan_start")
    previous_plan_end = serializers.DateField(source="result.previous_plan_end", allow_null=True)
    da_flag_recorded_on = serializers.DateField(
        source="result.da_flag_recorded_on", allow_null=True
    )
    da_assessment_start = serializers.DateField(
        source="result.da_assessment_start", allow_null=True
    )
    months_on_plan = serializers.IntegerField(source="result.months_on_plan")
    step_down_decided_on = serializers.DateField(source="result.step_down_decided_on")
    step_down_date = serializers.DateField(source="result.step_down_date")

    class Meta:
        model = CohortFlagChild
        fields = [
            "child",
            "la_child_id",
            "plan",
            "plan_start",
            "previous_plan_end",
            "da_flag_recorded_on",
            "da_assessment_start",
            "months_on_plan",
            "step_down_decided_on",
            "step_down_date",
        ]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        family_access = self.context.get("access", {}).get(instance.flag.family_id)
        if family_access is None or not family_access.sees(access.PLANS.code):
            data = {key: value for key, value in data.items() if key in self.always_fields}
        return data


class CohortFlagSerializer(serializers.ModelSerializer):
    family_reference = serializers.CharField(source="family.reference")
    children = FlagChildSerializer(many=True)

    class Meta:
        model = CohortFlag
        fields = [
            "id",
            "family",
            "family_reference",
            "status",
            "flagged_on",
            "worker",
            "allocated_on",
            "first_review_due",
            "outcome",
            "children",
        ]


class CohortRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = CohortRun
        fields = [
            "id",
            "as_of",
            "started_at",
            "finished_at",
            "status",
            "error",
            "rule_version",
            "parameters",
            "children_evaluated",
            "children_qualifying",
            "history_missing",
            "flags_created",
            "flags_updated",
            "flags_unchanged",
        ]
