"""Nightly: make agency grants match the sharing agreements in force (expiry, delayed starts),
and prune API idempotency keys past their window."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from audit.context import audit_context
from audit.models import Channel

from .services import idempotency_keys_prune, sharing_grants_sync


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sharing_grants_sync_nightly(on: str | None = None) -> dict[str, int]:
    """Grant started agreements and remove expired grants as of `on` (ISO date, default today)."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    with audit_context(channel=Channel.TASK, path="sharing.tasks.sharing_grants_sync_nightly"):
        return sharing_grants_sync(actor=None, on=day)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def idempotency_keys_prune_nightly() -> int:
    """Delete idempotency keys older than `API_IDEMPOTENCY_KEY_DAYS`; returns how many."""
    with audit_context(channel=Channel.TASK, path="sharing.tasks.idempotency_keys_prune_nightly"):
        return idempotency_keys_prune(actor=None)
