"""A family of two siblings on a social worker's caseload, and helpers for their journey."""

import datetime as dt

import pytest

from cases import services as case_services
from cases.models import Person
from tests.factories import (
    CPPlanFactory,
    EpisodeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
)

D = dt.date.fromisoformat


@pytest.fixture
def siblings(team):
    """Family FAM-SIB with Amelia and Noah, on Team A's caseload. Each had a CP plan that ended
    on 1 March 2024 (so a plan from autumn 2024 is a re-plan within 18 months)."""
    family = FamilyFactory(reference="FAM-SIB")
    children = []
    for first, born in (("Amelia", "2014-02-03"), ("Noah", "2017-06-09")):
        child = PersonFactory(first_name=first, last_name="Smith", date_of_birth=D(born))
        MembershipFactory(family=family, person=child)
        episode = EpisodeFactory(child=child, referral_date=D("2023-04-03"))
        episode.closure_date = D("2024-03-01")
        episode.save()
        CPPlanFactory(
            episode=episode, child=child, start_date=D("2023-05-02"), end_date=D("2024-03-01")
        )
        children.append(child)
    MembershipFactory(
        family=family,
        person=PersonFactory(kind=Person.Kind.ADULT, first_name="Sarah", la_child_id=None),
        abuse_role="victim_survivor",
    )
    case_services.family_access_grant(actor=None, family=family, group=team.group, reason="test")
    family.children = children
    return family
