"""Reads of the case record. Each starts from `visible_to(user)`, asks the access policy
(`cases.access`) what the user may see of the record, then loads only that, in a fixed number of
queries. Pages receive plain values, never a model they could read a withheld field from."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from . import access
from .access import Access, family_access, family_panels
from .models import CPPlan, DAIncident, DARiskFlag, Family, FamilyMembership

FAMILY_SORTS = {
    "reference": "reference",
    "-reference": "-reference",
    "updated": "updated_at",
    "-updated": "-updated_at",
}
#: The longest family search a person could mean (a reference is at most 40 characters).
SEARCH_MAX_LENGTH = 100


def family_list(*, user: Any, search: str = "", sort: str = "reference") -> QuerySet[Family]:
    """Families the user may see, with counts of children and open CP plans (of plans the user
    may see), searchable by family reference or a member's LA child ID."""
    families = Family.objects.visible_to(user)
    if search:
        families = families.filter(
            Q(reference__icontains=search) | Q(people__la_child_id__iexact=search)
        ).distinct()
    open_plans = CPPlan.objects.visible_to(user).filter(
        child__memberships__family=OuterRef("pk"), end_date__isnull=True
    )
    return (
        families.select_related("transition_worker")
        .annotate(
            children_count=Count("memberships", filter=Q(memberships__abuse_role="child")),
            has_open_plan=Exists(open_plans),
        )
        .order_by(FAMILY_SORTS.get(sort, "reference"), "pk")
    )


@dataclass(frozen=True)
class FamilyRow:
    """One line of the family list: only what the user may see of the family."""

    pk: int
    reference: str
    children_count: int
    #: None when the user does not hold the plans section (the page says "Not shared").
    has_open_plan: bool | None
    #: None when the user does not hold the staff section (partners never do).
    transition_worker: str | None
    access: Access


def family_rows(*, user: Any, families: Iterable[Family]) -> list[FamilyRow]:
    """The list page's rows for a page of `family_list`: one query for a partner's agreements."""
    families = list(families)
    allowed = family_access(user=user, family_ids=[f.pk for f in families])
    rows = []
    for family in families:
        seen = allowed[family.pk]
        rows.append(
            FamilyRow(
                pk=family.pk,
                reference=family.reference,
                children_count=family.children_count,  # type: ignore[attr-defined]
                has_open_plan=(
                    family.has_open_plan  # type: ignore[attr-defined]
                    if seen.sees(access.PLANS.code)
                    else None
                ),
                transition_worker=(
                    str(family.transition_worker or "Not allocated")
                    if seen.sees(access.STAFF.code)
                    else None
                ),
                access=seen,
            )
        )
    return rows


@dataclass(frozen=True)
class PlanRow:
    start_date: dt.date
    end_date: dt.date | None
    category: str
    da_at_planning: bool
    step_down_decided_on: dt.date | None


@dataclass(frozen=True)
class MemberRow:
    person_id: int
    name: str
    abuse_role: str
    relationship: str
    date_of_birth: dt.date | None
    la_child_id: str | None
    plans: list[PlanRow]


@dataclass(frozen=True)
class IncidentRow:
    occurred_on: dt.date
    summary: str
    police_reference: str
    reported_by: str


@dataclass(frozen=True)
class FamilyRecord:
    """What the family page shows: the parts of the record the access policy allows, as plain
    values. A withheld section is an empty list or None here, never a value to hide later."""

    pk: int
    reference: str
    access: Access
    #: The address, or "" when withheld (a confidential address without its section).
    address: str
    postcode: str
    address_confidential: bool
    address_withheld: bool
    #: None when the user does not hold the staff section (partners never do).
    transition_worker: str | None
    members: list[MemberRow]
    incidents: list[IncidentRow]
    #: (template, context) of panels other apps add (cohort flag, ...), already allowed.
    panels: list[tuple[str, dict[str, Any]]]


def _plans_by_child(*, user: Any, child_ids: list[int]) -> dict[int, list[PlanRow]]:
    plans = (
        CPPlan.objects.visible_to(user)
        .filter(child_id__in=child_ids)
        .select_related("step_down")
        .annotate(
            da_at_planning=Exists(DARiskFlag.objects.filter(plan=OuterRef("pk"), at_planning=True))
        )
        .order_by("start_date", "id")
    )
    found: dict[int, list[PlanRow]] = defaultdict(list)
    for plan in plans:
        step_down = getattr(plan, "step_down", None)
        found[plan.child_id].append(
            PlanRow(
                start_date=plan.start_date,
                end_date=plan.end_date,
                category=plan.get_initial_category_display(),
                da_at_planning=plan.da_at_planning,  # type: ignore[attr-defined]
                step_down_decided_on=step_down.decided_on if step_down else None,
            )
        )
    return found


def family_detail(*, user: Any, pk: int) -> FamilyRecord:
    """One family the user may see, as far as the access policy allows; 404 if not visible."""
    family = (
        Family.objects.visible_to(user).select_related("transition_worker").filter(pk=pk).first()
    )
    if family is None:
        raise Http404("No such family.")
    seen = family_access(user=user, family_ids=[family.pk])[family.pk]
    withheld = seen.address_withheld(address_confidential=family.address_confidential)
    memberships = list(
        FamilyMembership.objects.filter(family=family)
        .select_related("person")
        .order_by("abuse_role", "person__date_of_birth", "id")
    )
    plans: dict[int, list[PlanRow]] = {}
    if seen.sees(access.PLANS.code):
        plans = _plans_by_child(user=user, child_ids=[m.person_id for m in memberships])
    incidents: list[IncidentRow] = []
    if seen.sees(access.INCIDENTS.code):
        incidents = [
            IncidentRow(i.occurred_on, i.summary, i.police_reference, str(i.reported_by_agency))
            for i in DAIncident.objects.visible_to(user)
            .filter(family=family)
            .select_related("reported_by_agency")
            .order_by("-occurred_on", "-id")
        ]
    return FamilyRecord(
        pk=family.pk,
        reference=family.reference,
        access=seen,
        address="" if withheld else family.address,
        postcode="" if withheld else family.postcode,
        address_confidential=family.address_confidential and not withheld,
        address_withheld=withheld,
        transition_worker=(
            str(family.transition_worker or "Not allocated")
            if seen.sees(access.STAFF.code)
            else None
        ),
        members=[
            MemberRow(
                person_id=m.person_id,
                name=str(m.person),
                abuse_role=m.get_abuse_role_display(),
                relationship=m.relationship,
                date_of_birth=m.person.date_of_birth,
                la_child_id=m.person.la_child_id,
                plans=plans.get(m.person_id, []),
            )
            for m in memberships
        ],
        incidents=incidents,
        panels=family_panels(user=user, family_id=family.pk, access=seen),
    )


def families_of_people(*, person_ids: Iterable[int]) -> dict[int, list[int]]:
    """The families each person belongs to (every one, for the audit trail), one query."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = (
        FamilyMembership.objects.filter(person_id__in=set(person_ids))
        .order_by("family_id")
        .values_list("person_id", "family_id")
    )
    for person_id, family_id in rows:
        found[person_id].append(family_id)
    return found
