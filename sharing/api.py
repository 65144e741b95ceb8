"""API building blocks: idempotent POSTs, service errors as 400s, and an OpenAPI schema that
documents the error answers and says which keys the access policy may leave out.

What a caller may see is decided by the case record's access policy (`cases.access`): rows by
`visible_to(user)` (section-aware), keys by `config.api.AccessKeyedSerializer`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from .models import IdempotencyKey

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[\x21-\x7e]+")
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A unique key per logical request (e.g. a UUID). A retry with the same key and "
    "body returns the first response instead of creating a duplicate.",
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ApiAutoSchema(AutoSchema):
    """The project's OpenAPI schema: documents the error answers every endpoint can give (401,
    404 on details, 400 on bad filters or bodies, 403/422 on writes, 429 when throttled), and marks
    the keys an `AccessKeyedSerializer` may leave out as optional."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        errors: dict[str, Any] = {"401": ErrorSerializer, "429": ErrorSerializer}
        if self.method == "GET" and "{" in self.path:
            errors["404"] = ErrorSerializer
        if self.method == "GET" and self._is_list_view():
            errors["400"] = OpenApiTypes.OBJECT  # {"field": ["message", ...]}
        if self.method in {"POST", "PUT", "PATCH"}:
            errors.update({"400": OpenApiTypes.OBJECT, "403": ErrorSerializer})
            errors["422"] = ErrorSerializer
        for code, shape in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(shape, code, direction=direction)
        return responses

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        always = getattr(serializer, "always_fields", None)
        if always is not None and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name in always]
            if not schema["required"]:
                del schema["required"]
        return schema


def django_errors_to_api(error: DjangoValidationError) -> exceptions.ValidationError:
    """A service's Django ValidationError as a DRF 400 with field-level messages."""
    if hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.message_dict)
    return exceptions.ValidationError({"non_field_errors": error.messages})


def _request_digest(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


class IdempotentCreateMixin:
    """`POST` with an `Idempotency-Key` header: the first success is stored with its response;
    a retry with the same key and body replays it (header ``Idempotent-Replayed: true``); the same
    key with another body is a 422. Concurrent retries: the unique key lets one win (ADR 0035).
    A key older than `API_IDEMPOTENCY_KEY_DAYS` counts as unused: the request runs again and its
    response replaces the stored one.

    Subclasses implement `perform_idempotent_create(request) -> Response`.
    """

    def perform_idempotent_create(self, request: Request) -> Response:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            return self.perform_idempotent_create(request)
        if len(key) > 200:
            raise exceptions.ValidationError(
                {IDEMPOTENCY_HEADER: ["An idempotency key is at most 200 characters."]}
            )
        if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
            # A NUL or control character would fail in the database (a 500), not here.
            raise exceptions.ValidationError(
                {IDEMPOTENCY_HEADER: ["Use visible ASCII characters only (a UUID, say)."]}
            )
        digest = _request_digest(request)
        user: Any = request.user
        now = timezone.now()
        replay = self._replay(request, key, digest, now)
        if replay is not None:
            return replay
        try:
            with transaction.atomic():
                response = self.perform_idempotent_create(request)
                if status.is_success(response.status_code):
                    # An expired row for this key makes way (the nightly prune may not have run).
                    IdempotencyKey.objects.expired(now).filter(user=user, key=key).delete()
                    IdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        method=request.method or "POST",
                        path=request.path[:300],
                        request_digest=digest,
                        response_status=response.status_code,
                        response_body=response.data,
                    )
        except IntegrityError:
            # Another request with this key committed first: answer as it did.
            replay = self._replay(request, key, digest, now)
            if replay is None:
                raise
            return replay
        return response

    def _replay(self, request: Request, key: str, digest: str, now: dt.datetime) -> Response | None:
        user: Any = request.user
        stored = IdempotencyKey.objects.honoured(now).filter(user=user, key=key).first()
        if stored is None:
            return None
        if stored.request_digest != digest:
            return Response(
                {"detail": "This Idempotency-Key was already used with a different request."},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(
            stored.response_body,
            status=stored.response_status,
            headers={"Idempotent-Replayed": "true"},
        )
