"""Real Celery workers (issue 10): an upload is imported end to end; a worker killed outright
(SIGKILL) mid-import loses nothing: the broker gives the task to the next worker, which resumes
the job at its first file not yet imported."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from cases.models import CPPlan, Person
from census.generator import _base, header_for
from census.models import CensusImport, CensusImportFile
from census.services import census_import_create, census_import_queue, census_upload_store
from census.xmlio import census_write
from tests.workers import Worker, wait_for

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
    assert job.status == CensusImport.Status.FINISHED, job.message
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


def test_a_worker_killed_mid_import_is_resumed_by_the_next_worker(
    private_redis, broker_at, tmp_path
):
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    with small.open("wb") as out:
        census_write(out, header=header_for(2025), children=[_base(f"S{n}", n) for n in range(5)])
    with large.open("wb") as out:
        census_write(
            out, header=header_for(2025), children=[_base(f"L{n:05d}", n) for n in range(8000)]
        )
    broker = f"{private_redis.url}/0"
    broker_at(broker)
    job = census_import_create(
        actor=None, file_names=["small.xml", "large.xml"], stored_paths=[str(small), str(large)]
    )
    census_import_queue(job=job)  # outside a transaction: sent at once
    first = Worker(broker, log=tmp_path / "first.log")
    try:
        # Killed while the second file is being written: the first is committed, the second not.
        assert wait_for(lambda: _progress(job) > 1000, seconds=120), (
            tmp_path / "first.log"
        ).read_text()
        first.kill()
    finally:
        first.stop()
    job.refresh_from_db()
    assert job.status == CensusImport.Status.RUNNING
    files = dict(job.files.values_list("name", "status"))
    assert files == {"small.xml": "imported", "large.xml": "pending"}
    assert Person.objects.count() == 5  # nothing of the file being written when it died

    second = Worker(broker, log=tmp_path / "second.log")
    try:
        assert wait_for(lambda: _status(job) in CensusImport.FINAL, seconds=180), (
            tmp_path / "second.log"
        ).read_text()
    finally:
        second.stop()
    job.refresh_from_db()
    assert job.status == CensusImport.Status.FINISHED, job.message
    assert Person.objects.count() == 8005
    assert job.counts["children_read"] == 8005  # the first file was not imported again
    assert job.attempts == 2
    assert set(job.files.values_list("status", flat=True)) == {CensusImportFile.Status.IMPORTED}


def _progress(job):
    return CensusImport.objects.values_list("children_done", flat=True).get(pk=job.pk)


def _status(job):
    return CensusImport.objects.values_list("status", flat=True).get(pk=job.pk)
