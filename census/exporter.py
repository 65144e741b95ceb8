"""The census export: our data back as one collection year's return (the inverse of the import).

Loads children in chunks (a few queries per chunk), rebuilds each child's full history as census
records and cuts the year out with `child_in_year`, the same function that cuts the sample
returns: every child in need during the year, with the episodes, assessments, section 47
enquiries, CIN plans and CP plans open at some point in it, and nothing after the reference date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.db.models import Q

from cases.models import (
    Assessment,
    AssessmentFactor,
    CINEpisode,
    CINPlan,
    Conference,
    CPPlan,
    Person,
    Section47Enquiry,
)

from .codes import FIRST_SEX_YEAR, SEX_TO_GENDER
from .models import CensusChild
from .records import (
    AssessmentRecord,
    ChildRecord,
    CINPlanRecord,
    CPPlanRecord,
    EpisodeRecord,
    Header,
    Section47Record,
    child_in_year,
    collection_start,
    reference_date_for,
)
from .xmlio import census_write

CHUNK = 2000


def _children_in_year(reference_date: dt.date) -> Iterator[ChildRecord]:
    first = collection_start(reference_date)
    in_year = Q(referral_date__lte=reference_date) & (
        Q(closure_date__isnull=True) | Q(closure_date__gte=first)
    )
    person_ids = list(
        CINEpisode.objects.filter(in_year, child__la_child_id__isnull=False)
        .order_by("child__la_child_id")
        .values_list("child_id", flat=True)
        .distinct()
    )
    ordered = list(dict.fromkeys(person_ids))  # distinct, in LAchildID order
    for index in range(0, len(ordered), CHUNK):
        yield from _load(ordered[index : index + CHUNK])


def _load(person_ids: list[int]) -> Iterator[ChildRecord]:
    people = Person.objects.in_bulk(person_ids)
    extras = {c.person_id: c for c in CensusChild.objects.filter(person_id__in=person_ids)}
    episodes: dict[int, list[CINEpisode]] = defaultdict(list)
    for e in CINEpisode.objects.filter(child_id__in=person_ids).order_by("referral_date"):
        episodes[e.child_id].append(e)
    factors: dict[int, list[str]] = defaultdict(list)
    for assessment_id, code in (
        AssessmentFactor.objects.filter(assessment__episode__child_id__in=person_ids)
        .order_by("assessment_id", "id")
        .values_list("assessment_id", "code")
    ):
        factors[assessment_id].append(code)
    assessments: dict[int, list[AssessmentRecord]] = defaultdict(list)
    for a in Assessment.objects.filter(episode__child_id__in=person_ids).order_by("start_date"):
        assessments[a.episode_id].append(
            AssessmentRecord(a.start_date, a.authorisation_date, factors.get(a.pk, []))
        )
    section47s: dict[int, list[Section47Record]] = defaultdict(list)
    for s in Section47Enquiry.objects.filter(episode__child_id__in=person_ids).order_by(
        "start_date"
    ):
        section47s[s.episode_id].append(
            Section47Record(s.start_date, s.icpc_target_date, s.icpc_date, s.icpc_not_required)
        )
    cin_plans: dict[int, list[CINPlanRecord]] = defaultdict(list)
    for c in CINPlan.objects.filter(episode__child_id__in=person_ids).order_by("start_date"):
        cin_plans[c.episode_id].append(CINPlanRecord(c.start_date, c.end_date))
    reviews: dict[int, list[dt.date]] = defaultdict(list)
    for plan_id, held_on in (
        Conference.objects.filter(child_id__in=person_ids, kind=Conference.Kind.REVIEW)
        .exclude(plan=None)
        .order_by("held_on")
        .values_list("plan_id", "held_on")
    ):
        reviews[plan_id].append(held_on)
    cp_plans: dict[int, list[CPPlanRecord]] = defaultdict(list)
    earlier: dict[int, int] = defaultdict(int)
    for p in CPPlan.objects.filter(child_id__in=person_ids).order_by("child_id", "start_date"):
        # A plan recorded in our own screens may have no recorded count: our history gives it.
        previous = p.number_of_previous_cpp
        cp_plans[p.episode_id].append(
            CPPlanRecord(
                p.start_date,
                p.end_date,
                p.initial_category,
                p.latest_category or p.initial_category,
                previous if previous is not None else earlier[p.child_id],
                reviews.get(p.pk, []),
            )
        )
        earlier[p.child_id] += 1
    for pk in person_ids:
        person = people[pk]
        extra = extras.get(pk)
        records = []
        for e in episodes[pk]:
            record = EpisodeRecord(
                referral=e.referral_date,
                referral_source=e.referral_source,
                primary_need=e.primary_need,
                closure=e.closure_date,
                reason_for_closure=e.reason_for_closure,
                referral_nfa=bool(e.referral_nfa),
                icpc=e.icpc_date,
                assessments=assessments.get(e.pk, []),
                cin_plans=cin_plans.get(e.pk, []),
                section47s=section47s.get(e.pk, []),
                cp_plans=cp_plans.get(e.pk, []),
            )
            # An ICPC with no section 47 enquiry held it is reported on the episode (DfE 2884):
            # as the return recorded it, else the latest plan start no enquiry holds.
            held = {s.icpc for s in record.section47s}
            missing = [p.start for p in record.cp_plans if p.start not in held]
            if record.icpc is None or record.icpc in held:
                record.icpc = missing[-1] if missing else None
            records.append(record)
        yield ChildRecord(
            la_child_id=person.la_child_id,
            upn=person.upn or None,
            former_upn=person.former_upn or None,
            upn_unknown=person.upn_unknown or None,
            birth_date=person.date_of_birth,
            expected_birth_date=extra.expected_birth_date if extra else None,
            death_date=person.date_of_death,
            sex=person.sex or "U",
            gender_current=(extra.gender_current if extra else "")
            or SEX_TO_GENDER.get(person.sex, "0"),
            ethnicity=person.ethnicity,
            disabilities=(extra.disabilities if extra else []) or ["NONE"],
            episodes=records,
        )


def children_without_id(year: int) -> int:
    """Children in need during the year who have no LAchildID, so cannot be in the return."""
    reference_date = reference_date_for(year)
    in_year = Q(referral_date__lte=reference_date) & (
        Q(closure_date__isnull=True) | Q(closure_date__gte=collection_start(reference_date))
    )
    return (
        CINEpisode.objects.filter(in_year, child__la_child_id__isnull=True)
        .values("child_id")
        .distinct()
        .count()
    )


def census_export(out: IO[bytes], *, year: int) -> int:
    """Write the return for the collection year ending 31 March `year`; returns children written."""
    reference_date = reference_date_for(year)
    children = (
        sliced
        for sliced in (child_in_year(c, reference_date) for c in _children_in_year(reference_date))
        if sliced is not None
    )
    return census_write(
        out,
        header=Header(year=year, reference_date=reference_date, la_code=settings.AUTHORITY_LA_CODE),
        children=children,
        sex_element="Sex" if year >= FIRST_SEX_YEAR else "GenderCurrent",
    )
