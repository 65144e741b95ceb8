"""Census-only data (what the case record does not hold but a return must round-trip), the import
job with its files and report, and the elements an import held back for a person to correct.

Writes go through `census/services.py`; the job's progress is read by the upload page's poller.
"""

from django.conf import settings
from django.db import models

from cases.models import Person


class CensusChild(models.Model):
    """What the census says about a child beyond `Person`: GenderCurrent code, disabilities and
    the expected date of birth of an unborn child."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="census")
    #: GenderCurrent as recorded (1/2/0/9) in returns before 2024-25; blank when `Sex` was sent.
    gender_current = models.CharField(max_length=1, blank=True)
    #: Disability codes as recorded (a JSON list, so SQLite under `make run` stores it too).
    disabilities = models.JSONField(default=list, blank=True)
    expected_birth_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "census child"

    def __str__(self) -> str:
        return f"Census details of {self.person_id}"


class CensusImport(models.Model):
    """One import of one or more census returns (a command run, an upload or a scheduled feed).

    Its files are imported one after another, each in one transaction (ADR 0051): a file is
    either wholly imported or not at all, and a job that was interrupted resumes at its first
    file not yet imported.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        NOT_QUEUED = "not_queued", "Could not be queued"
        RUNNING = "running", "Importing"
        FINISHED = "finished", "Finished"
        PROBLEMS = "problems", "Finished with problems"
        NOTHING = "nothing", "Nothing imported"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    #: States a job does not leave by itself.
    FINAL = frozenset({Status.FINISHED, Status.PROBLEMS, Status.NOTHING, Status.REFUSED})
    #: States a manager may start again (the uploaded files are kept for it).
    RETRYABLE = frozenset({Status.NOT_QUEUED, Status.FAILED})

    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(default=False)
    #: Original file names, in import order (oldest return first).
    file_names = models.JSONField(default=list)
    #: Where the files are read from (uploads: kept under MEDIA_ROOT until the job is final).
    stored_paths = models.JSONField(default=list, blank=True)
    families_path = models.CharField(max_length=500, blank=True)
    children_total = models.PositiveIntegerField(default=0)
    children_done = models.PositiveIntegerField(default=0)
    #: Totals over the imported files (see `importer.Counts.as_dict`).
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    #: How many times a worker started this job (a job interrupted too often is failed).
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Census import {self.pk} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINAL or self.status in self.RETRYABLE

    @property
    def retryable(self) -> bool:
        return self.status in self.RETRYABLE

    @property
    def percent_done(self) -> int:
        if self.finished:
            return 100
        if not self.children_total:
            return 0
        return min(99, int(100 * self.children_done / self.children_total))


class CensusImportFile(models.Model):
    """One return of an import job, with its own outcome and counts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not imported yet"
        IMPORTED = "imported", "Imported"
        CHECKED = "checked", "Checked (nothing kept)"
        FAILED = "failed", "Failed: nothing of it kept"

    census_import = models.ForeignKey(CensusImport, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    collection_year = models.PositiveSmallIntegerField(null=True, blank=True)
    la_code = models.CharField("LA code", max_length=20, blank=True)
    children_total = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["census_import", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["census_import", "position"], name="census_file_unique_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class CensusHeldBack(models.Model):
    """An element of a return the import did not write because it would break our model (two
    open CP plans, an end before a start, a value our columns cannot hold, a child without a
    usable LA child ID). Everything else of the child was imported. A manager corrects and
    re-applies it, or dismisses it with a reason (`census/services.py`)."""

    class Status(models.TextChoices):
        OPEN = "open", "To correct"
        APPLIED = "applied", "Corrected and applied"
        DISMISSED = "dismissed", "Dismissed"

    census_import = models.ForeignKey(
        CensusImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="held_back"
    )
    file_name = models.CharField(max_length=255)
    #: The return's reference date (31 March): the rules of its year apply when re-applied.
    reference_date = models.DateField()
    #: As in the return (shortened when longer than a real one can be).
    la_child_id = models.CharField("LA child ID", max_length=60, blank=True)
    #: The census element held back, e.g. "ChildProtectionPlans", "CINclosureDate", "Child".
    element = models.CharField(max_length=60)
    rule = models.CharField(max_length=10)
    message = models.TextField()
    #: Where it sits: the child and, for elements inside a CIN episode, its referral date.
    context = models.JSONField(default=dict, blank=True)
    #: The element's values as in the return (text; long values shortened, their length noted).
    values = models.JSONField(default=dict)
    #: Values the element was re-applied with.
    applied_values = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Why it was dismissed (required), or a note on the correction.
    resolution_note = models.TextField(blank=True)

    class Meta:
        verbose_name = "held-back census element"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.element} of {self.la_child_id or '(no LA child ID)'}: {self.rule}"


class CensusImportIssue(models.Model):
    """One line of an import report: a DfE rule (or one of ours) a return broke.

    `severity` is the rule's own (an error or a query, as the DfE rules of the file's year say);
    `held_back` names the element the import did not write because of it, if any.
    """

    class Severity(models.TextChoices):
        ERROR = "error", "Error"
        QUERY = "query", "Query"

    census_import = models.ForeignKey(CensusImport, on_delete=models.CASCADE, related_name="issues")
    file_name = models.CharField(max_length=255)
    la_child_id = models.CharField("LA child ID", max_length=60, blank=True)
    element = models.CharField(max_length=60)
    rule = models.CharField(max_length=10)
    message = models.TextField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    held_back = models.ForeignKey(
        CensusHeldBack, null=True, blank=True, on_delete=models.SET_NULL, related_name="issues"
    )

    class Meta:
        ordering = ["census_import", "id"]
        indexes = [models.Index(fields=["census_import", "severity"])]

    def __str__(self) -> str:
        return f"{self.la_child_id} {self.rule}: {self.message}"
