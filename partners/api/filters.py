"""Query filters for the case API. Only fields every scope may see are filterable, so a filter
cannot be used to probe what a scope withholds (a confidential postcode, say). A filter that
names another record (`?family=`) names one the caller may see, or matches nothing: otherwise it
would tell a partner which people or plans belong to a family not shared with them."""

from typing import Any

import django_filters
from django.db.models import QuerySet

from cases.models import CPPlan, DAIncident, Family, Person
from config.api import IdFilter, IsoDateTimeFilter, StrictFilterSet


class VisibleFamilyFilterSet(StrictFilterSet):
    """`family` filters through `family_lookup` to a family the caller may see (ADR 0040)."""

    family_lookup = ""

    def filter_family(self, queryset: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        user = getattr(self.request, "user", None)
        if not Family.objects.visible_to(user).filter(pk=value).exists():
            return queryset.none()
        return queryset.filter(**{self.family_lookup: value})


class FamilyFilter(StrictFilterSet):
    reference = django_filters.CharFilter(field_name="reference", max_length=40)
    updated_after = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Family
        fields = ["reference", "updated_after"]


class PersonFilter(VisibleFamilyFilterSet):
    family_lookup = "memberships__family_id"

    family = IdFilter(method="filter_family")
    la_child_id = django_filters.CharFilter(field_name="la_child_id", max_length=20)
    kind = django_filters.ChoiceFilter(choices=Person.Kind.choices)

    class Meta:
        model = Person
        fields = ["family", "la_child_id", "kind"]


class PlanFilter(VisibleFamilyFilterSet):
    family_lookup = "child__memberships__family_id"

    child = IdFilter(field_name="child_id")
    family = IdFilter(method="filter_family")
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
    # The incident's own column: an incident is visible only with its family, so no oracle.
    family = IdFilter(field_name="family_id")
    occurred_after = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = DAIncident
        fields = ["family", "occurred_after", "occurred_before"]
