"""Reads for information sharing: agreements, what is shared with an agency, its API clients.
What a partner may see of a record is the access policy's (`cases.access`), to which
`sharing.provider` supplies the agreements in force."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from cases.access import is_partner
from cases.models import Agency, Family, Person

from .models import ApiClient, ApiToken, SharingAgreement


def agreement_list(*, user: Any, state: str = "in_force") -> QuerySet[SharingAgreement]:
    """Agreements on families and people `user` may see (newest first), with what the list shows."""
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
