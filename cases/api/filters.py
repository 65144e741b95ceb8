"""Query filters for the case API. Only fields every scope may see are filterable, so a filter
cannot be used to probe what a scope withholds (a confidential postcode, say)."""

import django_filters

from ..models import CPPlan, DAIncident, Family, Person


class FamilyFilter(django_filters.FilterSet):
    reference = django_filters.CharFilter(field_name="reference")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Family
        fields = ["reference", "updated_after"]


class PersonFilter(django_filters.FilterSet):
    family = django_filters.NumberFilter(field_name="memberships__family_id")
    la_child_id = django_filters.CharFilter(field_name="la_child_id")
    kind = django_filters.ChoiceFilter(choices=Person.Kind.choices)

    class Meta:
        model = Person
        fields = ["family", "la_child_id", "kind"]


class PlanFilter(django_filters.FilterSet):
    child = django_filters.NumberFilter(field_name="child_id")
    family = django_filters.NumberFilter(field_name="child__memberships__family_id")
    open = django_filters.BooleanFilter(field_name="end_date", lookup_expr="isnull")
    started_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    started_before = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = CPPlan
        fields = ["child", "family", "open", "started_after", "started_before"]


class IncidentFilter(django_filters.FilterSet):
    family = django_filters.NumberFilter(field_name="family_id")
    occurred_after = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = DAIncident
        fields = ["family", "occurred_after", "occurred_before"]
