"""Celery tasks for the cohort: thin, take dates, call a service, retry on failure."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from audit.context import audit_context
from audit.models import Channel

from .services import cohort_run_execute


@shared_task(
    name="cohort.tasks.cohort_run_nightly",
    autoretry_for=(Exception,),
    retry_backoff=settings.COHORT_RUN_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=15 * 60,
    max_retries=settings.COHORT_RUN_MAX_RETRIES,
)
def cohort_run_nightly(as_of: str | None = None) -> int:
    """Apply the cohort rule for `as_of` (ISO date; default today in the authority's time zone).

    Idempotent: a rerun for the same date creates nothing, so a retry after a failure (which
    rolled back completely) is safe. Returns the run's id.
    """
    day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
    with audit_context(channel=Channel.TASK, path="cohort.tasks.cohort_run_nightly"):
        return cohort_run_execute(actor=None, as_of=day).pk
