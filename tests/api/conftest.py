"""API fixtures: two partner agencies (police, health), a family shared with police only, API
clients with real tokens, and a DRF test client per caller."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Agency, FamilyMembership, Person
from cases.roles import Role
from sharing import services as sharing
from tests.factories import (
    AgencyFactory,
    CPPlanFactory,
    EpisodeFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
)

ALL_SCOPES = ["plans", "incidents", "cohort", "confidential_address"]


@pytest.fixture
def health(db):
    return AgencyFactory(name="Test Health Trust", code="health", kind=Agency.Kind.HEALTH)


@pytest.fixture
def household(db):
    """A family of a child on a CP plan and their mother (victim/survivor)."""
    family = FamilyFactory(reference="SHARED-1", address="1 High Street", postcode="AB1 2CD")
    child = PersonFactory(first_name="Jo")
    mother = PersonFactory(kind=Person.Kind.ADULT, first_name="Kim", la_child_id=None)
    MembershipFactory(family=family, person=child)
    MembershipFactory(
        family=family, person=mother, abuse_role=FamilyMembership.AbuseRole.VICTIM_SURVIVOR
    )
    plan = CPPlanFactory(episode=EpisodeFactory(child=child))
    return {"family": family, "child": child, "mother": mother, "plan": plan}


@pytest.fixture
def share(manager):
    """share(subject, agency, scopes, days=30, **kw) -> SharingAgreement recorded by a manager."""

    def do(agency, scopes, family=None, person=None, days=30, starts_on=None):
        today = timezone.localdate()
        return sharing.sharing_agreement_create(
            actor=manager,
            agency=agency,
            family=family,
            person=person,
            purpose="Safeguarding: DA transition support",
            lawful_basis="public_task",
            scopes=scopes,
            starts_on=starts_on or today,
            ends_on=today + dt.timedelta(days=days),
        )

    return do


@pytest.fixture
def agency_token(make_user):
    """agency_token(agency) -> (raw token, ApiToken) for a new API client of that agency."""

    def do(agency, name="Records system"):
        admin = make_user(Role.ADMINISTRATOR, agency=agency)
        client = sharing.api_client_create(actor=admin, agency=agency, name=name)
        token, raw = sharing.api_token_create(actor=admin, client=client, name="live")
        return raw, token

    return do


@pytest.fixture
def police_api(household, police, share, agency_token, as_token):
    """(client, token) of a police records system, the household shared for plans and incidents."""
    share(police, ["plans", "incidents"], family=household["family"])
    raw, token = agency_token(police)
    return as_token(raw), token


@pytest.fixture
def staff_token():
    def do(user):
        token, raw = sharing.api_token_create(actor=user, name="my scripts")
        return raw, token

    return do


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def as_token():
    return bearer
