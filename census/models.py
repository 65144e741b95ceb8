"""Census-only data (what the case record does not hold but a return must round-trip) and the
import job with its report.

Writes go through `census/services.py`; the job's progress is read by the upload page's poller.
"""

from django.conf import settings
from django.db import models

from cases.models import Person


class CensusChild(models.Model):
    """What the census says about a child beyond `Person`: GenderCurrent code and disabilities."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="census")
    #: GenderCurrent as recorded (1/2/0/9) in returns before 2024-25; blank when `Sex` was sent.
    gender_current = models.CharField(max_length=1, blank=True)
    #: Disability codes as recorded (a JSON list, so SQLite under `make run` stores it too).
    disabilities = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "census child"

    def __str__(self) -> str:
        return f"Census details of {self.person_id}"


class CensusImport(models.Model):
    """One import of one or more census returns (a command run or an upload), and its report."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField(default=False)
    #: Original file names, in import order (oldest return first).
    file_names = models.JSONField(default=list)
    #: Where the uploaded files were stored (server paths; empty for command-line imports).
    stored_paths = models.JSONField(default=list, blank=True)
    families_path = models.CharField(max_length=500, blank=True)
    children_total = models.PositiveIntegerField(default=0)
    children_done = models.PositiveIntegerField(default=0)
    #: imported, rejected, warnings, and rows written per table.
    counts = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Census import {self.pk} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        if self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED):
            return 100
        if not self.children_total:
            return 0
        return min(99, int(100 * self.children_done / self.children_total))

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.REFUSED, self.Status.FAILED)


class CensusImportIssue(models.Model):
    """One line of an import report: a rule a child's record broke (error) or queried (warning)."""

    class Severity(models.TextChoices):
        ERROR = "error", "Error: child not imported"
        WARNING = "warning", "Query: child imported"

    census_import = models.ForeignKey(CensusImport, on_delete=models.CASCADE, related_name="issues")
    file_name = models.CharField(max_length=255)
    la_child_id = models.CharField("LA child ID", max_length=40, blank=True)
    element = models.CharField(max_length=60)
    rule = models.CharField(max_length=10)
    message = models.TextField()
    severity = models.CharField(max_length=10, choices=Severity.choices)

    class Meta:
        ordering = ["census_import", "id"]
        indexes = [models.Index(fields=["census_import", "severity"])]

    def __str__(self) -> str:
        return f"{self.la_child_id} {self.rule}: {self.message}"
