"""Deterministic, realistic demo data: families with several years of CP/CIN history.

Shape targets (DOMAIN.md "Measures"): about 25-30% of CP plans are re-plans, domestic abuse is
recorded at planning in over half of CP cases, ended plans' durations follow the England bands,
and a handful of families meet the transition-cohort rule on `today`. Everything derives from one
`random.Random(seed)` and `today`, so the same arguments give the same data.

Rows are built in memory a batch of families at a time and written with `bulk_create`: the services
are for people's actions; a seed of 100,000 families through them would take an hour.
"""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from .models import (
    Assessment,
    AssessmentFactor,
    CINEpisode,
    CINPlan,
    Conference,
    CPPlan,
    DARiskFlag,
    Family,
    FamilyGroupObjectPermission,
    FamilyMembership,
    Person,
    Section47Enquiry,
    StepDown,
)
from .validation import weekday_on_or_after

FIRST_NAMES_CHILD = [
    "Amelia",
    "Olivia",
    "Isla",
    "Ava",
    "Mia",
    "Lily",
    "Freya",
    "Grace",
    "Noah",
    "Oliver",
    "Leo",
    "George",
    "Arthur",
    "Muhammad",
    "Harry",
    "Jack",
    "Theo",
    "Oscar",
    "Alfie",
    "Zara",
    "Aisha",
    "Maya",
    "Kai",
    "Tyler",
    "Ruby",
    "Evie",
    "Charlie",
    "Jacob",
    "Layla",
    "Ella",
]
FIRST_NAMES_ADULT_F = [
    "Sarah",
    "Emma",
    "Laura",
    "Kelly",
    "Amy",
    "Gemma",
    "Leanne",
    "Hannah",
    "Fatima",
    "Nadia",
    "Chloe",
    "Danielle",
    "Stacey",
    "Jade",
    "Samira",
]
FIRST_NAMES_ADULT_M = [
    "Daniel",
    "James",
    "Lee",
    "Craig",
    "Mark",
    "Ryan",
    "Jason",
    "Wayne",
    "Imran",
    "Darren",
    "Scott",
    "Adam",
    "Kyle",
    "Dean",
    "Omar",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Khan",
    "Hughes",
    "Edwards",
    "Clarke",
    "Lewis",
    "Ahmed",
    "Hussain",
    "Begum",
    "Wood",
    "Harris",
    "Martin",
    "Jackson",
    "Okafor",
    "Nowak",
    "Kowalski",
    "Murphy",
    "Kelly",
]
ETHNICITIES = ["WBRI"] * 14 + [
    "WOTH",
    "WIRI",
    "MWBC",
    "MWBA",
    "MOTH",
    "APKN",
    "ABAN",
    "AIND",
    "BAFR",
    "BCRB",
    "OOTH",
    "REFU",
]
STREETS = ["Mill", "Church", "Park", "Station", "Victoria"]
OTHER_FACTORS = ["1B", "2B", "4B", "6B", "8B", "18B", "19B", "22A", "24A"]
CATEGORIES = ["NEG"] * 48 + ["EMO"] * 38 + ["PHY"] * 7 + ["SAB"] * 4 + ["MUL"] * 3
#: Ended-plan duration bands (months, weight) after DOMAIN.md's England figures.
DURATION_BANDS = [((1, 3), 16), ((3, 6), 11), ((6, 12), 44), ((12, 24), 25), ((24, 34), 4)]
REPLAN_CHANCE = 0.36  # per ended plan: gives ~26% of plan starts being re-plans.
DA_SHARE = 0.58


@dataclass
class FamilyBatch:
    """Unsaved rows for a batch of families, linked by Python object references."""

    families: list[Family] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    memberships: list[FamilyMembership] = field(default_factory=list)
    episodes: list[CINEpisode] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    factors: list[AssessmentFactor] = field(default_factory=list)
    section47s: list[Section47Enquiry] = field(default_factory=list)
    cp_plans: list[CPPlan] = field(default_factory=list)
    cin_plans: list[CINPlan] = field(default_factory=list)
    conferences: list[Conference] = field(default_factory=list)
    step_downs: list[StepDown] = field(default_factory=list)
    da_flags: list[DARiskFlag] = field(default_factory=list)
    grants: list[tuple[Family, int]] = field(default_factory=list)  # (family, group id)

    def save(self, view_family_permission_id: int) -> None:
        """Write the batch; parents first so foreign keys can be resolved from saved objects."""
        Family.objects.bulk_create(self.families)
        Person.objects.bulk_create(self.people)
        for m in self.memberships:
            m.family_id, m.person_id = m.family.pk, m.person.pk
        FamilyMembership.objects.bulk_create(self.memberships)
        for e in self.episodes:
            e.child_id = e.child.pk
        CINEpisode.objects.bulk_create(self.episodes)
        for rows in (self.assessments, self.section47s, self.cin_plans):
            for row in rows:
                row.episode_id = row.episode.pk
        Assessment.objects.bulk_create(self.assessments)
        Section47Enquiry.objects.bulk_create(self.section47s)
        CINPlan.objects.bulk_create(self.cin_plans)
        for f in self.factors:
            f.assessment_id = f.assessment.pk
        AssessmentFactor.objects.bulk_create(self.factors)
        for p in self.cp_plans:
            p.child_id, p.episode_id = p.child.pk, p.episode.pk
        CPPlan.objects.bulk_create(self.cp_plans)
        for c in self.conferences:
            c.child_id = c.child.pk
            c.plan_id = c.plan.pk if c.plan else None
        Conference.objects.bulk_create(self.conferences)
        for s in self.step_downs:
            s.plan_id = s.plan.pk
            s.conference_id = s.conference.pk if s.conference else None
            s.cin_plan_id = s.cin_plan.pk if s.cin_plan else None
        StepDown.objects.bulk_create(self.step_downs)
        for d in self.da_flags:
            d.plan_id = d.plan.pk
            d.assessment_id = d.assessment.pk if d.assessment else None
        DARiskFlag.objects.bulk_create(self.da_flags)
        FamilyGroupObjectPermission.objects.bulk_create(
            FamilyGroupObjectPermission(
                content_object_id=family.pk,
                group_id=group_id,
                permission_id=view_family_permission_id,
            )
            for family, group_id in self.grants
        )


class DemoHistory:
    """Builds families one at a time into a `FamilyBatch`."""

    def __init__(
        self, *, seed: int, today: dt.date, team_group_ids: list[int], partner_group_ids: list[int]
    ) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.team_group_ids = team_group_ids
        self.partner_group_ids = partner_group_ids
        self.child_seq = 0

    def batches(
        self, families: int, batch_size: int = 500, cohort_every: int = 40
    ) -> Iterator[FamilyBatch]:
        batch = FamilyBatch()
        for index in range(families):
            self.add_family(batch, index, in_cohort=index % cohort_every == 7)
            if len(batch.families) >= batch_size:
                yield batch
                batch = FamilyBatch()
        if batch.families:
            yield batch

    # --- one family -----------------------------------------------------------------------------
    def add_family(self, batch: FamilyBatch, index: int, *, in_cohort: bool) -> None:
        rng = self.rng
        surname = rng.choice(SURNAMES)
        family = Family(
            reference=f"FAM-{index + 1:06d}",
            address=f"{rng.randint(1, 220)} {rng.choice(STREETS)} "
            f"{rng.choice(['Road', 'Street', 'Lane', 'Close'])}\nDemo Town",
            postcode=f"DT{rng.randint(1, 9)} {rng.randint(1, 9)}"
            f"{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')}",
            address_confidential=rng.random() < 0.05,
        )
        batch.families.append(family)
        batch.grants.append((family, self.team_group_ids[index % len(self.team_group_ids)]))
        if self.partner_group_ids and rng.random() < 0.15:
            batch.grants.append((family, rng.choice(self.partner_group_ids)))
        da = in_cohort or rng.random() < DA_SHARE
        mother_born = self.today - relativedelta(
            years=rng.randint(22, 44), days=rng.randint(0, 364)
        )
        mother = Person(
            kind=Person.Kind.ADULT,
            first_name=rng.choice(FIRST_NAMES_ADULT_F),
            last_name=surname,
            sex="F",
            ethnicity=rng.choice(ETHNICITIES),
            date_of_birth=mother_born,
        )
        batch.people.append(mother)
        batch.memberships.append(
            FamilyMembership(
                family=family,
                person=mother,
                relationship="mother",
                abuse_role=FamilyMembership.AbuseRole.VICTIM_SURVIVOR
                if da
                else FamilyMembership.AbuseRole.OTHER_ADULT,
            )
        )
        if rng.random() < 0.8:
            partner = Person(
                kind=Person.Kind.ADULT,
                first_name=rng.choice(FIRST_NAMES_ADULT_M),
                last_name=rng.choice([surname, rng.choice(SURNAMES)]),
                sex="M",
                date_of_birth=mother_born - relativedelta(years=rng.randint(-3, 8)),
            )
            batch.people.append(partner)
            batch.memberships.append(
                FamilyMembership(
                    family=family,
                    person=partner,
                    relationship=rng.choice(["father", "stepfather", "partner"]),
                    abuse_role=FamilyMembership.AbuseRole.PERPETRATOR
                    if da
                    else FamilyMembership.AbuseRole.OTHER_ADULT,
                )
            )
        children = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            self.child_seq += 1
            child = Person(
                kind=Person.Kind.CHILD,
                first_name=rng.choice(FIRST_NAMES_CHILD),
                last_name=surname,
                sex=rng.choice("MF"),
                ethnicity=mother.ethnicity,
                la_child_id=f"DM{self.child_seq:07d}",
                date_of_birth=self.today
                - relativedelta(years=rng.randint(1, 15), days=rng.randint(0, 364)),
            )
            children.append(child)
            batch.people.append(child)
            batch.memberships.append(
                FamilyMembership(
                    family=family,
                    person=child,
                    relationship="child",
                    abuse_role=FamilyMembership.AbuseRole.CHILD,
                )
            )
        if in_cohort:
            self._cohort_history(batch, children)
        elif rng.random() < 0.85:
            self._cp_history(batch, children, da=da)
        else:
            self._cin_only(batch, children)

    # --- histories --------------------------------------------------------------------------------
    def _duration_months(self) -> int:
        bands, weights = zip(*DURATION_BANDS, strict=True)
        low, high = self.rng.choices(bands, weights=weights)[0]
        return self.rng.randint(low, high)

    def _cp_history(self, batch: FamilyBatch, children: list[Person], *, da: bool) -> None:
        """One or more CP plans shared by the siblings, each in its own CIN episode."""
        rng = self.rng
        start = weekday_on_or_after(self.today - dt.timedelta(days=rng.randint(60, 6 * 365)))
        previous = 0
        while start < self.today:
            months = self._duration_months()
            end: dt.date | None = weekday_on_or_after(
                start + relativedelta(months=months, days=rng.randint(0, 20))
            )
            if end is not None and end >= self.today:
                end = None
            step_down = end is not None and rng.random() < 0.7
            # Decide the re-plan first: the CIN plan after a step-down must close before it.
            next_start = None
            if end is not None and rng.random() < REPLAN_CHANCE:
                next_start = weekday_on_or_after(end + dt.timedelta(days=rng.randint(75, 30 * 30)))
                if next_start >= self.today:
                    next_start = None
            self._episode_with_plan(
                batch,
                children,
                start=start,
                end=end,
                da=da,
                previous=previous,
                step_down=step_down,
                step_down_open=False,
                next_start=next_start,
            )
            previous += 1
            if next_start is None:
                break
            start = next_start
            da = da or rng.random() < 0.3

    def _cohort_history(self, batch: FamilyBatch, children: list[Person]) -> None:
        """A family that meets the transition-cohort rule today: a re-plan within 18 months of the
        previous plan, DA at planning, 4+ months on plan, step-down decided in the last 28 days."""
        rng = self.rng
        second_start = weekday_on_or_after(self.today - relativedelta(months=rng.randint(5, 11)))
        first_end = weekday_on_or_after(second_start - relativedelta(months=rng.randint(3, 15)))
        first_start = weekday_on_or_after(first_end - relativedelta(months=rng.randint(6, 12)))
        self._episode_with_plan(
            batch,
            children,
            start=first_start,
            end=first_end,
            da=True,
            previous=0,
            step_down=True,
            step_down_open=False,
            next_start=second_start,
        )
        if rng.random() < 0.5:
            end = weekday_on_or_after(self.today - dt.timedelta(days=rng.randint(3, 20)))
            end = min(end, self.today)
            self._episode_with_plan(
                batch,
                children,
                start=second_start,
                end=end,
                da=True,
                previous=1,
                step_down=True,
                step_down_open=False,
            )
        else:
            self._episode_with_plan(
                batch,
                children,
                start=second_start,
                end=None,
                da=True,
                previous=1,
                step_down=True,
                step_down_open=True,
            )

    def _cin_only(self, batch: FamilyBatch, children: list[Person]) -> None:
        rng = self.rng
        referral = self.today - dt.timedelta(days=rng.randint(30, 3 * 365))
        for child in children:
            episode = CINEpisode(
                child=child,
                referral_date=referral,
                referral_source="1A",
                primary_need=rng.choice(["N1", "N4", "N5"]),
            )
            batch.episodes.append(episode)
            assessment = Assessment(
                episode=episode,
                start_date=referral + dt.timedelta(days=2),
                authorisation_date=referral + dt.timedelta(days=30),
            )
            batch.assessments.append(assessment)
            batch.factors.append(
                AssessmentFactor(assessment=assessment, code=rng.choice(OTHER_FACTORS))
            )
            batch.cin_plans.append(
                CINPlan(episode=episode, start_date=referral + dt.timedelta(days=35))
            )

    def _episode_with_plan(
        self,
        batch: FamilyBatch,
        children: list[Person],
        *,
        start: dt.date,
        end: dt.date | None,
        da: bool,
        previous: int,
        step_down: bool,
        step_down_open: bool,
        next_start: dt.date | None = None,
    ) -> None:
        """Referral, assessment, s47, ICPC and CP plan for each sibling (shared dates); reviews;
        then a step-down to a CIN plan or closure."""
        rng = self.rng
        referral = start - dt.timedelta(days=rng.randint(30, 50))
        category = rng.choice(CATEGORIES)
        codes = sorted(
            {*(["3A", "3B"] if da else []), *rng.sample(OTHER_FACTORS, rng.randint(0, 2))}
        )
        if not codes:
            codes = [rng.choice(OTHER_FACTORS)]
        for child in children:
            closure = None
            cin_end = None
            if end is not None:
                cin_end = end + relativedelta(months=rng.randint(3, 9)) if step_down else None
                if cin_end is not None and cin_end >= self.today:
                    cin_end = None
                if step_down and next_start is not None:
                    # DfE 4001: no CIN plan alongside the next CP plan; close before its referral.
                    latest = next_start - dt.timedelta(days=55)
                    cin_end = latest if cin_end is None else min(cin_end, latest)
                closure = cin_end if step_down else end
                if closure is not None and closure >= self.today:
                    closure = None
            episode = CINEpisode(
                child=child,
                referral_date=referral,
                referral_source=rng.choice(["1A", "1B", "2A", "3A", "5A"]),
                primary_need="N1",
                closure_date=closure,
                reason_for_closure="RC7" if closure else "",
            )
            batch.episodes.append(episode)
            assessment = Assessment(
                episode=episode,
                start_date=referral + dt.timedelta(days=1),
                authorisation_date=start - dt.timedelta(days=3),
            )
            batch.assessments.append(assessment)
            batch.factors.extend(
                AssessmentFactor(assessment=assessment, code=code) for code in codes
            )
            batch.section47s.append(
                Section47Enquiry(
                    episode=episode,
                    start_date=start - dt.timedelta(days=21),
                    icpc_target_date=start,
                    icpc_date=start,
                )
            )
            plan = CPPlan(
                child=child,
                episode=episode,
                start_date=start,
                end_date=end,
                initial_category=category,
                latest_category=category,
                number_of_previous_cpp=previous,
                end_reason=(
                    CPPlan.EndReason.STEP_DOWN_CIN
                    if step_down
                    else CPPlan.EndReason.NO_FURTHER_ACTION
                )
                if end
                else "",
            )
            batch.cp_plans.append(plan)
            batch.conferences.append(
                Conference(
                    child=child,
                    plan=plan,
                    kind=Conference.Kind.INITIAL,
                    held_on=start,
                    decision=Conference.Decision.START_PLAN,
                )
            )
            if da:
                batch.da_flags.append(
                    DARiskFlag(
                        plan=plan,
                        recorded_on=start,
                        at_planning=True,
                        source=DARiskFlag.Source.ASSESSMENT,
                        assessment=assessment,
                    )
                )
            review = weekday_on_or_after(
                start + relativedelta(months=3) - dt.timedelta(days=rng.randint(0, 10))
            )
            last_day = end or self.today
            reviews = []
            while review < last_day:
                reviews.append(review)
                review = weekday_on_or_after(
                    review + relativedelta(months=6) - dt.timedelta(days=rng.randint(0, 10))
                )
            decision_day = (
                end
                if end
                else (
                    self.today - dt.timedelta(days=rng.randint(1, 10)) if step_down_open else None
                )
            )
            for day in reviews:
                if day != decision_day:
                    batch.conferences.append(
                        Conference(
                            child=child,
                            plan=plan,
                            kind=Conference.Kind.REVIEW,
                            held_on=day,
                            decision=Conference.Decision.CONTINUE_PLAN,
                        )
                    )
            if end is not None or step_down_open:
                decision = (
                    Conference.Decision.STEP_DOWN if step_down else Conference.Decision.END_PLAN
                )
                if decision_day is None:  # unreachable: set whenever the plan ends or steps down
                    raise ValueError("a decision needs a day")
                conference = Conference(
                    child=child,
                    plan=plan,
                    kind=Conference.Kind.REVIEW,
                    held_on=decision_day,
                    decision=decision,
                )
                batch.conferences.append(conference)
                if step_down:
                    cin_plan = None
                    if end is not None:
                        cin_plan = CINPlan(episode=episode, start_date=end, end_date=cin_end)
                        batch.cin_plans.append(cin_plan)
                    batch.step_downs.append(
                        StepDown(
                            plan=plan,
                            decided_on=decision_day,
                            conference=conference,
                            cin_plan=cin_plan,
                            planned_cin_start=end or decision_day + dt.timedelta(days=14),
                            source=StepDown.Source.CONFERENCE,
                        )
                    )
