"""`/api/v1/cohort/`: read-only, visibility first (`visible_to(user)`), every read audit-logged
by `AuditedReadOnlyViewSet`. A partner agency sees the flags of families shared with it under the
"cohort" scope (`CohortFlag.objects.visible_to`), and the plan dates behind a flag only where the
family is shared with plans too (the access policy, `cases.access`)."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view

from cases.access import family_access
from config.api import AuditedReadOnlyViewSet, IdCursorPagination

from ..models import CohortFlag, CohortFlagChild, CohortRun
from .filters import CohortFlagFilter, CohortRunFilter
from .serializers import CohortFlagSerializer, CohortRunSerializer


@extend_schema_view(
    list=extend_schema(summary="Transition cohort flags you may see"),
    retrieve=extend_schema(summary="One cohort flag with its children and why"),
)
class CohortFlagViewSet(AuditedReadOnlyViewSet):
    audit_name = "cohort_flag"
    serializer_class = CohortFlagSerializer
    filterset_class = CohortFlagFilter
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[CohortFlag]:
        children = CohortFlagChild.objects.select_related("child", "result__run").order_by(
            "child_id"
        )
        return (
            CohortFlag.objects.visible_to(self.request.user)
            .select_related("family")
            .prefetch_related(Prefetch("children", queryset=children))
        )

    def prepare_rows(self, rows: list[Any]) -> None:
        self.family_access = family_access(
            user=self.request.user, family_ids={row.family_id for row in rows}
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "access": getattr(self, "family_access", {})}


@extend_schema_view(
    list=extend_schema(summary="Nightly cohort runs"),
    retrieve=extend_schema(summary="One cohort run"),
)
class CohortRunViewSet(AuditedReadOnlyViewSet):
    audit_name = "cohort_run"
    serializer_class = CohortRunSerializer
    filterset_class = CohortRunFilter
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[CohortRun]:
        return CohortRun.objects.visible_to(self.request.user)
