"""Shared pieces of the `/api/v1/` API: every read through it is audit-logged here, once."""

from typing import Any

from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import audit_read


class AuditedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only viewset whose list and detail responses record what the caller saw.

    Subclasses set `audit_name` (e.g. ``"family"``) and build `get_queryset()` from
    `Model.objects.visible_to(self.request.user)`, so an unseen record is a 404 like a missing one.
    `audit_details()` adds who-called context (the API helper adds the token and agency).
    """

    audit_name: str = ""

    def audit_details(self) -> dict[str, Any]:
        return {}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        audit_read(
            actor=request.user,
            targets=rows,
            action=f"{self.audit_name}.api_list",
            details=self.audit_details(),
        )
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        audit_read(
            actor=request.user,
            targets=[instance],
            action=f"{self.audit_name}.api_view",
            details=self.audit_details(),
        )
        return Response(self.get_serializer(instance).data)
