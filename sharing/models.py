"""Sharing agreements (the recorded basis of every share with a partner agency), API clients and
their tokens, and idempotency keys for API writes. Writes go through `sharing/services.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from cases import access
from cases.models import Agency, Family, Person

from . import lookups  # noqa: F401  (registers the `has_item` lookup)


class LawfulBasis(models.TextChoices):
    PUBLIC_TASK = "public_task", "UK GDPR Article 6(1)(e): public task"
    LEGAL_OBLIGATION = "legal_obligation", "UK GDPR Article 6(1)(c): legal obligation"
    VITAL_INTERESTS = "vital_interests", "UK GDPR Article 6(1)(d): vital interests"
    CONSENT = "consent", "UK GDPR Article 6(1)(a): consent"


class SharingAgreementQuerySet(models.QuerySet["SharingAgreement"]):
    def in_force(self, on: dt.date | None = None) -> SharingAgreementQuerySet:
        """Agreements in force on `on` (default today): started, not past `ends_on`, not ended."""
        day = on or timezone.localdate()
        return self.filter(starts_on__lte=day, ends_on__gte=day, ended_at__isnull=True)

    def covering(self, scope: str) -> SharingAgreementQuerySet:
        return self.filter(scopes__has_item=scope)


class SharingAgreement(models.Model):
    """The recorded basis for sharing one family's (or one person's) records with an agency.

    While in force, the agency's group holds a guardian grant on the family or person; what the
    agency receives is limited to `scopes`: sections of the record (`cases.access`).
    """

    family = models.ForeignKey(
        Family, null=True, blank=True, on_delete=models.CASCADE, related_name="sharing_agreements"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="sharing_agreements"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sharing_agreements")
    purpose = models.TextField()
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    legal_gateway = models.CharField(
        max_length=200, blank=True, help_text="e.g. Children Act 2004 s11; DPA 2018 Sch 1 para 18."
    )
    #: Shareable section codes (`cases.access`), a JSON list (portable; see `sharing/lookups.py`).
    scopes = models.JSONField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.TextField(blank=True)

    objects = SharingAgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(family__isnull=False, person__isnull=True)
                | Q(family__isnull=True, person__isnull=False),
                name="agreement_family_or_person",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="agreement_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(scopes=[]), name="agreement_covers_something"),
        ]
        indexes = [
            models.Index(fields=["agency", "family"], name="agreement_agency_family"),
            models.Index(fields=["agency", "person"], name="agreement_agency_person"),
            models.Index(fields=["ends_on"], name="agreement_ends_on"),
        ]

    def __str__(self) -> str:
        return f"Sharing with {self.agency} until {self.ends_on:%d %b %Y}"

    @property
    def subject(self) -> Family | Person:
        return self.family if self.family_id else self.person  # type: ignore[return-value]

    def scope_labels(self) -> list[str]:
        return access.labels(self.scopes)

    def is_in_force(self, on: dt.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.ended_at is None and self.starts_on <= day <= self.ends_on


class ApiClient(models.Model):
    """A partner system that calls the API for its agency (e.g. the police records system).

    It acts as its own service account (`user`, role partner, in the agency): that account's groups
    decide what the client sees, exactly as for a person in the agency.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="apiclient_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A named bearer token. Only its SHA-256 digest is stored; the token is shown once (ADR 0033).

    `user` is who the token acts as: an API client's service account, or a member of staff.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to tell it apart."
    )
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def audit_label(self) -> dict[str, Any]:
        return {"token": self.pk, "token_name": self.name, "token_prefix": self.prefix}


def idempotency_key_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Keys stored before this moment are past `API_IDEMPOTENCY_KEY_DAYS`: no longer honoured."""
    return (now or timezone.now()) - dt.timedelta(days=settings.API_IDEMPOTENCY_KEY_DAYS)


class IdempotencyKeyQuerySet(models.QuerySet["IdempotencyKey"]):
    def honoured(self, now: dt.datetime | None = None) -> IdempotencyKeyQuerySet:
        """Keys still inside the window: a retry with one of these replays its response."""
        return self.filter(created_at__gte=idempotency_key_cutoff(now))

    def expired(self, now: dt.datetime | None = None) -> IdempotencyKeyQuerySet:
        """Keys past the window: treated as never used, and pruned nightly."""
        return self.filter(created_at__lt=idempotency_key_cutoff(now))


class IdempotencyKey(models.Model):
    """A POST made with an `Idempotency-Key` header, and the response it got (ADR 0035).

    A retry with the same key and the same body gets the stored response; with a different body,
    a 422. Kept per caller, so two agencies' keys never collide. Honoured for
    `API_IDEMPOTENCY_KEY_DAYS`; after that the key counts as unused and is pruned nightly.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return self.key
