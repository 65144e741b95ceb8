"""`GET /api/v1/reports/replans/?from=&to=`: the re-plan measures for a period, for managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.roles import Role
from config.api import api_audit_details
from reporting import selectors, services
from reporting.periods import Period
from sharing.api import ErrorSerializer


class IsManager(permissions.BasePermission):
    message = "Reports are for managers."

    def has_permission(self, request: Request, view: Any) -> bool:
        return getattr(request.user, "role", None) == Role.MANAGER


class PeriodSerializer(serializers.Serializer):
    # "from" is a Python keyword: the fields are named in `get_fields`.
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.DateField(help_text="First day of the period (YYYY-MM-DD)."),
            "to": serializers.DateField(help_text="Last day of the period (YYYY-MM-DD)."),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": ["Must be on or after `from`."]})
        if (attrs["to"] - attrs["from"]).days > 3660:
            raise serializers.ValidationError({"to": ["Choose a period of 10 years or less."]})
        return attrs


class ReplanReport(serializers.Serializer):
    figures_as_at = serializers.DateField(allow_null=True)
    plans_started = serializers.IntegerField()
    second_or_subsequent = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="second_or_subsequent / started")
    within_24_months = serializers.IntegerField()
    rate_within_24_months = serializers.FloatField(allow_null=True)
    within_window = serializers.IntegerField()
    rate_within_window = serializers.FloatField(allow_null=True)
    window_months = serializers.IntegerField()
    previous_plan_known = serializers.IntegerField()
    previous_plan_unknown = serializers.IntegerField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        return {"from": serializers.DateField(), "to": serializers.DateField(), **fields}


def replan_report(period: Period) -> dict[str, Any]:
    """The same object `manage.py report_replans --format json` prints."""
    build = selectors.latest_build()
    figures = selectors.replan_figures(period, build=build).as_dict()
    as_at: dt.date | None = build.as_of if build else None
    return {**figures, "figures_as_at": as_at.isoformat() if as_at else None}


class ReplanReportView(APIView):
    """Re-plans among CP plans that started in a period (DOMAIN.md "Measures"): second or
    subsequent plans ever, within 24 months and within the cohort window of the previous plan.
    Read from the latest nightly figures (`figures_as_at`). Managers only."""

    permission_classes = [permissions.IsAuthenticated, IsManager]

    @extend_schema(
        operation_id="reports_replans",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First day."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last day."),
        ],
        responses={
            200: ReplanReport,
            400: OpenApiTypes.OBJECT,
            403: ErrorSerializer,
        },
    )
    def get(self, request: Request) -> Response:
        query = PeriodSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = Period.custom(query.validated_data["from"], query.validated_data["to"])
        services.report_export_record(
            actor=request.user,
            report="api/replans",
            file_format="json",
            details={**period.query(), **api_audit_details(request)},
        )
        return Response(ReplanReport(replan_report(period)).data)
