"""What a user may see of a case record: the one access policy (ADR 0040).

Two questions, answered here for every surface (browser pages, API serializers, search, exports,
and whatever later features add):

1. **Rows.** May this user see this record at all? `Model.objects.visible_to(user)`
   (`cases/querysets.py`): the role rule, the grants to the user's groups and, for a partner
   agency, the sharing agreements in force. A record in a *section* (a CP plan, an incident)
   is visible only where the user also holds that section (`section_condition`), so a new page
   that starts from `CPPlan.objects.visible_to(user)` cannot show plans a partner was not given.
2. **Sections.** Which parts of a visible family or person? `family_access(user=, family_ids=)`
   and `person_access(...)` answer with an `Access` per record: the sections the user holds,
   the agreements that give them (a partner) and which keys a representation may carry
   (`Access.family_keys`). A page renders, a serializer sends and an export writes only those.

Sections are a registry: each names the part of the record, its label (what a sharing agreement
lists), the API keys it adds, whether an agreement may cover it (a *sharing scope*), and which
council roles hold it. A later feature (sessions, risk reviews, referrals, confidential contact
details) registers its section, or uses a registered one, and asks `narrow()` / `Access.sees()`.

Partner agencies see what agreements share. Agreements live in the `sharing` app, above this
one: it installs a `ShareProvider` at start-up (`set_share_provider`), so `cases` never imports
`sharing` (ADR 0041). Without a provider a partner holds nothing (fail closed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Q, QuerySet

from .roles import COUNCIL_CASE_ROLES, Role

NOTHING = Q(pk__in=[])


# --- Sections --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    """A part of a family's or person's record that is shown, sent or shared as one.

    `family_fields`/`person_fields`: the API keys the section adds to those representations.
    `shareable`: a sharing agreement may cover it (it is then a *sharing scope*).
    `roles`: the council roles that hold it (partners hold what their agreements cover).
    """

    code: str
    label: str
    hint: str
    family_fields: frozenset[str] = frozenset()
    person_fields: frozenset[str] = frozenset()
    shareable: bool = True
    roles: frozenset[str] = COUNCIL_CASE_ROLES


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    if section.code in _SECTIONS:
        raise ValueError(f"Section {section.code!r} is already registered.")
    _SECTIONS[section.code] = section
    return section


def get(code: str) -> Section:
    """The section; an unknown code is a programming error, never an empty answer."""
    return _SECTIONS[code]


def all_sections() -> list[Section]:
    return list(_SECTIONS.values())


def shareable() -> list[Section]:
    """The sections a sharing agreement may cover (the sharing scopes), in registry order."""
    return [s for s in _SECTIONS.values() if s.shareable]


def shareable_codes() -> frozenset[str]:
    return frozenset(s.code for s in _SECTIONS.values() if s.shareable)


def choices() -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in shareable()]


def labels(codes: Iterable[str]) -> list[str]:
    """Labels of known section codes, in registry order."""
    wanted = set(codes)
    return [s.label for s in _SECTIONS.values() if s.code in wanted]


def family_fields(codes: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(_SECTIONS[c].family_fields for c in codes if c in _SECTIONS))


def person_fields(codes: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(_SECTIONS[c].person_fields for c in codes if c in _SECTIONS))


PLANS = register(
    Section(
        "plans",
        "Child protection and child in need plans",
        "CP and CIN plans, conferences and step-down decisions.",
        family_fields=frozenset({"cp_plans"}),
        person_fields=frozenset({"cp_plans", "cin_plans"}),
    )
)
INCIDENTS = register(
    Section(
        "incidents",
        "Domestic abuse incident notifications",
        "Read the family's DA incident notifications, and (police) send new ones.",
        family_fields=frozenset({"incidents"}),
    )
)
COHORT = register(
    Section(
        "cohort",
        "Transition cohort flags",
        "Whether the family is in the DA transition cohort, its status and transition worker "
        "(the plan dates behind it need the plans scope as well).",
    )
)
RISK_REVIEWS = register(
    Section("risk_reviews", "Risk reviews", "DASH and RADAR review outcomes (when recorded).")
)
SESSIONS_SUMMARY = register(
    Section(
        "sessions_summary",
        "Sessions summary",
        "Dates, strands and outcomes of transition worker sessions, without notes.",
    )
)
REFERRALS = register(
    Section("referrals", "Referrals", "Referrals to specialist services (IDVA, CIDVA and others).")
)
STAFF = register(
    Section(
        "staff",
        "Council staff working with the family",
        "The names of the transition worker and other council staff on the case.",
        # The API never names council staff to partners, so pages do not either.
        shareable=False,
    )
)
CONFIDENTIAL_ADDRESS = register(
    Section(
        "confidential_address",
        "Confidential address",
        "A refuge or protected address. Without this scope it is never sent.",
        family_fields=frozenset({"address", "postcode", "address_confidential"}),
    )
)


# --- Partner shares, supplied by the sharing app ----------------------------------------------
@dataclass(frozen=True)
class Share:
    """One sharing agreement in force, as the policy reports it to the page that explains it."""

    agreement_id: int
    agency: str
    sections: frozenset[str]
    purpose: str
    lawful_basis: str
    legal_gateway: str
    starts_on: dt.date
    ends_on: dt.date
    #: "family" or "person": what the agreement is about.
    subject: str

    @property
    def section_labels(self) -> list[str]:
        return labels(self.sections)


class ShareProvider(Protocol):
    """What a partner agency's agreements give it. Implemented by `sharing.provider`."""

    def grant_in_force(self, *, user: Any, subject: str) -> Q:
        """A condition on a guardian grant row (`content_object` is the family or person, named
        by `subject`) that holds while an agreement of the user's agency backs it."""

    def family_shares(self, *, user: Any, family_ids: list[int]) -> dict[int, list[Share]]:
        """Agreements in force on each family for the user's agency."""

    def person_shares(self, *, user: Any, person_ids: list[int]) -> dict[int, list[Share]]:
        """Agreements in force on each person, or on a family they belong to."""

    def shared_condition(
        self, *, user: Any, section: str, family_ref: str | None, person_ref: str | None
    ) -> Q:
        """A condition on a row whose family is `family_ref` (or person is `person_ref`): an
        agreement in force for the user's agency covers `section` for it."""


class _NoShares:
    """Before `sharing` is loaded (or without it), partners hold nothing."""

    def grant_in_force(self, *, user: Any, subject: str) -> Q:
        return NOTHING

    def family_shares(self, *, user: Any, family_ids: list[int]) -> dict[int, list[Share]]:
        return {}

    def person_shares(self, *, user: Any, person_ids: list[int]) -> dict[int, list[Share]]:
        return {}

    def shared_condition(
        self, *, user: Any, section: str, family_ref: str | None, person_ref: str | None
    ) -> Q:
        return NOTHING


_provider: ShareProvider = _NoShares()


def set_share_provider(provider: ShareProvider) -> None:
    """Called once by `sharing`'s AppConfig.ready()."""
    global _provider
    _provider = provider


def share_provider() -> ShareProvider:
    return _provider


# --- Who holds what ----------------------------------------------------------------------------
def is_partner(user: Any) -> bool:
    """A partner agency account (a person or an API client): holds what agreements share."""
    return bool(getattr(user, "role", None) == Role.PARTNER)


def can_see_cases(user: Any) -> bool:
    """Council case roles and partners. Administrators see no case content; nor does the council
    case system's service account (`Role.SYSTEM`, ADR 0083), whose feed endpoints check their own
    role and never read through `visible_to`."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and getattr(user, "role", None) in COUNCIL_CASE_ROLES | {Role.PARTNER}
    )


def role_sections(user: Any) -> frozenset[str]:
    """The sections a council role holds; none for partners (agreements decide) or others."""
    role = getattr(user, "role", None)
    if role not in COUNCIL_CASE_ROLES:
        return frozenset()
    return frozenset(s.code for s in _SECTIONS.values() if role in s.roles)


def section_condition(
    user: Any, section: str, *, family_ref: str | None = "family", person_ref: str | None = None
) -> Q:
    """A condition on rows of `section` (a plan, an incident, a cohort flag, ...) that holds where
    `user` holds the section: always for a council role that has it; for a partner, where an
    agreement in force covers it for the row's family (`family_ref`) or person (`person_ref`,
    which also counts agreements on the person's families). Combine with `visible_to(user)`."""
    get(section)
    if not can_see_cases(user):
        return NOTHING
    if is_partner(user):
        return _provider.shared_condition(
            user=user, section=section, family_ref=family_ref, person_ref=person_ref
        )
    return Q() if section in role_sections(user) else NOTHING


def narrow(
    queryset: QuerySet[Any],
    *,
    user: Any,
    section: str,
    family_path: str | None = "family",
    person_path: str | None = None,
) -> QuerySet[Any]:
    """`queryset` (already `visible_to(user)`) narrowed to rows of `section` the user holds."""
    return queryset.filter(
        section_condition(user, section, family_ref=family_path, person_ref=person_path)
    )


# --- What a user may see of one record ----------------------------------------------------------
#: Keys every visible family representation may carry (ADR 0032): the reference, the members and
#: the address unless it is confidential.
FAMILY_BASE_KEYS = frozenset(
    {"id", "reference", "updated_at", "members", "shared_scopes", "address", "postcode"}
)
#: Keys every visible person representation may carry: names, identifiers, the families the
#: caller may see. Ethnicity is not sent to partners.
PERSON_BASE_KEYS = frozenset(
    {
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
    }
)


@dataclass(frozen=True)
class Access:
    """What one user may see of one visible family or person."""

    sections: frozenset[str]
    #: For a partner: the agreements in force that give these sections (empty for council staff).
    shares: tuple[Share, ...] = ()
    by_agreement: bool = False

    def sees(self, code: str) -> bool:
        get(code)
        return code in self.sections

    @property
    def shared_scopes(self) -> list[str]:
        """The shareable sections held, sorted (the API's `shared_scopes`)."""
        return sorted(self.sections & shareable_codes())

    @property
    def until(self) -> dt.date | None:
        """The last day any agreement giving access runs to (partners)."""
        return max((share.ends_on for share in self.shares), default=None)

    def address_withheld(self, *, address_confidential: bool) -> bool:
        """A confidential (refuge) address is never shown or sent without its own section."""
        return address_confidential and CONFIDENTIAL_ADDRESS.code not in self.sections

    def family_keys(self, *, address_confidential: bool) -> frozenset[str]:
        keys = FAMILY_BASE_KEYS | family_fields(self.sections)
        if self.address_withheld(address_confidential=address_confidential):
            keys -= CONFIDENTIAL_ADDRESS.family_fields
        return keys

    def person_keys(self) -> frozenset[str]:
        return PERSON_BASE_KEYS | person_fields(self.sections)


NO_ACCESS = Access(sections=frozenset())


def _from_shares(shares: list[Share]) -> Access:
    sections = frozenset().union(*(share.sections for share in shares))
    ordered = tuple(sorted(shares, key=lambda s: (s.ends_on, s.agreement_id), reverse=True))
    return Access(sections=sections, shares=ordered, by_agreement=True)


def family_access(*, user: Any, family_ids: Iterable[int]) -> dict[int, Access]:
    """What `user` may see of each family (assumed visible: start from `visible_to`). Council
    staff: their role's sections, no query. Partners: the agreements in force, one query."""
    ids = list(family_ids)
    if not can_see_cases(user):
        return dict.fromkeys(ids, NO_ACCESS)
    if not is_partner(user):
        access = Access(sections=role_sections(user))
        return dict.fromkeys(ids, access)
    shares = _provider.family_shares(user=user, family_ids=ids)
    return {pk: _from_shares(shares.get(pk, [])) for pk in ids}


def person_access(*, user: Any, person_ids: Iterable[int]) -> dict[int, Access]:
    """What `user` may see of each person (assumed visible): as `family_access`, counting
    agreements on the person and on any family they belong to."""
    ids = list(person_ids)
    if not can_see_cases(user):
        return dict.fromkeys(ids, NO_ACCESS)
    if not is_partner(user):
        access = Access(sections=role_sections(user))
        return dict.fromkeys(ids, access)
    shares = _provider.person_shares(user=user, person_ids=ids)
    return {pk: _from_shares(shares.get(pk, [])) for pk in ids}


# --- Panels other apps add to the family page ---------------------------------------------------
@dataclass(frozen=True)
class FamilyPanel:
    """A part of the family page that another app renders (the cohort flag; later sessions,
    risk reviews, referrals). Shown only when the user holds `section`; `load(user=, family_id=,
    access=)` returns the template's context, or None to leave the panel out."""

    section: str
    template: str
    load: Callable[..., dict[str, Any] | None]
    order: int = 100


_PANELS: list[FamilyPanel] = []


def register_family_panel(panel: FamilyPanel) -> None:
    get(panel.section)
    if any(p.template == panel.template for p in _PANELS):
        return  # registered already (an app's ready() ran twice)
    _PANELS.append(panel)
    _PANELS.sort(key=lambda p: p.order)


def family_panels(*, user: Any, family_id: int, access: Access) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of each registered panel the user may see for this family."""
    shown = []
    for panel in _PANELS:
        if panel.section in access.sections:
            context = panel.load(user=user, family_id=family_id, access=access)
            if context is not None:
                shown.append((panel.template, context))
    return shown
