"""What sharing agreements give a partner agency, for the case record's access policy.

`cases.access` asks a `ShareProvider`; this is it, installed by `SharingConfig.ready()`, so the
dependency runs one way (sharing -> cases) and the policy still knows about agreements (ADR 0041).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Exists, OuterRef, Q

from cases.access import NOTHING, Share

from .models import LawfulBasis, SharingAgreement

_SHARE_COLUMNS = (
    "pk",
    "agency__name",
    "scopes",
    "purpose",
    "lawful_basis",
    "legal_gateway",
    "starts_on",
    "ends_on",
)


def _share(row: tuple[Any, ...], subject: str) -> Share:
    pk, agency, codes, purpose, basis, gateway, starts_on, ends_on = row
    return Share(
        agreement_id=pk,
        agency=agency,
        sections=frozenset(codes),
        purpose=purpose,
        lawful_basis=LawfulBasis(basis).label if basis in LawfulBasis.values else basis,
        legal_gateway=gateway,
        starts_on=starts_on,
        ends_on=ends_on,
        subject=subject,
    )


class AgreementShares:
    """A partner agency's agreements in force, as the access policy's `ShareProvider`."""

    @staticmethod
    def _agency_id(user: Any) -> int | None:
        return getattr(user, "agency_id", None)

    def grant_in_force(self, *, user: Any, subject: str) -> Q:
        agency_id = self._agency_id(user)
        if agency_id is None:
            return NOTHING
        agreements = SharingAgreement.objects.filter(
            agency_id=agency_id, **{subject: OuterRef("content_object")}
        )
        # A grant backed by agreements counts while one is in force; a grant made without any
        # agreement (older data) is not dated (ADR 0031).
        return Q(Exists(agreements.in_force())) | ~Q(Exists(agreements))

    def family_shares(self, *, user: Any, family_ids: list[int]) -> dict[int, list[Share]]:
        agency_id = self._agency_id(user)
        found: dict[int, list[Share]] = defaultdict(list)
        if agency_id is None or not family_ids:
            return found
        rows = (
            SharingAgreement.objects.in_force()
            .filter(agency_id=agency_id, family_id__in=family_ids)
            .values_list("family_id", *_SHARE_COLUMNS)
        )
        for family_id, *row in rows:
            found[family_id].append(_share(tuple(row), "family"))
        return found

    def person_shares(self, *, user: Any, person_ids: list[int]) -> dict[int, list[Share]]:
        agency_id = self._agency_id(user)
        found: dict[int, list[Share]] = defaultdict(list)
        if agency_id is None or not person_ids:
            return found
        agreements = SharingAgreement.objects.in_force().filter(agency_id=agency_id)
        on_person = agreements.filter(person_id__in=person_ids).values_list(
            "person_id", *_SHARE_COLUMNS
        )
        for person_id, *row in on_person:
            found[person_id].append(_share(tuple(row), "person"))
        on_family = agreements.filter(family__memberships__person_id__in=person_ids).values_list(
            "family__memberships__person_id", *_SHARE_COLUMNS
        )
        for person_id, *row in on_family:
            found[person_id].append(_share(tuple(row), "family"))
        return found

    def shared_condition(
        self, *, user: Any, section: str, family_ref: str | None, person_ref: str | None
    ) -> Q:
        agency_id = self._agency_id(user)
        if agency_id is None:
            return NOTHING
        agreements = (
            SharingAgreement.objects.in_force().covering(section).filter(agency_id=agency_id)
        )
        condition = NOTHING
        if family_ref:
            condition |= Q(Exists(agreements.filter(family=OuterRef(family_ref))))
        if person_ref:
            condition |= Q(Exists(agreements.filter(person=OuterRef(person_ref))))
            condition |= Q(
                Exists(agreements.filter(family__memberships__person=OuterRef(person_ref)))
            )
        return condition
