"""Celery tasks for reporting: thin, take ids or dates, call the build service."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from audit.context import audit_context
from audit.models import Channel
from cases.models import User

from .services import figures_build


@shared_task(
    name="reporting.tasks.figures_build_nightly",
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=15 * 60,
    max_retries=3,
)
def figures_build_nightly(as_of: str | None = None, requested_by_id: int | None = None) -> int:
    """Rebuild the managers' figures as at `as_of` (ISO date; default today in the authority's
    time zone), nightly or when a manager asks. Idempotent: a rebuild from the same case record
    writes the same rows, so a retry after a failure (which rolled back) is safe. Returns the
    build's id."""
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    actor = User.objects.filter(pk=requested_by_id).first() if requested_by_id else None
    with audit_context(channel=Channel.TASK, path="reporting.tasks.figures_build_nightly"):
        return figures_build(actor=actor, as_of=day).pk
