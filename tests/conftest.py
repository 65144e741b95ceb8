"""Fixtures shared by every app's tests: agencies, a user per role, a family granted to a team."""

import pytest

from cases.models import Agency
from cases.roles import Role

from .factories import AgencyFactory, FamilyFactory, TeamFactory, UserFactory


@pytest.fixture
def council(db):
    return AgencyFactory(name="Test Borough Council", code="council", kind=Agency.Kind.COUNCIL)


@pytest.fixture
def police(db):
    return AgencyFactory(name="Test Police", code="police", kind=Agency.Kind.POLICE)


@pytest.fixture
def team(council):
    return TeamFactory(name="Team A", agency=council)


@pytest.fixture
def make_user(council):
    """make_user(role, agency=None, teams=()) -> a saved, active user in that role."""

    def make(role: str, agency: Agency | None = None, teams=(), **fields):
        user = UserFactory(role=role, agency=agency or council, **fields)
        user.groups.add(*(t.group for t in teams))
        return user

    return make


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def iro(make_user):
    return make_user(Role.IRO)


@pytest.fixture
def transition_worker(make_user):
    return make_user(Role.TRANSITION_WORKER)


@pytest.fixture
def social_worker(make_user, team):
    return make_user(Role.SOCIAL_WORKER, teams=[team])


@pytest.fixture
def partner_user(make_user, police):
    return make_user(Role.PARTNER, agency=police)


@pytest.fixture
def administrator(make_user):
    return make_user(Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def family(db):
    return FamilyFactory()
