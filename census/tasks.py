"""Background work for the census import: the upload page queues a job, a worker runs it."""

from celery import shared_task

from audit.context import audit_context
from audit.models import Channel

from .models import CensusImport
from .services import census_import_run, census_upload_discard


@shared_task(acks_late=True)
def census_import_process(import_id: int) -> str:
    """Run a queued import (idempotent: a job that is not queued any more is left alone).

    Deletes the uploaded files afterwards: the case record, not the file, is what we keep.
    """
    job = CensusImport.objects.filter(pk=import_id, status=CensusImport.Status.QUEUED).first()
    if job is None:
        return "not queued"
    try:
        with audit_context(channel=Channel.TASK):
            census_import_run(actor=job.created_by, job=job, paths=job.stored_paths)
    finally:
        census_upload_discard(job=job)
    return job.status
