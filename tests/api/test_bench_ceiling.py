"""The API benchmark compares like with like: its plain-Django ceiling (`bench/ceiling.py`)
returns the same family objects as `/api/v1/families/`, key for key and value for value."""

import json

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from bench.ceiling import family_detail_plain, family_list_plain
from cases.models import FamilyMembership, Person
from cases.roles import Role
from cases.services import da_incident_record
from tests.factories import FamilyFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_page(household, police, share, make_user):
    """Three families shared with the police under different scopes (one at a confidential
    address), one incident, and one family not shared at all."""
    share(police, ["plans", "incidents", "cohort"], family=household["family"])
    refuge = FamilyFactory(reference="REFUGE-1", address="Refuge", address_confidential=True)
    MembershipFactory(family=refuge, person=PersonFactory())
    share(police, ["incidents"], family=refuge)
    open_address = FamilyFactory(reference="OPEN-1", address="2 Low Road", postcode="AB1 3EF")
    MembershipFactory(
        family=open_address,
        person=PersonFactory(kind=Person.Kind.ADULT, la_child_id=None),
        abuse_role=FamilyMembership.AbuseRole.PERPETRATOR,
    )
    share(police, ["cohort", "confidential_address"], family=open_address)
    da_incident_record(
        actor=make_user(Role.PARTNER, agency=police),
        family=refuge,
        occurred_on=timezone.localdate(),
        summary="Police attended.",
        people_involved=list(Person.objects.filter(memberships__family=refuge)),
    )
    unshared = FamilyFactory(reference="NOT-SHARED")
    return {"families": [household["family"], refuge, open_address], "unshared": unshared}


def _request(raw):
    return RequestFactory().get("/bench/", HTTP_AUTHORIZATION=f"Bearer {raw}")


def _plain(view, raw, *args):
    return json.loads(view(_request(raw), *args).content)


def test_the_ceiling_list_returns_the_api_families(shared_page, police, agency_token, as_token):
    raw, _ = agency_token(police)
    api = as_token(raw).get("/api/v1/families/").json()["results"]

    plain = _plain(family_list_plain, raw)["results"]

    assert [row["reference"] for row in api] == ["SHARED-1", "REFUGE-1", "OPEN-1"]
    assert plain == api
    sent = {key for row in plain for key in row}
    assert sent >= {"cp_plans", "incidents", "address_confidential"}
    assert "address" not in plain[1]  # the refuge: no confidential_address scope


def test_the_ceiling_detail_returns_the_api_family(shared_page, police, agency_token, as_token):
    raw, _ = agency_token(police)
    for family in shared_page["families"]:
        api = as_token(raw).get(f"/api/v1/families/{family.pk}/").json()
        assert _plain(family_detail_plain, raw, family.pk) == api
    with pytest.raises(Http404):
        family_detail_plain(_request(raw), shared_page["unshared"].pk)
