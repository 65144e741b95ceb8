"""The transition cohort: nightly runs, what each run found, flags and their review lifecycle.

Fields, choices and constraints only. Writes go through `cohort/services.py` (runs through
`cohort/rules.py`), reads through `cohort/querysets.py` (`visible_to(user)`) and `selectors.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Assessment, CPPlan, DARiskFlag, Family, Person

from . import dates
from .querysets import CohortFlagQuerySet, CohortRunQuerySet


class CohortRun(models.Model):
    """One evaluation of the rule for an as-of date D (nightly, or by command for a past D)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    as_of = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    error = models.TextField(blank=True)
    rule_version = models.CharField(max_length=20)
    #: The windows the rule ran with (settings may change between runs).
    parameters = models.JSONField(default=dict)
    children_evaluated = models.PositiveIntegerField(default=0)
    children_qualifying = models.PositiveIntegerField(default=0)
    history_missing = models.PositiveIntegerField(default=0)
    flags_created = models.PositiveIntegerField(default=0)
    flags_updated = models.PositiveIntegerField(default=0)
    flags_unchanged = models.PositiveIntegerField(default=0)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = CohortRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["as_of", "status"])]

    def __str__(self) -> str:
        return f"Cohort run for {self.as_of:%d %b %Y} ({self.get_status_display()})"


class CohortRunResult(models.Model):
    """A child the rule picked out on a run: qualifying, or a near miss with the reason.

    The columns are the "why": the dates that satisfied each criterion, as known on the run's D.
    """

    class Outcome(models.TextChoices):
        QUALIFIES = "qualifies", "Qualifies"
        HISTORY_MISSING = "history_missing", "History missing"
        NO_FAMILY = "no_family", "Qualifies but belongs to no family"

    run = models.ForeignKey(CohortRun, on_delete=models.CASCADE, related_name="results")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # The result is a snapshot of what the rule read in the same statement: only its run is held
    # by a database foreign key; the references are kept without constraints (PROTECT still
    # applies in Django), so a night's results insert without deferred checks at commit (ADR 0021).
    child = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    family = models.ForeignKey(
        Family,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    plan = models.ForeignKey(
        CPPlan, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    plan_start = models.DateField()
    #: The plan's end as known on D (null: open on D, including an end recorded after D).
    plan_end = models.DateField(null=True, blank=True)
    number_of_previous_cpp = models.PositiveSmallIntegerField(null=True, blank=True)
    previous_plan = models.ForeignKey(
        CPPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    previous_plan_end = models.DateField(null=True, blank=True)
    da_flag = models.ForeignKey(
        DARiskFlag,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    da_flag_recorded_on = models.DateField(null=True, blank=True)
    da_flag_source = models.CharField(max_length=20, blank=True)
    da_assessment = models.ForeignKey(
        Assessment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    da_assessment_start = models.DateField(null=True, blank=True)
    step_down_decided_on = models.DateField()
    step_down_planned_cin_start = models.DateField(null=True, blank=True)
    step_down_source = models.CharField(max_length=20)

    class Meta:
        ordering = ["run", "family", "child"]
        constraints = [
            models.UniqueConstraint(fields=["run", "plan"], name="cohort_result_unique_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.child} ({self.get_outcome_display()})"

    @property
    def as_of(self):  # type: ignore[no-untyped-def]
        return self.run.as_of

    @property
    def months_on_plan(self) -> int:
        """Whole months from the plan's start to D, or to its end if it had ended by D."""
        return dates.full_months_between(self.plan_start, self.plan_end or self.run.as_of)

    @property
    def months_since_previous(self) -> int | None:
        """Whole months from the previous plan's end to this plan's start."""
        if self.previous_plan_end is None:
            return None
        return dates.full_months_between(self.previous_plan_end, self.plan_start)

    @property
    def step_down_date(self):  # type: ignore[no-untyped-def]
        """When the child steps down: the plan's end if it has ended, else the planned CIN start,
        else the day the step-down was decided."""
        return self.plan_end or self.step_down_planned_cin_start or self.step_down_decided_on


class CohortFlag(models.Model):
    """A family flagged into the transition cohort, and where its review has got to."""

    class Status(models.TextChoices):
        FLAGGED = "flagged", "Flagged"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        ALLOCATED = "allocated", "Allocated"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        COMPLETED = "completed", "Completed"
        DISENGAGED = "disengaged", "Disengaged"
        ESCALATED_TO_CP = "escalated_to_cp", "Escalated to child protection"
        MOVED_OUT = "moved_out", "Moved out of area"
        OTHER = "other", "Other"

    #: A family has at most one flag in these statuses; a declined or closed flag keeps its
    #: history and a later qualifying plan starts a new flag.
    FINISHED = (Status.DECLINED, Status.CLOSED)

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="cohort_flags")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FLAGGED)
    flagged_on = models.DateField(help_text="The as-of date of the run that first flagged it.")
    first_run = models.ForeignKey(CohortRun, on_delete=models.PROTECT, related_name="new_flags")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    decline_reason = models.TextField(blank=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cohort_allocations",
    )
    allocated_on = models.DateField(null=True, blank=True)
    first_review_due = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)

    objects = CohortFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-flagged_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=~Q(status__in=["declined", "closed"]),
                name="cohort_flag_one_current_per_family",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="cohort_flag_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["allocated", "active"]) | Q(worker__isnull=False),
                name="cohort_flag_allocated_has_worker",
            ),
        ]
        indexes = [models.Index(fields=["status", "flagged_on"])]

    def __str__(self) -> str:
        return f"Cohort flag for {self.family} ({self.get_status_display()})"


class CohortFlagChild(models.Model):
    """A qualifying child named on a flag, with the run result that holds their why.

    A plan is flagged at most once, ever: this is what makes a rerun change nothing.
    """

    flag = models.ForeignKey(CohortFlag, on_delete=models.CASCADE, related_name="children")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cohort_flags")
    plan = models.OneToOneField(CPPlan, on_delete=models.PROTECT, related_name="cohort_flag_child")
    result = models.ForeignKey(CohortRunResult, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["flag", "child"]

    def __str__(self) -> str:
        return f"{self.child} on {self.flag}"


class CohortFlagEvent(models.Model):
    """One change of a flag's status: who, when, why. Append-only by convention (services)."""

    flag = models.ForeignKey(CohortFlag, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=CohortFlag.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=CohortFlag.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    run = models.ForeignKey(
        CohortRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["flag", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"


class CohortDispute(models.Model):
    """An IRO's challenge to a flag ("this family should not be in the cohort because ..."),
    and the answer."""

    flag = models.ForeignKey(CohortFlag, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    note = models.TextField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)

    class Meta:
        ordering = ["flag", "raised_at"]

    def __str__(self) -> str:
        return f"Challenge on {self.flag} ({'answered' if self.answered_at else 'open'})"
