"""Builders for plan histories the cohort rule reads (DOMAIN.md "The transition cohort")."""

import datetime as dt

import pytest

from cases.models import CINPlan, DARiskFlag, StepDown
from tests.factories import (
    AssessmentFactory,
    CPPlanFactory,
    DARiskFlagFactory,
    EpisodeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    StepDownFactory,
)

D = dt.date
PREVIOUS = (D(2021, 9, 1), D(2022, 3, 1))
PLAN = (D(2023, 9, 1), None)
STEP_DOWN_ON = D(2024, 5, 20)


def build_case(
    *,
    family=None,
    child=None,
    previous=PREVIOUS,
    plan=PLAN,
    number_of_previous_cpp=1,
    da="flag",
    step_down_on=STEP_DOWN_ON,
    step_down_source=StepDown.Source.CONFERENCE,
    planned_cin_start=None,
):
    """One child with an optional previous CP plan and a plan P, DA evidence and a step-down.

    Defaults make a child who qualifies on 30 June 2024. Returns the plan P.
    """
    if child is None:
        child = PersonFactory()
        MembershipFactory(family=family or FamilyFactory(), person=child)
    if previous is not None:
        first_episode = EpisodeFactory(child=child, referral_date=previous[0])
        CPPlanFactory(
            episode=first_episode, child=child, start_date=previous[0], end_date=previous[1]
        )
    episode = EpisodeFactory(child=child, referral_date=plan[0] - dt.timedelta(days=30))
    p = CPPlanFactory(
        episode=episode,
        child=child,
        start_date=plan[0],
        end_date=plan[1],
        number_of_previous_cpp=number_of_previous_cpp,
    )
    if da == "flag":
        DARiskFlagFactory(plan=p, recorded_on=plan[0], source=DARiskFlag.Source.CONFERENCE)
    elif da == "factor":
        AssessmentFactory(episode=episode, start_date=episode.referral_date, factor_codes=["3B"])
    elif da == "factor_other_episode":
        other = EpisodeFactory(child=child, referral_date=plan[0] - dt.timedelta(days=400))
        AssessmentFactory(episode=other, start_date=other.referral_date, factor_codes=["3A"])
    if step_down_source == StepDown.Source.CENSUS:
        # The census shows a step-down by its dates alone: a CIN plan starting as P ends.
        if planned_cin_start is not None:
            CINPlan.objects.create(episode=episode, start_date=planned_cin_start)
    elif step_down_on is not None:
        StepDownFactory(
            plan=p,
            decided_on=step_down_on,
            source=step_down_source,
            planned_cin_start=planned_cin_start,
        )
    return p


@pytest.fixture
def case():
    return build_case
