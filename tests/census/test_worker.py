"""A real Celery worker (Redis broker) processes an upload end to end."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from cases.models import CPPlan
from census.models import CensusImport
from census.services import census_upload_store

from .conftest import sample

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_an_uploaded_return_is_imported_by_the_worker(celery_worker_redis, manager, media_root):
    job = census_upload_store(
        actor=manager,
        uploads=[SimpleUploadedFile("cin_2024.xml", sample(2024).read_bytes())],
        families=None,
        dry_run=False,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.2)
    assert job.status == CensusImport.Status.DONE, job.message
    assert job.children_done == job.children_total > 0
    assert job.counts["children_imported"] == job.children_total
    assert CPPlan.objects.exists()
    assert not any(media_root.rglob("*.xml"))  # the uploaded file is not kept
    event = AuditEvent.objects.get(action="census.import")
    assert (event.actor, event.channel, event.details["files"]) == (
        manager,
        "task",
        ["cin_2024.xml"],
    )
