"""Reads for the child protection journey: statutory timescales for a family's children, and the
pending ones (due or overdue) across everything a user may see. Every read starts from
`visible_to(user)` and costs a fixed number of queries, however many children; the dates are then
worked out in Python by `protection.timescales`, the one place that knows the rules.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet

from cases.models import (
    Assessment,
    CINEpisode,
    Conference,
    CoreGroupMeeting,
    CPPlan,
    Family,
    FamilyMembership,
    Person,
    Section47Enquiry,
)

from . import timescales
from .timescales import Kind, Status, Timescale

#: What the "upcoming conferences" list shows.
CONFERENCE_KINDS = frozenset({Kind.ICPC, Kind.REVIEW})
ALL_KINDS = frozenset(Kind)
#: "Due soon": within this many working days (two working weeks).
DUE_SOON_WORKING_DAYS = 10


@dataclass(frozen=True)
class ChildRef:
    id: int
    name: str
    family_id: int | None = None
    family_reference: str = ""


@dataclass
class ChildTimescales:
    """One child's current journey as timescales (the family record)."""

    child: ChildRef
    items: list[Timescale] = field(default_factory=list)
    #: The child's open CP plan, if any (the page offers to end it).
    open_plan_id: int | None = None


@dataclass(frozen=True)
class PendingTimescale:
    """A timescale not yet met, for one child."""

    timescale: Timescale
    child: ChildRef


@dataclass
class PendingGroup:
    """Pending timescales of siblings due together (one conference for the family)."""

    timescale: Timescale
    family_id: int | None
    family_reference: str
    children: list[ChildRef] = field(default_factory=list)

    @property
    def names(self) -> str:
        return ", ".join(child.name for child in self.children)


def _name(first: str, last: str, la_child_id: str | None, pk: int) -> str:
    return f"{first} {last}".strip() or la_child_id or f"Person {pk}"


def _visible_child(user: Any, ref: str) -> Exists:
    return Exists(Person.objects.visible_to(user).filter(pk=OuterRef(ref)))


# --- Pending timescales across what a user may see --------------------------------------------
def _pending_enquiries(user: Any, today: dt.date) -> list[tuple[int, Timescale]]:
    rows = (
        Section47Enquiry.objects.filter(
            icpc_date__isnull=True, icpc_not_required=False, episode__closure_date__isnull=True
        )
        .filter(_visible_child(user, "episode__child_id"))
        # A plan (or a conference) since the enquiry began means the ICPC was held.
        .exclude(
            Exists(
                CPPlan.objects.filter(
                    child_id=OuterRef("episode__child_id"), start_date__gte=OuterRef("start_date")
                )
            )
        )
        .exclude(
            Exists(
                Conference.objects.filter(
                    child_id=OuterRef("episode__child_id"),
                    kind=Conference.Kind.INITIAL,
                    held_on__gte=OuterRef("start_date"),
                )
            )
        )
        .values_list("episode__child_id", "start_date", "strategy_discussion_date")
    )
    return [
        (
            child_id,
            timescales.enquiry_timescale(
                strategy_discussion=strategy or start, icpc_held=None, today=today
            ),
        )
        for child_id, start, strategy in rows
    ]


def _open_plans(user: Any) -> Any:
    is_review = Q(conferences__kind=Conference.Kind.REVIEW)
    return (
        CPPlan.objects.visible_to(user)
        .filter(end_date__isnull=True)
        .annotate(
            reviews_held=Count("conferences", filter=is_review),
            last_review=Max("conferences__held_on", filter=is_review),
            has_core_group=Exists(CoreGroupMeeting.objects.filter(plan=OuterRef("pk"))),
        )
        .values_list("child_id", "start_date", "reviews_held", "last_review", "has_core_group")
    )


def _pending_plan_items(
    user: Any, today: dt.date, kinds: frozenset[Kind]
) -> list[tuple[int, Timescale]]:
    items = []
    for child_id, start, reviews_held, last_review, has_core_group in _open_plans(user):
        if Kind.REVIEW in kinds:
            due = timescales.review_due(icpc=start, last_review=last_review)
            items.append((child_id, Timescale(Kind.REVIEW, due, today, number=reviews_held + 1)))
        if Kind.CORE_GROUP in kinds and not has_core_group and not reviews_held:
            due = timescales.first_core_group_due(start)
            items.append((child_id, Timescale(Kind.CORE_GROUP, due, today)))
    return items


def _pending_assessments(user: Any, today: dt.date) -> list[tuple[int, Timescale]]:
    rows = (
        CINEpisode.objects.filter(closure_date__isnull=True)
        .exclude(referral_nfa=True)
        .filter(_visible_child(user, "child_id"))
        .exclude(
            Exists(
                Assessment.objects.filter(episode=OuterRef("pk"), authorisation_date__isnull=False)
            )
        )
        .values_list("child_id", "referral_date")
    )
    return [
        (
            child_id,
            timescales.assessment_timescale(referral=referral, completed=None, today=today),
        )
        for child_id, referral in rows
    ]


def _child_refs(user: Any, child_ids: Iterable[int]) -> dict[int, ChildRef]:
    """Names and (a visible) family of each child, in two queries."""
    ids = sorted(set(child_ids))
    if not ids:
        return {}
    families: dict[int, tuple[int, str]] = {}
    memberships = (
        FamilyMembership.objects.filter(person_id__in=ids)
        .filter(Exists(Family.objects.visible_to(user).filter(pk=OuterRef("family_id"))))
        .order_by("family_id")
        .values_list("person_id", "family_id", "family__reference")
    )
    for person_id, family_id, reference in memberships:
        families.setdefault(person_id, (family_id, reference))
    people = Person.objects.filter(pk__in=ids).values_list(
        "pk", "first_name", "last_name", "la_child_id"
    )
    return {
        pk: ChildRef(pk, _name(first, last, la_id, pk), *families.get(pk, (None, "")))
        for pk, first, last, la_id in people
    }


def pending_timescales(
    *, user: Any, today: dt.date, kinds: frozenset[Kind] = ALL_KINDS
) -> list[PendingTimescale]:
    """Every timescale not yet met for the children `user` may see, soonest due first.

    At most six queries, whatever the number of children.
    """
    found: list[tuple[int, Timescale]] = []
    if Kind.ICPC in kinds:
        found += _pending_enquiries(user, today)
    if kinds & {Kind.REVIEW, Kind.CORE_GROUP}:
        found += _pending_plan_items(user, today, kinds)
    if Kind.ASSESSMENT in kinds:
        found += _pending_assessments(user, today)
    refs = _child_refs(user, (child_id for child_id, _ in found))
    pending = [
        PendingTimescale(timescale, refs[child_id])
        for child_id, timescale in found
        if child_id in refs
    ]
    pending.sort(key=lambda p: (p.timescale.due, p.child.family_reference, p.child.name))
    return pending


def pending_grouped(pending: Iterable[PendingTimescale]) -> list[PendingGroup]:
    """Siblings due the same thing on the same day in the same family: one row (one conference)."""
    groups: dict[tuple[Any, ...], PendingGroup] = {}
    for item in pending:
        t = item.timescale
        key = (item.child.family_id or -item.child.id, t.kind, t.due, t.number)
        group = groups.get(key)
        if group is None:
            group = groups[key] = PendingGroup(t, item.child.family_id, item.child.family_reference)
        group.children.append(item.child)
    return list(groups.values())


@dataclass(frozen=True)
class PendingCounts:
    overdue: int
    due_soon: int

    @property
    def total(self) -> int:
        return self.overdue + self.due_soon


def pending_counts(
    pending: Iterable[PendingTimescale | PendingGroup], *, kinds: frozenset[Kind] = ALL_KINDS
) -> PendingCounts:
    """How many are overdue, and how many fall due within `DUE_SOON_WORKING_DAYS`."""
    overdue = due_soon = 0
    for item in pending:
        t = item.timescale
        if t.kind not in kinds:
            continue
        if t.status == Status.OVERDUE:
            overdue += 1
        elif t.working_days_left <= DUE_SOON_WORKING_DAYS:
            due_soon += 1
    return PendingCounts(overdue=overdue, due_soon=due_soon)


# --- One family's record ----------------------------------------------------------------------
def family_timescales(*, user: Any, family_id: int, today: dt.date) -> list[ChildTimescales]:
    """For each child of the family that `user` may see: the statutory timescales of their
    current journey (latest CIN episode's assessment, latest section 47 enquiry's ICPC, the
    latest CP plan's first core group and reviews), met, late, due or overdue. Seven queries at
    most. (The family page's journey panel, `protection.panels`.)"""
    children = list(
        Person.objects.visible_to(user)
        .filter(kind=Person.Kind.CHILD, memberships__family_id=family_id)
        .order_by("date_of_birth", "pk")
        .values_list("pk", "first_name", "last_name", "la_child_id")
    )
    result = {
        pk: ChildTimescales(ChildRef(pk, _name(first, last, la_id, pk), family_id))
        for pk, first, last, la_id in children
    }
    if not result:
        return []
    ids = list(result)
    _add_assessments(result, ids, today)
    _add_enquiries(result, ids, today)
    _add_plans(result, ids, today)
    for entry in result.values():
        entry.items.sort(key=lambda t: (t.due, t.kind))
    return list(result.values())


def _add_assessments(result: dict[int, ChildTimescales], ids: list[int], today: dt.date) -> None:
    latest: dict[int, tuple[dt.date, dt.date | None]] = {}
    episodes = (
        CINEpisode.objects.filter(child_id__in=ids)
        .exclude(referral_nfa=True)
        .annotate(completed=Min("assessments__authorisation_date"))
        .order_by("child_id", "referral_date")
        .values_list("child_id", "referral_date", "completed")
    )
    for child_id, referral, completed in episodes:
        latest[child_id] = (referral, completed)  # the last one (latest referral) wins
    for child_id, (referral, completed) in latest.items():
        result[child_id].items.append(
            timescales.assessment_timescale(referral=referral, completed=completed, today=today)
        )


def _add_enquiries(result: dict[int, ChildTimescales], ids: list[int], today: dt.date) -> None:
    latest: dict[int, tuple[dt.date, dt.date | None]] = {}
    enquiries = (
        Section47Enquiry.objects.filter(episode__child_id__in=ids, icpc_not_required=False)
        .order_by("episode__child_id", "start_date")
        .values_list("episode__child_id", "start_date", "strategy_discussion_date", "icpc_date")
    )
    for child_id, start, strategy, icpc in enquiries:
        latest[child_id] = (strategy or start, icpc)
    for child_id, (strategy, icpc) in latest.items():
        result[child_id].items.append(
            timescales.enquiry_timescale(strategy_discussion=strategy, icpc_held=icpc, today=today)
        )


def _add_plans(result: dict[int, ChildTimescales], ids: list[int], today: dt.date) -> None:
    latest: dict[int, tuple[int, dt.date, dt.date | None]] = {}
    plans = (
        CPPlan.objects.filter(child_id__in=ids)
        .order_by("child_id", "start_date")
        .values_list("child_id", "pk", "start_date", "end_date")
    )
    for child_id, pk, start, end in plans:
        latest[child_id] = (pk, start, end)
    plan_ids = [pk for pk, _, _ in latest.values()]
    reviews: dict[int, list[dt.date]] = defaultdict(list)
    for plan_id, held_on in Conference.objects.filter(
        plan_id__in=plan_ids, kind=Conference.Kind.REVIEW
    ).values_list("plan_id", "held_on"):
        reviews[plan_id].append(held_on)
    core_groups = dict(
        CoreGroupMeeting.objects.filter(plan_id__in=plan_ids)
        .values("plan_id")
        .annotate(first=Min("held_on"))
        .values_list("plan_id", "first")
    )
    for child_id, (pk, start, end) in latest.items():
        if end is None:
            result[child_id].open_plan_id = pk
        result[child_id].items.extend(
            timescales.plan_timescales(
                start=start,
                end=end,
                reviews=reviews[pk],
                first_core_group=core_groups.get(pk),
                today=today,
            )
        )


# --- What the recording forms offer -----------------------------------------------------------
def family_children(*, user: Any, family: Family) -> QuerySet[Person]:
    """The family's children `user` may see, with their open CP plan (if any) as `open_plans`."""
    from django.db.models import Prefetch

    return (
        Person.objects.visible_to(user)
        .filter(kind=Person.Kind.CHILD, memberships__family=family)
        .prefetch_related(
            Prefetch(
                "cp_plans",
                queryset=CPPlan.objects.filter(end_date__isnull=True),
                to_attr="open_plans",
            )
        )
        .order_by("date_of_birth", "pk")
    )
