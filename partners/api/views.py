"""`/api/v1/` endpoints for the case record. Every queryset starts from `visible_to(user)` (so an
unshared id is a 404 exactly like a missing one, and a section's records, such as plans, only
where the caller holds the section); the keys of each family and person are what the access
policy allows (`cases.access`); every read and write is audit-logged with the token, agency,
endpoint and the families concerned."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import access
from cases.access import Access, family_access, person_access
from cases.models import (
    Agency,
    CINPlan,
    Conference,
    CPPlan,
    DAIncident,
    Family,
    FamilyMembership,
    Person,
)
from cases.roles import Role
from cases.selectors import families_of_people
from cases.services import da_incident_record
from config.api import AuditedReadOnlyViewSet, IdCursorPagination, api_audit_details
from sharing.api import IDEMPOTENCY_PARAMETER, IdempotentCreateMixin, django_errors_to_api
from sharing.models import ApiToken
from sharing.selectors import agreement_counts

from .filters import FamilyFilter, IncidentFilter, PersonFilter, PlanFilter
from .serializers import (
    FamilySerializer,
    IncidentCreateSerializer,
    IncidentSerializer,
    MeSerializer,
    PersonSerializer,
    PlanSerializer,
    iso_date,
)

PLAN_SUMMARY_FIELDS = (
    "id",
    "child_id",
    "start_date",
    "end_date",
    "initial_category",
    "latest_category",
)


@dataclass(frozen=True)
class FamilyPageExtras:
    """What a page of families sends beside each family's own columns, keyed by family id."""

    access: dict[int, Access]
    members: dict[int, list[dict[str, Any]]]
    cp_plans: dict[int, list[dict[str, Any]]]
    incidents: dict[int, list[dict[str, Any]]]


def family_page_extras(*, user: Any, family_ids: list[int]) -> FamilyPageExtras:
    """What the policy allows of each family of a page, its members, and (where the caller holds
    those sections) CP plans and incidents, as plain values in their final shape: one query each,
    no model instances. The API's family list and detail use it, and so does the benchmark's
    plain-Django ceiling."""
    ids = list(family_ids)
    row_access = family_access(user=user, family_ids=ids)
    members: dict[int, list[dict[str, Any]]] = defaultdict(list)
    member_rows = (
        FamilyMembership.objects.filter(family_id__in=ids)
        .order_by("id")
        .values_list("family_id", "person_id", "person__kind", "abuse_role", "relationship")
    )
    for family_id, person_id, kind, abuse_role, relationship in member_rows:
        members[family_id].append(
            {
                "person": person_id,
                "kind": kind,
                "abuse_role": abuse_role,
                "relationship": relationship,
            }
        )
    plans: dict[int, list[dict[str, Any]]] = defaultdict(list)
    with_plans = [pk for pk in ids if row_access[pk].sees(access.PLANS.code)]
    if with_plans:
        plan_rows = (
            CPPlan.objects.filter(child__memberships__family_id__in=with_plans)
            .order_by("start_date", "id")
            .values_list("child__memberships__family_id", *PLAN_SUMMARY_FIELDS)
        )
        for family_id, pk, child, start, end, initial, latest in plan_rows:
            plans[family_id].append(
                {
                    "id": pk,
                    "child": child,
                    "start_date": iso_date(start),
                    "end_date": iso_date(end),
                    "initial_category": initial,
                    "latest_category": latest,
                }
            )
    incidents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    with_incidents = [pk for pk in ids if row_access[pk].sees(access.INCIDENTS.code)]
    if with_incidents:
        incident_rows = (
            DAIncident.objects.filter(family_id__in=with_incidents)
            .order_by("occurred_on", "id")
            .values_list("family_id", "id", "occurred_on")
        )
        for family_id, pk, occurred_on in incident_rows:
            incidents[family_id].append({"id": pk, "occurred_on": iso_date(occurred_on)})
    return FamilyPageExtras(row_access, members, plans, incidents)


class AccessRowsMixin:
    """Puts what the policy allows of each row (computed once per page) into the serializer
    context, for `AccessKeyedSerializer`."""

    row_access: dict[int, Access]

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()  # type: ignore[misc]
        context["access"] = getattr(self, "row_access", {})
        return context


@extend_schema_view(
    list=extend_schema(summary="Families shared with you"),
    retrieve=extend_schema(summary="One shared family"),
)
class FamilyViewSet(AccessRowsMixin, AuditedReadOnlyViewSet):
    """Families the caller may see; the keys sent are what the access policy allows."""

    audit_name = "family"
    serializer_class = FamilySerializer
    filterset_class = FamilyFilter
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Family]:
        return (
            Family.objects.visible_to(self.request.user)
            .only("id", "reference", "updated_at", "address", "postcode", "address_confidential")
            .order_by("id")
        )

    def prepare_rows(self, rows: list[Any]) -> None:
        extras = family_page_extras(user=self.request.user, family_ids=[r.pk for r in rows])
        self.row_access = extras.access
        for row in rows:
            row.api_members = extras.members.get(row.pk, [])
            row.api_cp_plans = extras.cp_plans.get(row.pk, [])
            row.api_incidents = extras.incidents.get(row.pk, [])


@extend_schema_view(
    list=extend_schema(summary="People shared with you"),
    retrieve=extend_schema(summary="One shared person"),
)
class PersonViewSet(AccessRowsMixin, AuditedReadOnlyViewSet):
    """People in shared families, or shared on their own."""

    audit_name = "person"
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[Person]:
        user = self.request.user
        memberships = (
            FamilyMembership.objects.filter(
                Exists(Family.objects.visible_to(user).filter(pk=OuterRef("family_id")))
            )
            .only("id", "family_id", "person_id", "abuse_role", "relationship")
            .order_by("id")
        )
        plans = CPPlan.objects.only(*PLAN_SUMMARY_FIELDS).order_by("start_date", "id")
        return (
            Person.objects.visible_to(user)
            .prefetch_related(
                Prefetch("memberships", queryset=memberships, to_attr="visible_memberships"),
                Prefetch("cp_plans", queryset=plans),
            )
            .order_by("id")
        )

    def prepare_rows(self, rows: list[Any]) -> None:
        self.row_access = person_access(user=self.request.user, person_ids=[r.pk for r in rows])
        cin_plans: dict[int, list[CINPlan]] = defaultdict(list)
        with_plans = [r.pk for r in rows if self.row_access[r.pk].sees(access.PLANS.code)]
        if with_plans:
            rows_qs = CINPlan.objects.filter(episode__child_id__in=with_plans).annotate(
                child_pk=F("episode__child_id")
            )
            for plan in rows_qs.order_by("start_date", "id"):
                cin_plans[plan.child_pk].append(plan)
        for row in rows:
            row.person_cin_plans = cin_plans.get(row.pk, [])

    def audit_families(self, rows: Sequence[Any]) -> Mapping[Any, Sequence[int]]:
        return families_of_people(person_ids=[row.pk for row in rows])


@extend_schema_view(
    list=extend_schema(summary="CP plans shared with you (scope: plans)"),
    retrieve=extend_schema(summary="One CP plan with its conferences and step-down"),
)
class PlanViewSet(AuditedReadOnlyViewSet):
    """CP plans, conferences and step-downs to CIN, for children shared under `plans`
    (`CPPlan.objects.visible_to` holds the section rule)."""

    audit_name = "cp_plan"
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    pagination_class = IdCursorPagination

    def get_queryset(self) -> QuerySet[CPPlan]:
        conferences = Conference.objects.order_by("held_on", "id")
        return (
            CPPlan.objects.visible_to(self.request.user)
            .select_related("step_down__cin_plan")
            .prefetch_related(Prefetch("conferences", queryset=conferences))
            .order_by("id")
        )

    def audit_families(self, rows: Sequence[Any]) -> Mapping[Any, Sequence[int]]:
        by_child = families_of_people(person_ids={row.child_id for row in rows})
        return {row.pk: by_child.get(row.child_id, []) for row in rows}


class NotifiesIncidents(permissions.BasePermission):
    """Reading needs an authenticated caller; notifying (POST) is for police accounts."""

    message = "Only police accounts notify domestic abuse incidents."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method != "POST":
            return True  # other methods: a read, or 405 from the view
        user: Any = request.user
        return bool(
            user.role == Role.PARTNER
            and user.agency is not None
            and user.agency.kind == Agency.Kind.POLICE
        )


@extend_schema_view(
    list=extend_schema(summary="DA incident notifications (scope: incidents)"),
    retrieve=extend_schema(summary="One DA incident notification"),
)
class IncidentViewSet(IdempotentCreateMixin, AuditedReadOnlyViewSet):
    """Domestic abuse incidents notified by the police (Operation Encompass-style), on families
    shared under `incidents` (`DAIncident.objects.visible_to` holds the section rule)."""

    audit_name = "da_incident"
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = IdCursorPagination
    permission_classes = [permissions.IsAuthenticated, NotifiesIncidents]

    def get_queryset(self) -> QuerySet[DAIncident]:
        return (
            DAIncident.objects.visible_to(self.request.user)
            .select_related("reported_by_agency")
            .prefetch_related("people_involved", "children_present")
            .order_by("id")
        )

    @extend_schema(
        summary="Notify a DA incident",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def perform_idempotent_create(self, request: Request) -> Response:
        user: Any = request.user
        families = access.narrow(
            Family.objects.visible_to(user),
            user=user,
            section=access.INCIDENTS.code,
            family_path="pk",
        )
        form = IncidentCreateSerializer(data=request.data, context={"families": families})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            incident = da_incident_record(
                actor=user,
                family=data["family"],
                occurred_on=data["occurred_on"],
                summary=data["summary"],
                police_reference=data.get("police_reference", ""),
                people_involved=data["people_involved"],
                children_present=data.get("children_present", []),
                details=api_audit_details(request),
            )
        except DjangoValidationError as error:
            raise django_errors_to_api(error) from error
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)


ENDPOINTS = [
    ("/api/v1/families/", ["GET"]),
    ("/api/v1/people/", ["GET"]),
    ("/api/v1/plans/", ["GET"]),
    ("/api/v1/incidents/", ["GET"]),
    ("/api/v1/cohort/flags/", ["GET"]),
    ("/api/v1/me/", ["GET"]),
]


class MeView(APIView):
    """Who this token (or session) is, and what it may do."""

    @extend_schema(summary="Who am I, and what may I do", responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        user: Any = request.user
        token = request.auth if isinstance(request.auth, ApiToken) else None
        agency = user.agency
        may_notify = NotifiesIncidents().has_permission(_as_post(request), self)
        endpoints = [
            {
                "path": path,
                "methods": [*methods, "POST"] if may_notify and "incidents" in path else methods,
            }
            for path, methods in ENDPOINTS
        ]
        data = {
            "username": user.get_username(),
            "name": user.get_full_name() or user.get_username(),
            "role": user.role,
            "agency": agency and {"code": agency.code, "name": agency.name, "kind": agency.kind},
            "authentication": "token" if token else "session",
            "token": token
            and {
                "id": token.pk,
                "name": token.name,
                "prefix": token.prefix,
                "expires_at": token.expires_at,
                "client": token.client.name if token.client else None,
            },
            "scopes": [
                {"code": s.code, "label": s.label, "hint": s.hint} for s in access.shareable()
            ],
            "shared": agreement_counts(user=user),
            "endpoints": endpoints,
        }
        return Response(MeSerializer(data).data)


class _PostProbe:
    method = "POST"

    def __init__(self, user: Any) -> None:
        self.user = user


def _as_post(request: Request) -> Any:
    return _PostProbe(request.user)
