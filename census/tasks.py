"""Background work for the census import: the upload page (or a scheduled feed) queues a job, a
worker runs it.

The task is idempotent and survives its worker (ADR 0053): it is acknowledged only when it ends
(`acks_late`) and given back to the queue if its worker process dies (`reject_on_worker_lost`);
delivered again, it resumes the job at its first file not yet imported.
"""

from celery import shared_task

from audit.context import audit_context
from audit.models import Channel

from .models import CensusImport
from .services import census_import_run, census_upload_discard


@shared_task(acks_late=True, reject_on_worker_lost=True)
def census_import_process(import_id: int) -> str:
    """Run (or resume) an import. A job already final is left alone.

    Deletes uploaded files once the job is final: the case record and the report are what we
    keep. A failed job keeps them, so a manager can start it again.
    """
    job = CensusImport.objects.filter(pk=import_id).first()
    if job is None or job.status not in (
        CensusImport.Status.QUEUED,
        CensusImport.Status.RUNNING,
        CensusImport.Status.NOT_QUEUED,
    ):
        return "nothing to do"
    with audit_context(channel=Channel.TASK):
        job = census_import_run(actor=job.created_by, job=job)
    if job.status in CensusImport.FINAL:
        census_upload_discard(job=job)
    return str(job.status)
