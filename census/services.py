"""Writes for the census import: create a job, run it, record it in the audit log."""

from __future__ import annotations

import contextlib
import csv
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_record

from .importer import Counts, batch_import, checked_batches, prefetched, statistics_refresh
from .models import CensusImport, CensusImportIssue
from .xmlio import CensusFileRefused, census_file_check

#: One census import at a time (PostgreSQL advisory lock): two imports of the same children
#: could otherwise both see "not stored yet" and collide.
IMPORT_LOCK_ID = 0x43454E53  # "CENS"


class FamiliesMappingError(ValueError):
    """The --families CSV is unusable (missing columns)."""


def families_mapping_read(path: str | Path) -> dict[str, str]:
    """Read `la_child_id,family_reference` rows into a dict."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not {"la_child_id", "family_reference"} <= set(reader.fieldnames or []):
            raise FamiliesMappingError(
                "The families mapping must have the columns la_child_id,family_reference."
            )
        return {
            row["la_child_id"].strip(): row["family_reference"].strip()
            for row in reader
            if row["la_child_id"].strip() and row["family_reference"].strip()
        }


@transaction.atomic
def census_import_create(
    *,
    actor: Any,
    file_names: Sequence[str],
    stored_paths: Sequence[str] = (),
    families_path: str = "",
    dry_run: bool = False,
) -> CensusImport:
    """Record a queued import of these files (oldest return first). Writes nothing else."""
    job = CensusImport.objects.create(
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        file_names=list(file_names),
        stored_paths=list(stored_paths),
        families_path=families_path,
        dry_run=dry_run,
    )
    audit_record(
        actor=actor,
        action="census.import_queue",
        target=job,
        details={"files": list(file_names), "dry_run": dry_run},
    )
    return job


def _finish(job: CensusImport, *, actor: Any, status: str, message: str = "") -> CensusImport:
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at", "counts", "children_done"])
    audit_record(
        actor=actor,
        action="census.import",
        target=job,
        details={
            "files": job.file_names,
            "status": status,
            "dry_run": job.dry_run,
            "message": message,
            **job.counts,
        },
    )
    return job


def census_import_run(
    *, actor: Any, job: CensusImport, paths: Sequence[str | Path]
) -> CensusImport:
    """Import `paths` (in order) for `job`: every child without an error is written.

    Not one transaction: each batch of children commits on its own (ADR 0010), so progress is
    visible and memory stays flat. Refuses the whole import, writing nothing, when any file is
    not a census return. Records one audit event with the counts. Assumes `job` is queued.
    """
    if connection.vendor != "postgresql":
        # SQLite (`make run`) has no advisory locks. It serialises writers anyway (one write
        # transaction at a time, so a batch never interleaves with another), and `make run`'s
        # single worker (`--pool=solo`) runs queued imports one after another. Only an upload
        # and a command-line import started together could still interleave their batches.
        return _run(actor=actor, job=job, paths=paths)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK_ID])
    try:
        return _run(actor=actor, job=job, paths=paths)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK_ID])


def _run(*, actor: Any, job: CensusImport, paths: Sequence[str | Path]) -> CensusImport:
    names = job.file_names or [Path(p).name for p in paths]
    headers = []
    try:
        total = 0
        for path, name in zip(paths, names, strict=True):
            try:
                header, count = census_file_check(path)
            except CensusFileRefused as error:
                raise CensusFileRefused(f"{name}: {error}") from error
            headers.append(header)
            total += count
        families = families_mapping_read(job.families_path) if job.families_path else None
    except (CensusFileRefused, FamiliesMappingError, OSError) as error:
        return _finish(job, actor=actor, status=CensusImport.Status.REFUSED, message=str(error))

    job.status = CensusImport.Status.RUNNING
    job.children_total = total
    job.save(update_fields=["status", "children_total"])
    counts = Counts()
    batches = 0
    try:
        for path, name, header in zip(paths, names, headers, strict=True):
            seen: set[str] = set()
            for batch in prefetched(checked_batches(path, header)):
                issues = batch_import(
                    batch, families=families, counts=counts, seen=seen, dry_run=job.dry_run
                )
                batches += 1
                if not job.dry_run and batches & (batches - 1) == 0:  # 1, 2, 4, 8, ...
                    statistics_refresh()
                CensusImportIssue.objects.bulk_create(
                    [
                        CensusImportIssue(
                            census_import=job,
                            file_name=name,
                            la_child_id=issue.la_child_id,
                            element=issue.element,
                            rule=issue.rule,
                            message=issue.message,
                            severity=CensusImportIssue.Severity.ERROR
                            if issue.is_error
                            else CensusImportIssue.Severity.WARNING,
                        )
                        for issue in issues
                    ]
                )
                job.children_done = counts.children_read
                job.counts = counts.as_dict()
                job.save(update_fields=["children_done", "counts"])
    except Exception as error:
        job.counts = counts.as_dict()
        _finish(job, actor=actor, status=CensusImport.Status.FAILED, message=str(error))
        raise
    job.counts = counts.as_dict()
    return _finish(job, actor=actor, status=CensusImport.Status.DONE)


def census_import_files(
    *,
    actor: Any,
    paths: Sequence[str | Path],
    families_path: str = "",
    dry_run: bool = False,
) -> CensusImport:
    """Create and run an import of files on this server (the command line)."""
    job = census_import_create(
        actor=actor,
        file_names=[Path(p).name for p in paths],
        families_path=str(families_path or ""),
        dry_run=dry_run,
    )
    return census_import_run(actor=actor, job=job, paths=paths)


def census_upload_store(
    *, actor: Any, uploads: Sequence[Any], families: Any, dry_run: bool
) -> CensusImport:
    """Keep uploaded files on the server (MEDIA_ROOT/census/<id>/) and queue their import.

    The worker is dispatched after the transaction commits, so it always finds the job.
    """
    from django.conf import settings

    from .tasks import census_import_process

    folder = Path(settings.MEDIA_ROOT) / "census" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, upload in enumerate(uploads):
        path = folder / f"{number:02d}.xml"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        paths.append(str(path))
    families_path = ""
    if families is not None:
        families_path = str(folder / "families.csv")
        with open(families_path, "wb") as out:
            for chunk in families.chunks():
                out.write(chunk)
    with transaction.atomic():
        job = census_import_create(
            actor=actor,
            file_names=[upload.name for upload in uploads],
            stored_paths=paths,
            families_path=families_path,
            dry_run=dry_run,
        )
        census_import_process.delay_on_commit(job.pk)
    return job


def census_upload_discard(*, job: CensusImport) -> None:
    """Delete an import's uploaded files (after it ran)."""
    for name in [*job.stored_paths, job.families_path]:
        if name:
            Path(name).unlink(missing_ok=True)
    if job.stored_paths:
        with contextlib.suppress(OSError):
            Path(job.stored_paths[0]).parent.rmdir()
