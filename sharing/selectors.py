"""Reads for information sharing: which scopes are in force for whom, and the scope filter every
partner-facing viewset applies on top of `visible_to(user)`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from cases.models import Agency
from cases.roles import Role

from . import scopes
from .models import ApiClient, ApiToken, SharingAgreement


def is_partner(user: Any) -> bool:
    """A partner agency account (a person or an API client): sees what agreements share."""
    return bool(getattr(user, "role", None) == Role.PARTNER)


def scopes_for_families(*, user: Any, family_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """Scopes in force today per family for `user`. Council staff hold every scope: what they see
    is decided by their role (`visible_to`), not by agreements. One query for partners."""
    ids = list(family_ids)
    if not is_partner(user):
        return dict.fromkeys(ids, scopes.codes())
    found: dict[int, set[str]] = defaultdict(set)
    rows = (
        SharingAgreement.objects.in_force()
        .filter(agency_id=user.agency_id, family_id__in=ids)
        .values_list("family_id", "scopes")
    )
    for family_id, codes in rows:
        found[family_id].update(codes)
    return {pk: frozenset(found.get(pk, ())) for pk in ids}


def scopes_for_people(*, user: Any, person_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """Scopes in force today per person: agreements on the person, and on any family they belong
    to. Two queries for partners."""
    ids = list(person_ids)
    if not is_partner(user):
        return dict.fromkeys(ids, scopes.codes())
    found: dict[int, set[str]] = defaultdict(set)
    agreements = SharingAgreement.objects.in_force().filter(agency_id=user.agency_id)
    for person_id, codes in agreements.filter(person_id__in=ids).values_list("person_id", "scopes"):
        found[person_id].update(codes)
    by_family = agreements.filter(family__memberships__person_id__in=ids).values_list(
        "family__memberships__person_id", "scopes"
    )
    for person_id, codes in by_family:
        found[person_id].update(codes)
    return {pk: frozenset(found.get(pk, ())) for pk in ids}


def shared_with_scope(
    queryset: QuerySet[Any],
    *,
    user: Any,
    scope: str,
    family_path: str | None = "family",
    person_path: str | None = None,
) -> QuerySet[Any]:
    """Narrow `queryset` (already `visible_to(user)`) to rows shared with `user`'s agency under
    `scope`: through an agreement in force on the row's family (`family_path`) or person
    (`person_path`, which also counts agreements on the person's families). Council staff: as is.

    Applying it to a viewset is one line in `get_queryset()`, or `SharedScopeMixin`.
    """
    scopes.get(scope)  # an unknown scope is a programming error, not an empty result
    if not is_partner(user):
        return queryset
    agreements = (
        SharingAgreement.objects.in_force().covering(scope).filter(agency_id=user.agency_id)
    )
    condition = Q()
    if family_path:
        condition |= Q(Exists(agreements.filter(family=OuterRef(family_path))))
    if person_path:
        condition |= Q(Exists(agreements.filter(person=OuterRef(person_path))))
        condition |= Q(Exists(agreements.filter(family__memberships__person=OuterRef(person_path))))
    return queryset.filter(condition)


def agreement_list(*, user: Any, state: str = "in_force") -> QuerySet[SharingAgreement]:
    """Agreements on families and people `user` may see (newest first), with what the list shows."""
    from cases.models import Family, Person

    agreements = SharingAgreement.objects.filter(
        Q(family__in=Family.objects.visible_to(user))
        | Q(person__in=Person.objects.visible_to(user))
    )
    if state == "in_force":
        agreements = agreements.in_force()
    elif state == "ended":
        agreements = agreements.exclude(pk__in=SharingAgreement.objects.in_force().values("pk"))
    return agreements.select_related("agency", "family", "person", "granted_by").order_by(
        "-starts_on", "-id"
    )


def agreement_counts(*, user: Any) -> dict[str, int]:
    """For `/me/`: how many families and people are shared with the user's agency today."""
    if not is_partner(user):
        return {"families": 0, "people": 0}
    in_force = SharingAgreement.objects.in_force().filter(agency_id=user.agency_id)
    return {
        "families": in_force.exclude(family=None).values("family").distinct().count(),
        "people": in_force.exclude(person=None).values("person").distinct().count(),
    }


def client_list(*, agency: Agency) -> QuerySet[ApiClient]:
    """An agency's API clients with their tokens (newest first): the token management page."""
    from django.db.models import Prefetch

    tokens = ApiToken.objects.select_related("created_by").order_by("-created_at")
    return (
        ApiClient.objects.filter(agency=agency)
        .prefetch_related(Prefetch("tokens", queryset=tokens))
        .order_by("name")
    )
