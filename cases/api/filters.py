"""Query filters for the case API. Only fields every scope may see are filterable, so a filter
cannot be used to probe what a scope withholds (a confidential postcode, say)."""

import django_filters
from django.db.models import QuerySet

from config.api import StrictFilterSet

from ..models import CPPlan, DAIncident, Family, Person


class FamilyFilter(StrictFilterSet):
    reference = django_filters.CharFilter(field_name="reference")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Family
        fields = ["reference", "updated_after"]


class PersonFilter(StrictFilterSet):
    family = django_filters.NumberFilter(field_name="memberships__family_id")
    la_child_id = django_filters.CharFilter(field_name="la_child_id")
    kind = django_filters.ChoiceFilter(choices=Person.Kind.choices)

    class Meta:
        model = Person
        fields = ["family", "la_child_id", "kind"]


class PlanFilter(StrictFilterSet):
    child = django_filters.NumberFilter(field_name="child_id")
    family = django_filters.NumberFilter(field_name="child__memberships__family_id")
    # "true"/"false" only (a BooleanFilter would also take "2", "3", "on"...).
    open = django_filters.ChoiceFilter(
        choices=[("true", "Open plans"), ("false", "Ended plans")], method="filter_open"
    )
    started_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    started_before = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = CPPlan
        fields = ["child", "family", "open", "started_after", "started_before"]

    def filter_open(self, queryset: QuerySet[CPPlan], name: str, value: str) -> QuerySet[CPPlan]:
        return queryset.filter(end_date__isnull=value == "true")


class IncidentFilter(StrictFilterSet):
    family = django_filters.NumberFilter(field_name="family_id")
    occurred_after = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = DAIncident
        fields = ["family", "occurred_after", "occurred_before"]
