"""What a sharing agreement can cover: one registry, so a later feature adds a scope in one place.

A scope names the data an agency may receive about a shared family or person. It contributes keys
to the family and person representations (`family_fields`, `person_fields`) and gates whole
endpoints (`sharing.selectors.shared_with_scope(queryset, user=..., scope=...)`). To share a new
kind of record (say risk reviews), register its scope here with the keys it adds, and filter its
viewset with `shared_with_scope`. ADR 0032.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    code: str
    label: str
    hint: str
    family_fields: frozenset[str] = frozenset()
    person_fields: frozenset[str] = frozenset()


_REGISTRY: dict[str, Scope] = {}


def register(scope: Scope) -> Scope:
    if scope.code in _REGISTRY:
        raise ValueError(f"Sharing scope {scope.code!r} is already registered.")
    _REGISTRY[scope.code] = scope
    return scope


def get(code: str) -> Scope:
    return _REGISTRY[code]


def all_scopes() -> list[Scope]:
    return list(_REGISTRY.values())


def codes() -> frozenset[str]:
    return frozenset(_REGISTRY)


def choices() -> list[tuple[str, str]]:
    return [(scope.code, scope.label) for scope in _REGISTRY.values()]


def family_fields(scope_codes: frozenset[str] | set[str]) -> frozenset[str]:
    return frozenset().union(*(_REGISTRY[c].family_fields for c in scope_codes if c in _REGISTRY))


def person_fields(scope_codes: frozenset[str] | set[str]) -> frozenset[str]:
    return frozenset().union(*(_REGISTRY[c].person_fields for c in scope_codes if c in _REGISTRY))


PLANS = register(
    Scope(
        "plans",
        "Child protection and child in need plans",
        "CP and CIN plans, conferences and step-down decisions.",
        family_fields=frozenset({"cp_plans"}),
        person_fields=frozenset({"cp_plans", "cin_plans"}),
    )
)
INCIDENTS = register(
    Scope(
        "incidents",
        "Domestic abuse incident notifications",
        "Read the family's DA incident notifications, and (police) send new ones.",
        family_fields=frozenset({"incidents"}),
    )
)
COHORT = register(
    Scope(
        "cohort",
        "Transition cohort flags",
        "Whether the family is in the DA transition cohort, and why.",
    )
)
RISK_REVIEWS = register(
    Scope("risk_reviews", "Risk reviews", "DASH and RADAR review outcomes (when recorded).")
)
SESSIONS_SUMMARY = register(
    Scope(
        "sessions_summary",
        "Sessions summary",
        "Dates, strands and outcomes of transition worker sessions, without notes.",
    )
)
REFERRALS = register(
    Scope("referrals", "Referrals", "Referrals to specialist services (IDVA, CIDVA and others).")
)
CONFIDENTIAL_ADDRESS = register(
    Scope(
        "confidential_address",
        "Confidential address",
        "A refuge or protected address. Without this scope it is never sent.",
        family_fields=frozenset({"address", "postcode", "address_confidential"}),
    )
)


def withheld_family_fields(
    *, address_confidential: bool, scope_codes: frozenset[str] | set[str]
) -> frozenset[str]:
    """Keys never sent for a family at a confidential address without the `confidential_address`
    scope, whatever else the agreements cover."""
    if address_confidential and CONFIDENTIAL_ADDRESS.code not in scope_codes:
        return CONFIDENTIAL_ADDRESS.family_fields
    return frozenset()
