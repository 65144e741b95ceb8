"""Shapes of the case record in the API. Thin: validate and shape; what a partner receives is
limited by the access policy (`cases.access`): `AccessKeyedSerializer` sends a family's or
person's keys only where its `Access` allows them."""

from typing import Any

from rest_framework import serializers

from cases.access import FAMILY_BASE_KEYS, PERSON_BASE_KEYS, Access
from cases.models import (
    CINPlan,
    Conference,
    CPPlan,
    DAIncident,
    Family,
    FamilyMembership,
    Person,
    StepDown,
)
from config.api import AccessKeyedSerializer


def iso_date(day: Any) -> str | None:
    """A date as the API writes it (ISO 8601), or None."""
    return day.isoformat() if day is not None else None


_DATETIME = serializers.DateTimeField()


# The nested shapes below are sent many times per page, so each writes its dict directly (the
# declared fields still describe it in the OpenAPI schema). Rows come from the viewsets' `.only()`
# querysets, with `person_kind` annotated on memberships.


class MemberSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True)
    kind = serializers.ChoiceField(choices=Person.Kind.choices, read_only=True)

    class Meta:
        model = FamilyMembership
        fields = ["person", "kind", "abuse_role", "relationship"]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {
            "person": instance.person_id,
            "kind": instance.person_kind,
            "abuse_role": instance.abuse_role,
            "relationship": instance.relationship,
        }


class PlanSummarySerializer(serializers.ModelSerializer):
    child = serializers.IntegerField(source="child_id", read_only=True)

    class Meta:
        model = CPPlan
        fields = ["id", "child", "start_date", "end_date", "initial_category", "latest_category"]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {
            "id": instance.pk,
            "child": instance.child_id,
            "start_date": iso_date(instance.start_date),
            "end_date": iso_date(instance.end_date),
            "initial_category": instance.initial_category,
            "latest_category": instance.latest_category,
        }


class CINPlanSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = CINPlan
        fields = ["id", "start_date", "end_date"]


class IncidentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = DAIncident
        fields = ["id", "occurred_on"]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {"id": instance.pk, "occurred_on": iso_date(instance.occurred_on)}


class FamilySerializer(AccessKeyedSerializer, serializers.ModelSerializer):
    """A shared family. Address and postcode only when not confidential, or with the
    `confidential_address` scope; plans and incidents with their scopes."""

    always_fields = FAMILY_BASE_KEYS

    members = MemberSerializer(many=True, read_only=True, source="memberships")
    shared_scopes = serializers.SerializerMethodField()
    cp_plans = PlanSummarySerializer(many=True, required=False, source="family_cp_plans")
    incidents = IncidentSummarySerializer(many=True, required=False, source="da_incidents")
    address = serializers.CharField(required=False)
    postcode = serializers.CharField(required=False)
    address_confidential = serializers.BooleanField(required=False)

    class Meta:
        model = Family
        fields = [
            "id",
            "reference",
            "updated_at",
            "address",
            "postcode",
            "address_confidential",
            "members",
            "shared_scopes",
            "cp_plans",
            "incidents",
        ]

    def allowed_keys(self, instance: Any, access: Access) -> frozenset[str]:
        return access.family_keys(address_confidential=instance.address_confidential)

    def get_shared_scopes(self, instance: Family) -> list[str]:
        access = self.context.get("access", {}).get(instance.pk)
        return access.shared_scopes if access is not None else []

    def represent(self, instance: Any) -> dict[str, Any]:
        # Hot path (50 families a page): `FamilyViewSet.prepare_rows` has loaded the nested
        # lists in their final shape, so the row is one dict.
        return {
            "id": instance.pk,
            "reference": instance.reference,
            "updated_at": _DATETIME.to_representation(instance.updated_at),
            "address": instance.address,
            "postcode": instance.postcode,
            "address_confidential": instance.address_confidential,
            "members": instance.api_members,
            "shared_scopes": self.get_shared_scopes(instance),
            "cp_plans": instance.api_cp_plans,
            "incidents": instance.api_incidents,
        }


class PersonMembershipSerializer(serializers.ModelSerializer):
    family = serializers.IntegerField(source="family_id", read_only=True)

    class Meta:
        model = FamilyMembership
        fields = ["family", "abuse_role", "relationship"]

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {
            "family": instance.family_id,
            "abuse_role": instance.abuse_role,
            "relationship": instance.relationship,
        }


class PersonSerializer(AccessKeyedSerializer, serializers.ModelSerializer):
    """A shared person; `families` lists only the families the caller may see."""

    always_fields = PERSON_BASE_KEYS

    families = PersonMembershipSerializer(many=True, read_only=True, source="visible_memberships")
    shared_scopes = serializers.SerializerMethodField()
    cp_plans = PlanSummarySerializer(many=True, required=False)
    cin_plans = CINPlanSummarySerializer(many=True, required=False, source="person_cin_plans")

    class Meta:
        model = Person
        fields = [
            "id",
            "kind",
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "la_child_id",
            "upn",
            "families",
            "shared_scopes",
            "cp_plans",
            "cin_plans",
        ]

    def allowed_keys(self, instance: Any, access: Access) -> frozenset[str]:
        return access.person_keys()

    def get_shared_scopes(self, instance: Person) -> list[str]:
        access = self.context.get("access", {}).get(instance.pk)
        return access.shared_scopes if access is not None else []


class ConferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conference
        fields = ["id", "kind", "held_on", "decision"]


class StepDownSerializer(serializers.ModelSerializer):
    cin_plan = CINPlanSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = StepDown
        fields = ["decided_on", "planned_cin_start", "source", "cin_plan"]


class PlanSerializer(serializers.ModelSerializer):
    """A CP plan with its conferences and any step-down to CIN."""

    child = serializers.IntegerField(source="child_id", read_only=True)
    conferences = ConferenceSerializer(many=True, read_only=True)
    step_down = serializers.SerializerMethodField()

    class Meta:
        model = CPPlan
        fields = [
            "id",
            "child",
            "start_date",
            "end_date",
            "initial_category",
            "latest_category",
            "number_of_previous_cpp",
            "end_reason",
            "conferences",
            "step_down",
        ]

    def get_step_down(self, plan: CPPlan) -> dict[str, Any] | None:
        step_down = getattr(plan, "step_down", None)
        return StepDownSerializer(step_down).data if step_down is not None else None


class IncidentSerializer(serializers.ModelSerializer):
    family = serializers.IntegerField(source="family_id", read_only=True)
    people_involved: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    children_present: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    reported_by_agency = serializers.CharField(source="reported_by_agency.code", read_only=True)

    class Meta:
        model = DAIncident
        fields = [
            "id",
            "family",
            "occurred_on",
            "summary",
            "police_reference",
            "people_involved",
            "children_present",
            "reported_by_agency",
            "created_at",
        ]


class IncidentCreateSerializer(serializers.Serializer):
    """A police notification. `family` and the people must be shared with the caller's agency
    for incidents; an unshared id is reported exactly like a missing one."""

    family = serializers.PrimaryKeyRelatedField(queryset=Family.objects.none())
    occurred_on = serializers.DateField()
    summary = serializers.CharField(max_length=5000)
    police_reference = serializers.CharField(max_length=40, required=False, allow_blank=True)
    people_involved: Any = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Person.objects.none(), allow_empty=False
    )
    children_present: Any = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Person.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        families = self.context.get("families", Family.objects.none())
        people = Person.objects.filter(memberships__family__in=families).distinct()
        self.fields["family"].queryset = families  # type: ignore[attr-defined]
        self.fields["people_involved"].child_relation.queryset = people  # type: ignore[attr-defined]
        self.fields["children_present"].child_relation.queryset = people  # type: ignore[attr-defined]


class AgencySummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class TokenSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField()
    client = serializers.CharField(allow_null=True)


class ScopeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label: Any = serializers.CharField()
    hint = serializers.CharField()


class EndpointSerializer(serializers.Serializer):
    path = serializers.CharField()
    methods = serializers.ListField(child=serializers.CharField())


class MeSerializer(serializers.Serializer):
    """Who the caller is and what they may do."""

    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    agency = AgencySummarySerializer(allow_null=True)
    authentication = serializers.ChoiceField(choices=["token", "session"])
    token = TokenSummarySerializer(allow_null=True)
    scopes = ScopeSerializer(many=True)
    shared = serializers.DictField(child=serializers.IntegerField())
    endpoints = EndpointSerializer(many=True)
