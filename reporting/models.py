"""Managers' measures (DOMAIN.md "Measures").

The figures are built from the case record by one set-based statement (`reporting/sql.py`), run
nightly and on a manager's request (`services.figures_build`), into `DailyFigures`: one row per
day on which something changed, so any period's measures are a sum over at most a few thousand
small rows (ADR 0090). `FiguresBuild` records each build. `ComparatorFigure` holds England's
published figures (loaded as data by a migration) and the statistical neighbours' figures that
managers enter.

Fields, choices and constraints only: writes go through `reporting/services.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .measures import ComparatorMeasure


class FiguresBuild(models.Model):
    """One build of the figures (nightly, or requested by a manager)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    as_of = models.DateField(help_text="Month-end and open-plan figures are known up to this day.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)
    #: The settings the build read (the re-plan window, the step-down link days).
    parameters = models.JSONField(default=dict)
    days = models.PositiveIntegerField(default=0)
    #: The outcome evaluation (Kaplan-Meier curves, shares with Wilson intervals) as at `as_of`.
    outcome = models.JSONField(default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "-finished_at"])]

    def __str__(self) -> str:
        return f"Figures as at {self.as_of:%d %b %Y} ({self.get_status_display()})"


class DailyFigures(models.Model):
    """What changed on one day, and the plans open at its end.

    Flows (`plans_started` ... `ended_band_4`) count plans that started or ended on `day`; the
    `open_band_*` columns are running totals: plans open at the end of `day` by how long they had
    been open (bands in `measures.DURATION_BANDS`). Replaced whole by each build.
    """

    day = models.DateField(primary_key=True)
    plans_started = models.PositiveIntegerField(default=0)
    #: 2nd or later plan: an earlier plan in our data, or NumberOfPreviousCPP > 0.
    replans = models.PositiveIntegerField(default=0)
    #: Re-plans whose previous plan we hold (not when NumberOfPreviousCPP exceeds what we hold).
    replans_previous_known = models.PositiveIntegerField(default=0)
    replans_within_24_months = models.PositiveIntegerField(default=0)
    replans_within_window = models.PositiveIntegerField(default=0)
    da_at_planning = models.PositiveIntegerField(default=0)
    da_replans = models.PositiveIntegerField(default=0)
    plans_ended = models.PositiveIntegerField(default=0)
    ended_band_0 = models.PositiveIntegerField(default=0)
    ended_band_1 = models.PositiveIntegerField(default=0)
    ended_band_2 = models.PositiveIntegerField(default=0)
    ended_band_3 = models.PositiveIntegerField(default=0)
    ended_band_4 = models.PositiveIntegerField(default=0)
    open_band_0 = models.IntegerField(default=0)
    open_band_1 = models.IntegerField(default=0)
    open_band_2 = models.IntegerField(default=0)
    open_band_3 = models.IntegerField(default=0)
    open_band_4 = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily figures"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"Figures for {self.day:%d %b %Y}"


class ComparatorFigure(models.Model):
    """A figure to show beside one of our measures: England's (published by DfE) or the
    statistical neighbours' (entered by a manager). Values are percentages for shares and plain
    numbers for counts; `numerator`/`denominator` are kept when the source gives them."""

    class Source(models.TextChoices):
        ENGLAND = "england", "England"
        STATISTICAL_NEIGHBOURS = "neighbours", "Statistical neighbours"

    measure = models.CharField(max_length=40, choices=ComparatorMeasure.choices)
    source = models.CharField(max_length=12, choices=Source.choices)
    year = models.CharField(max_length=7, help_text="Collection year, e.g. 2024-25.")
    value = models.DecimalField(max_digits=9, decimal_places=1)
    numerator = models.PositiveIntegerField(null=True, blank=True)
    denominator = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["measure", "source", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "source", "year"], name="comparator_unique_year"
            ),
            models.CheckConstraint(
                condition=Q(year__regex=r"^[0-9]{4}-[0-9]{2}$"), name="comparator_year_format"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.year}: {self.get_measure_display()}"
