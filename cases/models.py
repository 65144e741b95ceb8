"""The case record: agencies, staff, families, people and the statutory CP/CIN history.

Fields, choices and constraints only: writes go through `cases/services.py`, reads through
`cases/querysets.py` (`visible_to(user)`) and `cases/selectors.py`.
"""

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import F, Q
from guardian.models import GroupObjectPermissionBase

from .codes import CategoryOfAbuse, PrimaryNeed, ReasonForClosure, Sex
from .querysets import CPPlanQuerySet, DAIncidentQuerySet, FamilyQuerySet, PersonQuerySet
from .roles import Role


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Agency(TimeStamped):
    class Kind(models.TextChoices):
        COUNCIL = "council", "Council"
        POLICE = "police", "Police"
        HEALTH = "health", "Health"
        PROBATION = "probation", "Probation"
        EDUCATION = "education", "Education"
        HOUSING = "housing", "Housing"
        IDVA = "idva", "IDVA service"
        VOLUNTARY = "voluntary", "Voluntary sector"

    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: Object permissions shared with the agency are granted to this group, never to its users.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="agency")

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(TimeStamped):
    """A team inside an agency (a social work team). Its caseload is granted to its group."""

    name = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="team")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Their role decides what they may do; groups decide what they may see."""

    role = models.CharField(max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    job_title = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Family(TimeStamped):
    reference = models.CharField(max_length=40, unique=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    #: A refuge or otherwise protected address: never shown to a partner without a specific grant.
    address_confidential = models.BooleanField(default=False)
    transition_worker = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transition_families",
    )

    objects = FamilyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "families"
        ordering = ["reference"]

    def __str__(self) -> str:
        return self.reference


class FamilyGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian grants on a family, with a real foreign key (fast joins, cascades on delete)."""

    content_object = models.ForeignKey(Family, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        indexes = [models.Index(fields=["group", "permission"])]


class Person(TimeStamped):
    class Kind(models.TextChoices):
        CHILD = "child", "Child"
        ADULT = "adult", "Adult"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    #: Census codes are stored as recorded, an invalid one too (up to 10 characters, ADR 0050).
    ethnicity = models.CharField(max_length=10, blank=True)
    #: DfE rule 1570: at most 20 characters.
    la_child_id = models.CharField("LA child ID", max_length=20, null=True, blank=True, unique=True)
    upn = models.CharField("UPN", max_length=13, blank=True)
    former_upn = models.CharField("former UPN", max_length=13, blank=True)
    #: Why the child has no UPN (census code UN1 to UN10).
    upn_unknown = models.CharField("reason the UPN is unknown", max_length=4, blank=True)
    date_of_death = models.DateField(null=True, blank=True)
    families = models.ManyToManyField(Family, through="FamilyMembership", related_name="people")

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "people"
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.la_child_id or f"Person {self.pk}"


class PersonGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian grants on one person (a person-level sharing agreement), with a real foreign key."""

    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        indexes = [models.Index(fields=["group", "permission"], name="cases_pgop_group_perm")]


class FamilyMembership(models.Model):
    class AbuseRole(models.TextChoices):
        CHILD = "child", "Child"
        VICTIM_SURVIVOR = "victim_survivor", "Victim/survivor"
        PERPETRATOR = "perpetrator", "Perpetrator"
        OTHER_ADULT = "other_adult", "Other adult"

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    relationship = models.CharField(
        max_length=60, blank=True, help_text="To the children, e.g. mother, stepfather, sibling."
    )
    abuse_role = models.CharField(max_length=20, choices=AbuseRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["family", "person"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.family} ({self.get_abuse_role_display()})"


class CINEpisode(TimeStamped):
    """One period of involvement, referral to closure (one `CINdetails` in the census)."""

    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="cin_episodes")
    referral_date = models.DateField()
    referral_source = models.CharField(max_length=10, blank=True)
    primary_need = models.CharField(max_length=10, choices=PrimaryNeed.choices, blank=True)
    referral_nfa = models.BooleanField(null=True, blank=True)
    closure_date = models.DateField(null=True, blank=True)
    reason_for_closure = models.CharField(
        max_length=10, choices=ReasonForClosure.choices, blank=True
    )
    #: An initial conference held outside any section 47 enquiry (the census's `CINdetails`
    #: `DateOfInitialCPC`, DfE 2884).
    icpc_date = models.DateField(
        "initial conference date (outside a section 47)", null=True, blank=True
    )

    class Meta:
        ordering = ["child", "referral_date"]
        constraints = [
            models.UniqueConstraint(fields=["child", "referral_date"], name="episode_unique_start"),
            models.CheckConstraint(
                condition=Q(closure_date__isnull=True) | Q(closure_date__gte=F("referral_date")),
                name="episode_closure_after_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"CIN episode from {self.referral_date:%d %b %Y}"


class Assessment(TimeStamped):
    episode = models.ForeignKey(CINEpisode, on_delete=models.CASCADE, related_name="assessments")
    start_date = models.DateField()
    authorisation_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["episode", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "start_date"], name="assessment_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(authorisation_date__isnull=True)
                | Q(authorisation_date__gte=F("start_date")),
                name="assessment_authorised_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment started {self.start_date:%d %b %Y}"


class AssessmentFactor(models.Model):
    """A factor identified at assessment (census code, e.g. 3A). One row per code."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="factors")
    code = models.CharField(max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "code"], name="factor_unique_code"),
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return self.code


class Section47Enquiry(TimeStamped):
    episode = models.ForeignKey(CINEpisode, on_delete=models.CASCADE, related_name="section47s")
    start_date = models.DateField()
    #: The strategy discussion at which the enquiry started: the ICPC timescale runs from it. Not
    #: in the census (imported enquiries have none; their `start_date` stands in).
    strategy_discussion_date = models.DateField(null=True, blank=True)
    icpc_target_date = models.DateField(null=True, blank=True)
    icpc_date = models.DateField(null=True, blank=True)
    icpc_not_required = models.BooleanField(default=False)

    class Meta:
        verbose_name = "section 47 enquiry"
        verbose_name_plural = "section 47 enquiries"
        ordering = ["episode", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "start_date"], name="s47_unique_start"),
        ]

    def __str__(self) -> str:
        return f"Section 47 enquiry from {self.start_date:%d %b %Y}"


class CPPlan(TimeStamped):
    """A child protection plan, per child (DfE rules 8935, 8940, 8840 held as constraints)."""

    class EndReason(models.TextChoices):
        STEP_DOWN_CIN = "step_down_cin", "Stepped down to a CIN plan"
        NO_FURTHER_ACTION = "no_further_action", "No further action"
        CARE_PROCEEDINGS = "care_proceedings", "Child became looked after"
        MOVED = "moved", "Moved out of area"
        OTHER = "other", "Other"

    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="cp_plans")
    episode = models.ForeignKey(CINEpisode, on_delete=models.CASCADE, related_name="cp_plans")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    initial_category = models.CharField(max_length=10, choices=CategoryOfAbuse.choices)
    latest_category = models.CharField(max_length=10, choices=CategoryOfAbuse.choices, blank=True)
    number_of_previous_cpp = models.PositiveSmallIntegerField(
        "number of previous CP plans (as recorded)", null=True, blank=True
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    objects = CPPlanQuerySet.as_manager()

    class Meta:
        verbose_name = "CP plan"
        ordering = ["child", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["child", "start_date"], name="cpplan_unique_start"),
            # DfE 8935: one open CP plan per child at a time.
            models.UniqueConstraint(
                fields=["child"], condition=Q(end_date__isnull=True), name="cpplan_one_open"
            ),
            # DfE 8840: a CP plan does not start and end on the same day.
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="cpplan_end_after_start",
            ),
            # DfE 8940 (no overlapping plans) is an exclusion constraint: migration 0002.
        ]

    def __str__(self) -> str:
        end = f"{self.end_date:%d %b %Y}" if self.end_date else "open"
        return f"CP plan {self.start_date:%d %b %Y} to {end}"


class CINPlan(TimeStamped):
    episode = models.ForeignKey(CINEpisode, on_delete=models.CASCADE, related_name="cin_plans")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "CIN plan"
        ordering = ["episode", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["episode", "start_date"], name="cinplan_unique_start"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="cinplan_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"CIN plan from {self.start_date:%d %b %Y}"


class Conference(TimeStamped):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial child protection conference"
        REVIEW = "review", "Review child protection conference"

    class Decision(models.TextChoices):
        START_PLAN = "start_plan", "Child protection plan made"
        NO_PLAN = "no_plan", "No plan needed"
        CONTINUE_PLAN = "continue_plan", "Plan continues"
        STEP_DOWN = "step_down", "Plan ends: step down to child in need"
        END_PLAN = "end_plan", "Plan ends: no further action"
        NOT_RECORDED = "not_recorded", "Not recorded"

    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="conferences")
    plan = models.ForeignKey(
        CPPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="conferences"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    held_on = models.DateField()
    decision = models.CharField(max_length=20, choices=Decision.choices)
    chair = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="chaired_conferences"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "kind", "held_on"], name="conference_unique_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on:%d %b %Y}"


class CoreGroupMeeting(TimeStamped):
    plan = models.ForeignKey(CPPlan, on_delete=models.CASCADE, related_name="core_groups")
    held_on = models.DateField()
    #: Agencies represented at the meeting (attendance by agency).
    agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "held_on"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "held_on"], name="coregroup_unique_day"),
        ]

    def __str__(self) -> str:
        return f"Core group on {self.held_on:%d %b %Y}"


class StepDown(TimeStamped):
    """The decision that a CP plan ends and the child is supported under a CIN plan."""

    class Source(models.TextChoices):
        CONFERENCE = "conference", "Review conference decision"
        CENSUS = "census", "Inferred from census: CIN plan starts as CP plan ends"

    plan = models.OneToOneField(CPPlan, on_delete=models.CASCADE, related_name="step_down")
    decided_on = models.DateField()
    planned_cin_start = models.DateField(null=True, blank=True)
    conference = models.ForeignKey(
        Conference, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cin_plan = models.ForeignKey(
        CINPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices)

    def __str__(self) -> str:
        return f"Step-down decided {self.decided_on:%d %b %Y}"


class DARiskFlag(TimeStamped):
    """Domestic abuse recorded as a risk on a CP plan; `at_planning` when recorded as planned."""

    class Source(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment factor (3A/3B/3C)"
        CONFERENCE = "conference", "Conference"
        POLICE = "police", "Police notification"
        PRACTITIONER = "practitioner", "Practitioner"

    plan = models.ForeignKey(CPPlan, on_delete=models.CASCADE, related_name="da_flags")
    recorded_on = models.DateField()
    at_planning = models.BooleanField(default=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = "DA risk flag"
        ordering = ["plan", "recorded_on"]

    def __str__(self) -> str:
        return f"DA risk ({self.get_source_display()}) {self.recorded_on:%d %b %Y}"


class DAIncident(TimeStamped):
    """A domestic abuse incident notified by the police (Operation Encompass-style).

    Recorded on the family, so whoever may see the family (its allocated transition worker, the IRO,
    the team) sees the notification. Written only by `cases.services.da_incident_record`.
    """

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="da_incidents")
    occurred_on = models.DateField()
    summary = models.TextField()
    police_reference = models.CharField(max_length=40, blank=True)
    people_involved = models.ManyToManyField(Person, related_name="da_incidents_involved")
    children_present = models.ManyToManyField(
        Person, related_name="da_incidents_present", blank=True
    )
    reported_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DAIncidentQuerySet.as_manager()

    class Meta:
        verbose_name = "DA incident"
        ordering = ["family", "occurred_on"]
        constraints = [
            # One notification per police reference per agency: a resend is not a second incident.
            models.UniqueConstraint(
                fields=["reported_by_agency", "police_reference"],
                condition=~Q(police_reference=""),
                name="daincident_unique_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"DA incident {self.occurred_on:%d %b %Y}"
