"""Reads of the case record. Each starts from `visible_to(user)`, then loads what the page shows
in a fixed number of queries."""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from .models import CPPlan, DAIncident, Family, FamilyMembership

FAMILY_SORTS = {
    "reference": "reference",
    "-reference": "-reference",
    "updated": "updated_at",
    "-updated": "-updated_at",
}


def family_list(*, user: Any, search: str = "", sort: str = "reference") -> QuerySet[Family]:
    """Families the user may see, with counts of children and open CP plans, searchable by family
    reference or a child's LA child ID."""
    families = Family.objects.visible_to(user)
    if search:
        families = families.filter(
            Q(reference__icontains=search) | Q(people__la_child_id__iexact=search)
        ).distinct()
    open_plans = CPPlan.objects.filter(
        child__memberships__family=OuterRef("pk"), end_date__isnull=True
    )
    return families.annotate(
        children_count=Count("memberships", filter=Q(memberships__abuse_role="child")),
        has_open_plan=Exists(open_plans),
    ).order_by(FAMILY_SORTS.get(sort, "reference"), "pk")


def family_detail(*, user: Any, pk: int) -> Family:
    """One family the user may see, with its members and their CP plans; 404 if not visible."""
    from django.shortcuts import get_object_or_404

    plans = (
        CPPlan.objects.select_related("step_down")
        .prefetch_related("da_flags")
        .order_by("start_date")
    )
    memberships = (
        FamilyMembership.objects.select_related("person")
        .prefetch_related(Prefetch("person__cp_plans", queryset=plans))
        .order_by("abuse_role", "person__date_of_birth")
    )
    # Police DA incident notifications (issue 5) show on the family for whoever may see it.
    incidents = DAIncident.objects.select_related("reported_by_agency").order_by("-occurred_on")
    queryset = (
        Family.objects.visible_to(user)
        .select_related("transition_worker")
        .prefetch_related(
            Prefetch("memberships", queryset=memberships),
            Prefetch("da_incidents", queryset=incidents),
        )
    )
    return get_object_or_404(queryset, pk=pk)
