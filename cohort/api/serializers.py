"""Shapes for `/api/v1/cohort/`: read-only, flat, no writes of related rows."""

from rest_framework import serializers

from ..models import CohortFlag, CohortFlagChild, CohortRun


class FlagChildSerializer(serializers.ModelSerializer):
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
