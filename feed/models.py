"""What the feed has taken in from the drop folder: each census file once, by its content."""

from django.db import models

from census.models import CensusImport


class FeedDropFile(models.Model):
    """A census XML file picked up from the drop folder and handed to the census import.

    Identified by the SHA-256 of its content, so the same file dropped again (a resend, a retry
    after a crash) is not imported twice; the import itself is idempotent as well (ADR 0084).
    """

    digest = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)
    census_import = models.ForeignKey(
        CensusImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return self.name
