"""Writes for the census import: create, queue, run and retry a job; correct or dismiss what an
import held back. Each is recorded in the audit log.

Public entry points (other apps and the scheduled feed call these, ADR 0051):

- `census_import_create(actor=, file_names=, stored_paths=, ...)`: record a queued job for files
  already on this server (nothing imported yet);
- `census_import_queue(job=)`: hand a queued job to a worker once the transaction commits; when
  the broker cannot be reached the job is marked "could not be queued" (its files kept) and a
  manager can start it again (`census_import_retry`);
- `census_upload_store(...)`: keep uploaded files and queue their import (the upload page);
- `census_import_files(actor=, paths=, ...)`: create and run an import now, in this process (the
  `import_cin_census` command);
- `census_import_run(actor=, job=)`: run (or resume) a job; what a worker calls.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from audit.services import audit_record

from .dfe_checks import FileState
from .importer import (
    Counts,
    batch_import,
    checked_batches,
    prefetched,
    relax_commit,
    statistics_refresh,
)
from .models import CensusHeldBack, CensusImport, CensusImportFile, CensusImportIssue
from .records import Header
from .validation import Issue, header_issues
from .xmlio import CensusFileRefused, census_file_check

logger = logging.getLogger(__name__)

#: One census import at a time (PostgreSQL advisory lock): two imports of the same children
#: could otherwise both see "not stored yet".
IMPORT_LOCK_ID = 0x43454E53  # "CENS"

Status = CensusImport.Status


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


# --- Creating and queueing a job -----------------------------------------------------------------
@transaction.atomic
def census_import_create(
    *,
    actor: Any,
    file_names: Sequence[str],
    stored_paths: Sequence[str] = (),
    families_path: str = "",
    dry_run: bool = False,
) -> CensusImport:
    """Record a queued import of these files (oldest return first). Writes nothing else.

    `stored_paths` are where the files are on this server, in the same order as `file_names`.
    """
    job = CensusImport.objects.create(
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        file_names=list(file_names),
        stored_paths=list(stored_paths),
        families_path=families_path,
        dry_run=dry_run,
    )
    CensusImportFile.objects.bulk_create(
        CensusImportFile(census_import=job, position=number, name=name)
        for number, name in enumerate(file_names)
    )
    audit_record(
        actor=actor,
        action="census.import_queue",
        target=job,
        details={"files": list(file_names), "dry_run": dry_run},
    )
    return job


def census_import_queue(*, job: CensusImport) -> None:
    """Hand `job` to a worker after the current transaction commits.

    If the broker cannot be reached the job is marked "could not be queued" (its files kept for
    a retry) and the failure logged; the caller's request does not fail.
    """
    from .tasks import census_import_process

    def send() -> None:
        try:
            census_import_process.apply_async((job.pk,), retry=False)
        except Exception as error:  # kombu/redis connection errors: any of them
            logger.warning("Census import %s could not be queued: %s", job.pk, error)
            CensusImport.objects.filter(pk=job.pk, status=Status.QUEUED).update(
                status=Status.NOT_QUEUED,
                message=(
                    "The import could not be handed to a background worker (the task queue is "
                    "not reachable). Your files are kept: try again when it is back."
                ),
            )

    transaction.on_commit(send)


@transaction.atomic
def census_import_retry(*, actor: Any, job: CensusImport) -> CensusImport:
    """Start a job again that could not be queued or that failed: it resumes at its first file
    not yet imported (files already imported are not imported again)."""
    locked = CensusImport.objects.select_for_update().get(pk=job.pk)
    if locked.status not in CensusImport.RETRYABLE:
        raise ValidationError(
            f"An import that is {locked.get_status_display().lower()} cannot be started again."
        )
    missing = [p for p in locked.stored_paths if not Path(p).exists()]
    if missing:
        raise ValidationError("The uploaded files of this import are no longer on the server.")
    locked.status = Status.QUEUED
    locked.attempts = 0
    locked.message = ""
    locked.save(update_fields=["status", "attempts", "message"])
    audit_record(actor=actor, action="census.import_retry", target=locked, details={})
    census_import_queue(job=locked)
    return locked


def census_upload_store(
    *, actor: Any, uploads: Sequence[Any], families: Any, dry_run: bool
) -> CensusImport:
    """Keep uploaded files on the server (MEDIA_ROOT/census/<random>/) and queue their import.

    The worker is dispatched after the transaction commits, so it always finds the job. The
    files are deleted once the job is final (not while it may still be resumed or retried).
    """
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
        census_import_queue(job=job)
    job.refresh_from_db()
    return job


def census_upload_discard(*, job: CensusImport) -> None:
    """Delete an import's uploaded files (once the job is final)."""
    if not str(job.stored_paths[0] if job.stored_paths else "").startswith(
        str(Path(settings.MEDIA_ROOT))
    ):
        return  # files of a command-line import are the operator's, not ours
    for name in [*job.stored_paths, job.families_path]:
        if name:
            Path(name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        Path(job.stored_paths[0]).parent.rmdir()


def census_import_files(
    *,
    actor: Any,
    paths: Sequence[str | Path],
    families_path: str = "",
    dry_run: bool = False,
) -> CensusImport:
    """Create and run an import of files on this server (the command line), in this process."""
    job = census_import_create(
        actor=actor,
        file_names=[Path(p).name for p in paths],
        stored_paths=[str(Path(p).resolve()) for p in paths],
        families_path=str(families_path or ""),
        dry_run=dry_run,
    )
    return census_import_run(actor=actor, job=job)


# --- Running a job -------------------------------------------------------------------------------
@contextlib.contextmanager
def _import_lock() -> Any:
    if connection.vendor != "postgresql":
        # SQLite (`make run`) has no advisory locks. It serialises writers anyway (one write
        # transaction at a time) and `make run`'s single worker runs queued imports one after
        # another.
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK_ID])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK_ID])


def census_import_interrupted(job: CensusImport) -> bool:
    """A job shown as running that no process is running: its worker stopped mid-way. It
    resumes when its task is delivered again, or a manager starts it again."""
    if job.status != Status.RUNNING or connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [IMPORT_LOCK_ID])
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK_ID])
    return bool(free)


def census_import_run(*, actor: Any, job: CensusImport) -> CensusImport:
    """Import (or resume) `job`'s files in order, each in one transaction (ADR 0051).

    Safe to call again for the same job (a task delivered twice): it waits for the import lock,
    then does nothing for a job that is final, and resumes a job that was interrupted at its
    first file not yet imported. A job started more than `CENSUS_IMPORT_MAX_ATTEMPTS` times is
    failed (a file that kills its worker must not be retried for ever). Records one audit event
    when the job ends.
    """
    with _import_lock():
        job = CensusImport.objects.get(pk=job.pk)
        if job.status not in (Status.QUEUED, Status.RUNNING, Status.NOT_QUEUED):
            return job
        job.attempts += 1
        if job.attempts > settings.CENSUS_IMPORT_MAX_ATTEMPTS:
            job.save(update_fields=["attempts"])
            return _finish(
                job,
                actor=actor,
                status=Status.FAILED,
                message=(
                    f"The import was interrupted {job.attempts - 1} times (a worker stopped "
                    "mid-way each time) and was stopped. What was imported stays; start it again "
                    "to resume."
                ),
            )
        job.save(update_fields=["attempts"])
        return _run(actor=actor, job=job)


def _checked_headers(
    job: CensusImport, files: list[CensusImportFile]
) -> tuple[dict[int, Header], dict[str, str] | None]:
    """Refuse the job unless every file still to import is a census return (nothing written)."""
    headers = {}
    for file in files:
        if file.status in (CensusImportFile.Status.IMPORTED, CensusImportFile.Status.CHECKED):
            continue  # imported before the job was interrupted
        try:
            header, count = census_file_check(job.stored_paths[file.position])
        except (CensusFileRefused, IndexError) as error:
            raise CensusFileRefused(f"{file.name}: {error}") from error
        headers[file.position] = header
        file.children_total = count
        file.collection_year = header.year
        file.la_code = header.la_code[:20]
    families = families_mapping_read(job.families_path) if job.families_path else None
    return headers, families


def _run(*, actor: Any, job: CensusImport) -> CensusImport:
    files = list(job.files.order_by("position"))
    try:
        headers, families = _checked_headers(job, files)
    except (CensusFileRefused, FamiliesMappingError, OSError) as error:
        return _finish(job, actor=actor, status=Status.REFUSED, message=str(error))
    for file in files:
        file.save(update_fields=["children_total", "collection_year", "la_code"])
    job.status = Status.RUNNING
    job.children_total = sum(f.children_total for f in files)
    job.children_done = sum(f.children_total for f in files if f.position not in headers)
    job.save(update_fields=["status", "children_total", "children_done"])
    for file in files:
        if file.position not in headers:
            continue  # imported before the job was interrupted
        try:
            _import_file(job, file, headers[file.position], families)
        except Exception as error:
            logger.exception("Census import %s failed in %s", job.pk, file.name)
            file.status = CensusImportFile.Status.FAILED
            file.finished_at = timezone.now()
            file.save(update_fields=["status", "finished_at"])
            _totals(job, files)
            return _finish(
                job,
                actor=actor,
                status=Status.FAILED,
                message=(
                    f"{file.name} could not be imported and nothing of it was kept: "
                    f"{str(error).splitlines()[0][:500] if str(error) else type(error).__name__}. "
                    "Files before it are imported; start the import again to resume at this file."
                ),
            )
        job.children_done += file.children_total
        _totals(job, files)
        job.save(update_fields=["children_done", "counts"])
    return _finish(job, actor=actor, status=_outcome(job), message=_summary(job))


def _totals(job: CensusImport, files: list[CensusImportFile]) -> None:
    totals = Counts()
    for file in files:
        if file.status in (CensusImportFile.Status.IMPORTED, CensusImportFile.Status.CHECKED):
            totals.add(file.counts)
    job.counts = totals.as_dict()


def _outcome(job: CensusImport) -> str:
    counts = job.counts
    if not counts.get("children_imported"):
        return Status.NOTHING
    if counts.get("children_held_back") or counts.get("elements_held_back"):
        return Status.PROBLEMS
    return Status.FINISHED


def _summary(job: CensusImport) -> str:
    c = job.counts
    verb = "would be imported" if job.dry_run else "imported"
    parts = [f"{c.get('children_imported', 0):,} of {c.get('children_read', 0):,} children {verb}"]
    if c.get("children_held_back"):
        parts.append(f"{c['children_held_back']:,} children held back whole")
    if c.get("elements_held_back"):
        parts.append(f"{c['elements_held_back']:,} elements of imported children held back")
    parts.append(f"{c.get('errors', 0):,} DfE errors and {c.get('queries', 0):,} queries reported")
    return "; ".join(parts) + "."


class _Progress:
    """Children checked so far, written on a connection of its own so the page's poller sees it
    while the file's transaction is still open (PostgreSQL; elsewhere progress moves per file)."""

    def __init__(self, job: CensusImport) -> None:
        self.job_id = job.pk
        self.base = job.children_done
        self.conn: Any = None
        if connection.vendor == "postgresql":
            self.conn = connections.create_connection(DEFAULT_DB_ALIAS)

    def write(self, done: int) -> None:
        if self.conn is None:
            return
        try:
            with self.conn.cursor() as cursor:
                # Never wait on the import's own transaction (it does not touch the job row).
                cursor.execute("SET lock_timeout = '1s'")
                cursor.execute(
                    f"UPDATE {CensusImport._meta.db_table} SET children_done = %s WHERE id = %s",  # noqa: S608
                    [self.base + done, self.job_id],
                )
        except DatabaseError as error:
            logger.warning("Census import progress not recorded: %s", error)
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(DatabaseError):
                self.conn.close()
            self.conn = None


def _import_file(
    job: CensusImport, file: CensusImportFile, header: Header, families: dict[str, str] | None
) -> None:
    """One file in one transaction: its records, its report and its outcome commit together, so
    a failure (or a worker killed) leaves nothing of it, and the job resumes at it."""
    path = job.stored_paths[file.position]
    state = FileState(header)
    counts = Counts()
    progress = _Progress(job)
    batches = 0
    try:
        with transaction.atomic():
            relax_commit()
            for batch in prefetched(checked_batches(path, header, state)):
                issues = batch_import(batch, families=families, counts=counts, dry_run=job.dry_run)
                _store_issues(job, file.name, header, issues)
                batches += 1
                if not job.dry_run and batches & (batches - 1) == 0:  # 1, 2, 4, 8, ...
                    statistics_refresh()
                progress.write(counts.children_read)
            whole_file = header_issues(header, la_code=settings.AUTHORITY_LA_CODE)
            state.file_issues(
                lambda rule, element, message, where: whole_file.append(
                    Issue("", element, rule, message, _severity(rule, header.year), where)
                )
            )
            whole_file = [i for i in whole_file if i.severity]
            counts.errors += sum(1 for i in whole_file if i.is_error)
            counts.queries += sum(1 for i in whole_file if not i.is_error)
            _store_issues(job, file.name, header, whole_file)
            file.status = (
                CensusImportFile.Status.CHECKED if job.dry_run else CensusImportFile.Status.IMPORTED
            )
            file.counts = counts.as_dict()
            file.finished_at = timezone.now()
            file.save(update_fields=["status", "counts", "finished_at"])
    finally:
        progress.close()


def _severity(rule: str, year: int) -> str:
    from .validation import rule_severity

    return rule_severity(rule, year) or ""


def _store_issues(job: CensusImport, file_name: str, header: Header, issues: list[Issue]) -> None:
    held = [i.held for i in issues if i.held is not None]
    rows = (
        CensusHeldBack.objects.bulk_create(
            [
                CensusHeldBack(
                    census_import=job,
                    file_name=file_name,
                    reference_date=header.reference_date,
                    la_child_id=h.la_child_id,
                    element=h.element,
                    rule=h.rule,
                    message=h.message,
                    context=h.context,
                    values=h.values,
                )
                for h in held
            ]
        )
        if not job.dry_run
        else []
    )
    row_of = {id(h): row for h, row in zip(held, rows, strict=False)}
    CensusImportIssue.objects.bulk_create(
        [
            CensusImportIssue(
                census_import=job,
                file_name=file_name,
                la_child_id=issue.la_child_id,
                element=issue.element,
                rule=issue.rule,
                message=issue.message,
                severity=issue.severity,
                held_back=row_of.get(id(issue.held)) if issue.held is not None else None,
            )
            for issue in issues
        ],
        batch_size=2000,
    )


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


# --- The data quality page: held-back elements --------------------------------------------------
#: Child-level values and the record attribute they go to.
_CHILD_VALUES = {
    "UPN": "upn",
    "FormerUPN": "former_upn",
    "UPNunknown": "upn_unknown",
    "PersonBirthDate": "birth_date",
    "ExpectedPersonBirthDate": "expected_birth_date",
    "PersonDeathDate": "death_date",
    "Ethnicity": "ethnicity",
    "Disability": "disabilities",
}
_EPISODE_VALUES = {
    "ReferralSource": "referral_source",
    "PrimaryNeedCode": "primary_need",
    "ReasonForClosure": "reason_for_closure",
    "DateOfInitialCPC": "icpc",
}


def _episode_for(item: CensusHeldBack, **fields: Any) -> Any:
    from .records import EpisodeRecord

    return EpisodeRecord(referral=item.context.get("CINreferralDate"), referral_nfa=None, **fields)


def _corrected_child(item: CensusHeldBack, values: dict[str, Any]) -> Any:
    """The held-back element, corrected, as the one thing a return of one child holds."""
    from .records import (
        AssessmentRecord,
        ChildRecord,
        CINPlanRecord,
        CPPlanRecord,
        Section47Record,
    )
    from .validation import child_from_json

    merged = {**item.values, **values}
    child_id = item.context.get("LAchildID") or ""
    element = item.element
    if element == "Child":
        child = child_from_json(item.context["child"])
        child.la_child_id = values.get("LAchildID") or None
        return child
    child = ChildRecord(la_child_id=child_id)
    if element == "CINdetails":
        episode = item.context.get("episode") or {}
        raw = child_from_json({"la_child_id": child_id, "episodes": [episode]}).episodes[0]
        raw.referral = values.get("CINreferralDate")
        child.episodes = [raw]
    elif element == "CINclosureDate":
        child.episodes = [
            _episode_for(
                item,
                closure=merged.get("CINclosureDate"),
                reason_for_closure=merged.get("ReasonForClosure"),
            )
        ]
    elif element in _CHILD_VALUES:
        value = merged.get(element)
        setattr(child, _CHILD_VALUES[element], [value] if element == "Disability" else value)
    elif element in _EPISODE_VALUES:
        child.episodes = [_episode_for(item, **{_EPISODE_VALUES[element]: merged.get(element)})]
    elif element in ("NumberOfPreviousCPP", "CPPreviewDate"):
        plan = CPPlanRecord(start=item.context.get("CPPstartDate"))
        if element == "NumberOfPreviousCPP":
            plan.number_of_previous_cpp = merged.get(element)
        else:
            plan.reviews = [merged.get(element)]
        child.episodes = [_episode_for(item, cp_plans=[plan])]
    else:
        kinds = {
            "Assessments": (AssessmentRecord, ("start", "authorised", "factors"), "assessments"),
            "CINPlanDates": (CINPlanRecord, ("start", "end"), "cin_plans"),
            "Section47": (
                Section47Record,
                ("start", "icpc_target", "icpc", "icpc_not_required"),
                "section47s",
            ),
            "ChildProtectionPlans": (
                CPPlanRecord,
                (
                    "start",
                    "end",
                    "initial_category",
                    "latest_category",
                    "number_of_previous_cpp",
                    "reviews",
                ),
                "cp_plans",
            ),
        }
        record_type, names, attr = kinds[element]
        record = record_type(**{n: merged.get(n) for n in names if n in merged or n == "start"})
        if hasattr(record, "factors") and record.factors is None:
            record.factors = []
        if hasattr(record, "reviews") and record.reviews is None:
            record.reviews = []
        child.episodes = [_episode_for(item, **{attr: [record]})]
    return child


def census_held_back_apply(
    *, actor: Any, item: CensusHeldBack, values: dict[str, Any]
) -> CensusHeldBack:
    """Re-apply a held-back element with corrected `values`: checked as an import checks it
    (our model's rules and the child's stored history), then written. Raises ValidationError
    (nothing written) when it still cannot be held."""
    from .importer import Counts, batch_import
    from .validation import child_check

    with transaction.atomic():
        locked = CensusHeldBack.objects.select_for_update().get(pk=item.pk)
        if locked.status != CensusHeldBack.Status.OPEN:
            raise ValidationError("This element was already corrected or dismissed.")
        header = Header(
            year=locked.reference_date.year, reference_date=locked.reference_date, la_code=""
        )
        checked = child_check(_corrected_child(locked, values), header)
        issues = batch_import([checked], families=None, counts=Counts())
        still = [i for i in issues if i.held is not None]
        if still:
            transaction.set_rollback(True)
            raise ValidationError([f"{i.rule}: {i.message}" for i in still])
        locked.status = CensusHeldBack.Status.APPLIED
        locked.applied_values = values
        locked.resolved_by = actor
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["status", "applied_values", "resolved_by", "resolved_at"])
        audit_record(
            actor=actor,
            action="census.held_back_apply",
            target=locked,
            details={
                "la_child_id": locked.la_child_id,
                "element": locked.element,
                "rule": locked.rule,
                "was": locked.values,
                "now": values,
            },
        )
    return locked


@transaction.atomic
def census_held_back_dismiss(*, actor: Any, item: CensusHeldBack, reason: str) -> CensusHeldBack:
    """Leave a held-back element out of the case record for good, saying why."""
    locked = CensusHeldBack.objects.select_for_update().get(pk=item.pk)
    if locked.status != CensusHeldBack.Status.OPEN:
        raise ValidationError("This element was already corrected or dismissed.")
    if not reason.strip():
        raise ValidationError({"reason": "Enter why this element is dismissed"})
    locked.status = CensusHeldBack.Status.DISMISSED
    locked.resolution_note = reason.strip()
    locked.resolved_by = actor
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "resolution_note", "resolved_by", "resolved_at"])
    audit_record(
        actor=actor,
        action="census.held_back_dismiss",
        target=locked,
        details={"la_child_id": locked.la_child_id, "element": locked.element, "reason": reason},
    )
    return locked
