"""Writes for information sharing and API access. Keyword-only, `actor` first, one transaction,
current state checked, audit event recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import slugify

from audit.services import audit_record
from cases import access
from cases.models import (
    Agency,
    Family,
    FamilyGroupObjectPermission,
    Person,
    PersonGroupObjectPermission,
    User,
)
from cases.roles import Role
from cases.services import (
    family_access_grant,
    family_access_revoke,
    person_access_grant,
    person_access_revoke,
    staff_user_create,
)

from .models import (
    ApiClient,
    ApiToken,
    IdempotencyKey,
    LawfulBasis,
    SharingAgreement,
    idempotency_key_cutoff,
)

#: Council roles that may record a share (ADR 0030): the people who hold the case.
SHARING_ROLES = frozenset({Role.MANAGER, Role.SOCIAL_WORKER, Role.IRO})
TOKEN_PREFIX = "st_"  # noqa: S105 (a marker, not a secret)
#: Nightly grant sync takes this advisory lock so two beat runs never interleave.
SYNC_LOCK_ID = 0x5A_0030


def can_record_sharing(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in SHARING_ROLES)


def can_hold_personal_token(user: Any) -> bool:
    """Council case staff may call the API as themselves."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role in SHARING_ROLES | {Role.TRANSITION_WORKER}
    )


def can_manage_tokens(user: Any, agency: Agency) -> bool:
    """An agency's administrator manages its API clients and tokens."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == Role.ADMINISTRATOR
        and user.agency_id == agency.pk
    )


def _grant(*, actor: User | None, agreement: SharingAgreement, reason: str) -> None:
    group = agreement.agency.group
    if agreement.family is not None:
        family_access_grant(actor=actor, family=agreement.family, group=group, reason=reason)
    elif agreement.person is not None:
        person_access_grant(actor=actor, person=agreement.person, group=group, reason=reason)


def _revoke_unless_covered(
    *, actor: User | None, agreement: SharingAgreement, on: dt.date, reason: str
) -> bool:
    """Remove the agency's grant on the subject unless another agreement still covers it."""
    others = (
        SharingAgreement.objects.in_force(on)
        .filter(agency=agreement.agency)
        .exclude(pk=agreement.pk)
    )
    group = agreement.agency.group
    if agreement.family is not None:
        if others.filter(family=agreement.family).exists():
            return False
        family_access_revoke(actor=actor, family=agreement.family, group=group, reason=reason)
    elif agreement.person is not None:
        if others.filter(person=agreement.person).exists():
            return False
        person_access_revoke(actor=actor, person=agreement.person, group=group, reason=reason)
    return True


@transaction.atomic
def sharing_agreement_create(
    *,
    actor: User,
    agency: Agency,
    family: Family | None = None,
    person: Person | None = None,
    purpose: str,
    lawful_basis: str,
    scopes: Iterable[str],
    starts_on: dt.date,
    ends_on: dt.date,
    legal_gateway: str = "",
) -> SharingAgreement:
    """Record an agreement to share `family` (or one `person`) with `agency` for `purpose`.

    If it is in force today, the agency's group is granted access now; one that starts later is
    granted by the nightly `sharing_grants_sync`. Assumes nothing about the actor: checks they
    hold a sharing role and may see the subject.
    """
    if not can_record_sharing(actor):
        raise PermissionDenied("Only managers, social workers and IROs record sharing agreements.")
    codes = sorted(set(scopes))
    errors: dict[str, str] = {}
    if (family is None) == (person is None):
        errors["family"] = "Share either a family or one person."
    elif family is not None and not Family.objects.visible_to(actor).filter(pk=family.pk).exists():
        errors["family"] = "You cannot share a family you cannot see."
    elif person is not None and not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        errors["person"] = "You cannot share a person you cannot see."
    if agency.kind == Agency.Kind.COUNCIL:
        errors["agency"] = "Share with a partner agency, not the council."
    if not codes:
        errors["scopes"] = "Select what the agreement covers."
    elif unknown := set(codes) - access.shareable_codes():
        errors["scopes"] = f"Unknown scope: {', '.join(sorted(unknown))}."
    if not purpose.strip():
        errors["purpose"] = "Enter the purpose of the share."
    if lawful_basis not in LawfulBasis.values:
        errors["lawful_basis"] = "Select the lawful basis."
    if ends_on < starts_on:
        errors["ends_on"] = "The end date must be on or after the start date."
    elif ends_on < timezone.localdate():
        errors["ends_on"] = "The end date must be today or in the future."
    if errors:
        raise ValidationError(errors)
    agreement = SharingAgreement.objects.create(
        agency=agency,
        family=family,
        person=person,
        purpose=purpose.strip(),
        lawful_basis=lawful_basis,
        legal_gateway=legal_gateway.strip(),
        scopes=codes,
        granted_by=actor,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit_record(
        actor=actor,
        action="sharing_agreement.create",
        target=agreement,
        details={
            "agency": agency.code,
            "person": person.pk if person else None,
            "scopes": codes,
            "lawful_basis": lawful_basis,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    if agreement.is_in_force():
        _grant(actor=actor, agreement=agreement, reason=f"sharing agreement {agreement.pk}")
    return agreement


@transaction.atomic
def sharing_agreement_end(
    *, actor: User, agreement: SharingAgreement, reason: str
) -> SharingAgreement:
    """End an agreement now. The agency loses access at once unless another agreement in force
    covers the same family or person."""
    if not can_record_sharing(actor):
        raise PermissionDenied("Only managers, social workers and IROs end sharing agreements.")
    agreement = (
        SharingAgreement.objects.select_for_update(of=("self",))
        .select_related("agency__group", "family", "person")
        .get(pk=agreement.pk)
    )
    if agreement.ended_at is not None:
        raise ValidationError("This sharing agreement has already ended.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the agreement ends."})
    agreement.ended_at = timezone.now()
    agreement.ended_by = actor
    agreement.end_reason = reason.strip()
    agreement.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_record(
        actor=actor,
        action="sharing_agreement.end",
        target=agreement,
        details={"agency": agreement.agency.code, "reason": agreement.end_reason},
    )
    _revoke_unless_covered(
        actor=actor,
        agreement=agreement,
        on=timezone.localdate(),
        reason=f"sharing agreement {agreement.pk} ended",
    )
    return agreement


@transaction.atomic
def sharing_grants_sync(*, actor: User | None, on: dt.date) -> dict[str, int]:
    """Make guardian grants match the agreements in force on `on` (the nightly task).

    Grants for agreements that started; removes agency grants backed by agreements of which none
    is in force (expired). Grants made without any agreement are left alone. Idempotent; takes an
    advisory lock so overlapping runs wait rather than interleave.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SYNC_LOCK_ID])
    counts = {"granted": 0, "revoked": 0}
    agreements = SharingAgreement.objects.select_related("agency__group", "family", "person")
    family_grant = FamilyGroupObjectPermission.objects.filter(
        content_object=OuterRef("family"),
        group=OuterRef("agency__group"),
        permission__codename="view_family",
    )
    person_grant = PersonGroupObjectPermission.objects.filter(
        content_object=OuterRef("person"),
        group=OuterRef("agency__group"),
        permission__codename="view_person",
    )
    in_force_family = SharingAgreement.objects.in_force(on).filter(
        agency=OuterRef("agency"), family=OuterRef("family")
    )
    in_force_person = SharingAgreement.objects.in_force(on).filter(
        agency=OuterRef("agency"), person=OuterRef("person")
    )
    # The queries find the few (agency, subject) pairs that changed today; each change then goes
    # through the audited grant/revoke service.
    started = [
        *agreements.in_force(on).filter(family__isnull=False).filter(~Exists(family_grant)),
        *agreements.in_force(on).filter(person__isnull=False).filter(~Exists(person_grant)),
    ]
    expired = [
        *agreements.filter(family__isnull=False, ended_at__isnull=True, ends_on__lt=on)
        .filter(Exists(family_grant))
        .filter(~Exists(in_force_family)),
        *agreements.filter(person__isnull=False, ended_at__isnull=True, ends_on__lt=on)
        .filter(Exists(person_grant))
        .filter(~Exists(in_force_person)),
    ]
    done: set[tuple[int, int | None, int | None]] = set()
    for agreement in started:
        pair = (agreement.agency_id, agreement.family_id, agreement.person_id)
        if pair not in done:
            done.add(pair)
            _grant(
                actor=actor, agreement=agreement, reason=f"sharing agreement {agreement.pk} started"
            )
            counts["granted"] += 1
    for agreement in expired:
        pair = (agreement.agency_id, agreement.family_id, agreement.person_id)
        if pair not in done:
            done.add(pair)
            _revoke_unless_covered(
                actor=actor,
                agreement=agreement,
                on=on,
                reason=f"sharing agreement {agreement.pk} expired",
            )
            counts["revoked"] += 1
    return counts


@transaction.atomic
def idempotency_keys_prune(*, actor: User | None, now: dt.datetime | None = None) -> int:
    """Delete idempotency keys stored more than `API_IDEMPOTENCY_KEY_DAYS` before `now` (default:
    the current time), in one statement (the nightly task). Such keys are already ignored when a
    request arrives (ADR 0035); this stops the table growing. Returns how many were deleted, and
    records one audit event when there were any.
    """
    now = now or timezone.now()
    cutoff = idempotency_key_cutoff(now)
    # No signals or cascades hang off IdempotencyKey, so this is a single DELETE ... WHERE.
    count, _ = IdempotencyKey.objects.expired(now).delete()
    if count:
        audit_record(
            actor=actor,
            action="idempotency_key.prune",
            details={
                "count": count,
                "cutoff": cutoff.isoformat(),
                "days": settings.API_IDEMPOTENCY_KEY_DAYS,
            },
        )
    return count


def _token_digest(raw: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is safe and lets us look them up by digest.
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, actor: User, agency: Agency, name: str) -> ApiClient:
    """Register a system that calls the API for `agency`, with its own service account: role
    partner for a partner agency's system, role system for the council's own case management
    system, which may only post to the feed (ADR 0083).

    Only the agency's administrator may do this; council staff use personal tokens instead.
    """
    if not can_manage_tokens(actor, agency):
        raise PermissionDenied("Only the agency's administrator manages its API clients.")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Enter a name for the client."})
    if ApiClient.objects.filter(agency=agency, name__iexact=name).exists():
        raise ValidationError({"name": "A client with this name already exists."})
    username = f"api.{agency.code}.{slugify(name)}"[:140] + f".{secrets.token_hex(3)}"
    service_user = staff_user_create(
        actor=actor,
        username=username,
        password=None,
        role=Role.SYSTEM if agency.kind == Agency.Kind.COUNCIL else Role.PARTNER,
        agency=agency,
        first_name=name[:100],
        last_name="(API client)",
    )
    client = ApiClient.objects.create(agency=agency, name=name, user=service_user, created_by=actor)
    audit_record(
        actor=actor, action="api_client.create", target=client, details={"agency": agency.code}
    )
    return client


@transaction.atomic
def api_token_create(
    *,
    actor: User,
    name: str,
    client: ApiClient | None = None,
    expires_on: dt.date | None = None,
) -> tuple[ApiToken, str]:
    """Issue a named token for `client` (the agency's administrator does this), or, without a
    client, a personal token for `actor` (council staff). Returns the token and its secret, which is
    shown once and never stored."""
    name = name.strip()
    errors: dict[str, str] = {}
    if client is not None:
        if not can_manage_tokens(actor, client.agency):
            raise PermissionDenied("Only the agency's administrator issues its tokens.")
        user = client.user
    else:
        if not can_hold_personal_token(actor):
            raise PermissionDenied("Personal tokens are for council case staff.")
        user = actor
    today = timezone.localdate()
    max_days = settings.API_TOKEN_MAX_DAYS
    expires_on = expires_on or today + dt.timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)
    if not name:
        errors["name"] = "Enter a name for the token."
    if expires_on <= today:
        errors["expires_on"] = "The expiry date must be in the future."
    elif expires_on > today + dt.timedelta(days=max_days):
        errors["expires_on"] = f"A token lasts at most {max_days} days."
    if errors:
        raise ValidationError(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.make_aware(dt.datetime.combine(expires_on, dt.time.max))
    token = ApiToken.objects.create(
        user=user,
        client=client,
        name=name,
        prefix=raw[:10],
        digest=_token_digest(raw),
        created_by=actor,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        target=token,
        details={"for": user.get_username(), "expires_on": expires_on.isoformat()},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token now; later requests with it get 401."""
    token = (
        ApiToken.objects.select_for_update(of=("self",))
        .select_related("client__agency")
        .get(pk=token.pk)
    )
    allowed = token.user_id == actor.pk or (
        token.client is not None and can_manage_tokens(actor, token.client.agency)
    )
    if not allowed:
        raise PermissionDenied("You cannot revoke this token.")
    if token.revoked_at is not None:
        raise ValidationError("This token is already revoked.")
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, action="api_token.revoke", target=token, details={"name": token.name})
    return token


@transaction.atomic
def api_tokens_revoke_for_user(*, actor: User, user: User, reason: str) -> list[int]:
    """Revoke every usable token that acts as `user` (their personal tokens, or an API client's
    tokens when `user` is its account), in one statement, with one audit event naming them.
    For account changes (`staff.services`: deactivation, a new role or agency); the caller has
    checked that `actor` administers `user`. Returns the revoked token ids."""
    tokens = ApiToken.objects.usable().select_for_update().filter(user=user)
    ids = sorted(tokens.values_list("pk", flat=True))
    if ids:
        ApiToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now(), revoked_by=actor)
        audit_record(
            actor=actor,
            action="api_token.revoke_all",
            target=user,
            details={"tokens": ids, "reason": reason},
        )
    return ids


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The usable token with this secret, its user loaded, or None. Marks it used (at most once a
    minute, so a busy client does not write on every request)."""
    token = (
        ApiToken.objects.usable()
        .select_related("user", "user__agency", "client")
        .filter(digest=_token_digest(raw))
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
