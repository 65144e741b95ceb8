"""`POST /api/v1/feed/...`: plan, conference and step-down events from the council's own case
system (ADR 0083). Only the council's system account, with its token, may post; it reads nothing.
Each event applies once: natural keys (child and date) make a resend change nothing (200
`unchanged`), and an `Idempotency-Key` replays the first answer of a retried request."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import Agency
from cases.roles import Role
from sharing.api import (
    IDEMPOTENCY_PARAMETER,
    ErrorSerializer,
    IdempotentCreateMixin,
    django_errors_to_api,
)
from sharing.models import ApiToken

from .. import services
from ..services import ChildDecision, FeedConflict, FeedResult
from .serializers import (
    CoreGroupEventSerializer,
    FeedResultSerializer,
    InitialConferenceEventSerializer,
    PlanEndEventSerializer,
    ReviewConferenceEventSerializer,
    Section47EventSerializer,
)


class IsCouncilSystem(permissions.BasePermission):
    """The council's case system: role system, in the council agency, calling with its token
    (never a browser session)."""

    message = "Only the council's case system account posts to the feed, with its API token."

    def has_permission(self, request: Request, view: Any) -> bool:
        user: Any = request.user
        agency = getattr(user, "agency", None)
        return bool(
            user
            and user.is_authenticated
            and user.role == Role.SYSTEM
            and agency is not None
            and agency.kind == Agency.Kind.COUNCIL
            and isinstance(request.auth, ApiToken)
        )


class FeedEventView(IdempotentCreateMixin, GenericAPIView):
    """One kind of event: validate the body, apply it through a feed service, answer 201 when it
    changed something, 200 when it was already applied, 409 when it contradicts the record."""

    permission_classes = [permissions.IsAuthenticated, IsCouncilSystem]
    apply: Callable[..., FeedResult]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.create(request, *args, **kwargs)

    def event_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return data

    def perform_idempotent_create(self, request: Request) -> Response:
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            result = type(self).apply(
                actor=request.user, **self.event_arguments(form.validated_data)
            )
        except DjangoValidationError as error:
            raise django_errors_to_api(error) from error
        except FeedConflict as conflict:
            return Response({"detail": str(conflict)}, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_201_CREATED if result.applied else status.HTTP_200_OK
        return Response(FeedResultSerializer(result.as_dict()).data, status=code)


def _schema(summary: str, request: type) -> Callable[[Any], Any]:
    return extend_schema(
        summary=summary,
        request=request,
        responses={
            201: FeedResultSerializer,
            200: FeedResultSerializer,
            409: ErrorSerializer,
        },
        parameters=[IDEMPOTENCY_PARAMETER],
        tags=["feed"],
    )


class Section47EventView(FeedEventView):
    serializer_class = Section47EventSerializer
    apply = staticmethod(services.feed_section47)

    @_schema("A strategy discussion started section 47 enquiries", Section47EventSerializer)
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class InitialConferenceEventView(FeedEventView):
    serializer_class = InitialConferenceEventSerializer
    apply = staticmethod(services.feed_initial_conference)

    @_schema("An initial conference: a plan (or not) per child", InitialConferenceEventSerializer)
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)

    def event_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "held_on": data["held_on"],
            "decisions": [
                ChildDecision(
                    la_child_id=child["la_child_id"],
                    plan=child["decision"] == "plan",
                    category=child.get("category", ""),
                    da_at_planning=child["da_at_planning"],
                    number_of_previous_cpp=child.get("number_of_previous_cpp"),
                )
                for child in data["children"]
            ],
        }


class ReviewConferenceEventView(FeedEventView):
    serializer_class = ReviewConferenceEventSerializer
    apply = staticmethod(services.feed_review_conference)

    @_schema(
        "A review conference: continue, step down to CIN, or end",
        ReviewConferenceEventSerializer,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class CoreGroupEventView(FeedEventView):
    serializer_class = CoreGroupEventSerializer
    apply = staticmethod(services.feed_core_group)

    @_schema("A core group meeting, with attendance by agency", CoreGroupEventSerializer)
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class PlanEndEventView(FeedEventView):
    serializer_class = PlanEndEventSerializer
    apply = staticmethod(services.feed_plan_end)

    @_schema("A plan ended for a reason other than a step-down", PlanEndEventSerializer)
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
