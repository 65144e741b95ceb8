"""Shared pieces of the `/api/v1/` API: every read through it is audit-logged here, once, with the
family each record belongs to; what a record's representation may carry is the access policy's
(`cases.access`) answer."""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import django_filters
from django import forms
from rest_framework import exceptions, pagination, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from audit.services import audit_read


def api_audit_details(request: Request) -> dict[str, Any]:
    """Who called and how, for every API audit event: the token (when one was used), the
    caller's agency, the endpoint and the method. The token names itself via `audit_label()`."""
    user = request.user
    agency = getattr(user, "agency", None)
    token = request.auth
    return {
        **(token.audit_label() if hasattr(token, "audit_label") else {"token": None}),
        "agency": getattr(agency, "code", None),
        "endpoint": request.path,
        "method": request.method,
    }


CURSOR_PATTERN = re.compile(r"[A-Za-z0-9_\-]{1,200}={0,2}")
POSITION_PATTERN = re.compile(r"[0-9]{1,19}")


class IdCursorPagination(pagination.CursorPagination):
    """Cursor pagination in id order: stable under inserts, one indexed range scan per page.

    Strict: a bad `page_size` or `cursor` is a 400 naming the parameter, not silently ignored.
    """

    ordering = "id"
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # ASCII digits only: str.isdigit() also says yes to "²", which int() refuses.
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [f"Enter a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def decode_cursor(self, request: Request) -> Any:
        """Only a cursor this API wrote is accepted: URL-safe base64 of at most 200 characters
        whose position is an id. Anything else (`p=` with no id, stray characters base64 would
        skip) is a 400 naming the parameter, never a query with a bad value (a 500)."""
        invalid = exceptions.ValidationError({"cursor": ["Invalid cursor."]})
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is not None and not CURSOR_PATTERN.fullmatch(encoded):
            raise invalid
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as error:
            raise invalid from error
        position = getattr(cursor, "position", None)
        if position is not None and not POSITION_PATTERN.fullmatch(position):
            raise invalid
        return cursor


#: The largest id PostgreSQL's bigint holds: a larger one is a 400, not a database error.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number from 1 to `MAX_ID` (a decimal, an exponent or an overflowing
    number is a 400 naming the parameter)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class _UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC here: PostgreSQL refuses offsets beyond 15:59
    (a valid Python offset such as +17:19 would reach the query and fail, a 500), and a time at
    the very edge of year 9999 has no UTC equivalent."""

    def to_python(self, value: Any) -> Any:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except (OverflowError, ValueError) as error:
            raise forms.ValidationError("Enter a date and time that exists.") from error


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcIsoDateTimeField


class StrictFilterSet(django_filters.FilterSet):
    """A filter given with no usable value (`?open=`, `?open=maybe`) is a 400, not ignored, so a
    caller never mistakes an unfiltered list for a filtered one."""

    def is_valid(self) -> bool:
        valid = bool(super().is_valid())
        cleaned = getattr(self.form, "cleaned_data", {})
        for name in self.filters:
            if name in self.data and name in cleaned and cleaned[name] in (None, ""):
                self.form.add_error(name, "Enter a value, or leave this parameter out.")
                valid = False
        return valid


class AccessKeyedSerializer(serializers.Serializer):
    """Sends only the keys the access policy allows for each record.

    The view puts ``{pk: cases.access.Access}`` in the context as ``"access"``; `allowed_keys`
    (per serializer) turns a record's `Access` into its keys. `always_fields` are the keys every
    visible record carries (the schema marks the others optional). A record with no `Access` in
    the context gets only `always_fields`.
    """

    always_fields: frozenset[str] = frozenset()

    def allowed_keys(self, instance: Any, access: Any) -> frozenset[str]:
        return self.always_fields

    def represent(self, instance: Any) -> dict[str, Any]:
        """Every declared key; override with a direct dict builder on hot paths."""
        data: dict[str, Any] = super().to_representation(instance)
        return data

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = self.represent(instance)
        access = self.context.get("access", {}).get(instance.pk)
        allowed = self.always_fields if access is None else self.allowed_keys(instance, access)
        return {key: value for key, value in data.items() if key in allowed}


class AuditedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only viewset whose list and detail responses record what the caller saw.

    Subclasses set `audit_name` (e.g. ``"family"``) and build `get_queryset()` from
    `Model.objects.visible_to(self.request.user)`, so an unseen record is a 404 like a missing one.
    `audit_details()` adds who-called context: by default the token, agency, endpoint and
    method (`api_audit_details`); extend it with `{**super().audit_details(), ...}`.
    """

    audit_name: str = ""
    #: Any path segment reaches the view, so a malformed id is the same JSON 404 as a missing one.
    lookup_value_regex = "[^/]+"

    def audit_details(self) -> dict[str, Any]:
        return api_audit_details(self.request)

    def prepare_rows(self, rows: list[Any]) -> None:
        """Hook: load per-page extras (e.g. what the policy allows) for `rows` before shaping."""

    def audit_families(self, rows: Sequence[Any]) -> Mapping[Any, Sequence[int]] | None:
        """Hook: the families each row belongs to, `{pk: [family ids]}`, when a row does not
        carry its own `family_id` (a person, a plan), so the read is in each family's trail."""
        return None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        self.prepare_rows(rows)
        audit_read(
            actor=request.user,
            targets=rows,
            action=f"{self.audit_name}.api_list",
            details=self.audit_details(),
            families=self.audit_families(rows),
        )
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        self.prepare_rows([instance])
        audit_read(
            actor=request.user,
            targets=[instance],
            action=f"{self.audit_name}.api_view",
            details=self.audit_details(),
            families=self.audit_families([instance]),
        )
        return Response(self.get_serializer(instance).data)
