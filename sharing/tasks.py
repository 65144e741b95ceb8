"""Nightly: make agency grants match the sharing agreements in force (expiry, delayed starts)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from audit.context import audit_context
from audit.models import Channel

from .services import sharing_grants_sync


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def sharing_grants_sync_nightly(on: str | None = None) -> dict[str, int]:
    """Grant started agreements and remove expired grants as of `on` (ISO date, default today)."""
    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    with audit_context(channel=Channel.TASK, path="sharing.tasks.sharing_grants_sync_nightly"):
        return sharing_grants_sync(actor=None, on=day)
