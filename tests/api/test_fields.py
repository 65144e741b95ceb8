"""What a partner receives is what the agreement covers: the exact JSON keys per scope."""

import pytest
from django.utils import timezone

from cases import access
from cases.models import Family
from cases.roles import Role
from cases.services import da_incident_record

pytestmark = pytest.mark.django_db

FAMILY_BASE = {"id", "reference", "updated_at", "members", "shared_scopes"}
ADDRESS = {"address", "postcode"}
PERSON_BASE = {
    "id",
    "kind",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "la_child_id",
    "upn",
    "families",
    "shared_scopes",
}


@pytest.mark.parametrize(
    ("granted", "confidential", "family_keys", "person_keys"),
    [
        (["cohort"], False, FAMILY_BASE | ADDRESS, PERSON_BASE),
        (["cohort"], True, FAMILY_BASE, PERSON_BASE),
        (
            ["plans"],
            False,
            FAMILY_BASE | ADDRESS | {"cp_plans"},
            PERSON_BASE | {"cp_plans", "cin_plans"},
        ),
        (["incidents"], False, FAMILY_BASE | ADDRESS | {"incidents"}, PERSON_BASE),
        (["incidents"], True, FAMILY_BASE | {"incidents"}, PERSON_BASE),
        (
            ["confidential_address"],
            True,
            FAMILY_BASE | ADDRESS | {"address_confidential"},
            PERSON_BASE,
        ),
        (
            ["plans", "incidents", "confidential_address"],
            True,
            FAMILY_BASE | ADDRESS | {"address_confidential", "cp_plans", "incidents"},
            PERSON_BASE | {"cp_plans", "cin_plans"},
        ),
        (
            ["risk_reviews", "sessions_summary", "referrals"],
            False,
            FAMILY_BASE | ADDRESS,
            PERSON_BASE,
        ),
    ],
)
def test_keys_per_scope(
    household,
    police,
    share,
    agency_token,
    as_token,
    granted,
    confidential,
    family_keys,
    person_keys,
):
    family = household["family"]
    Family.objects.filter(pk=family.pk).update(address_confidential=confidential)
    share(police, granted, family=family)
    client = as_token(agency_token(police)[0])
    listed = client.get("/api/v1/families/").json()["results"]
    detail = client.get(f"/api/v1/families/{family.pk}/").json()
    assert set(listed[0]) == family_keys
    assert set(detail) == family_keys
    assert detail["shared_scopes"] == sorted(granted)
    if "address" not in family_keys:
        assert "1 High Street" not in client.get(f"/api/v1/families/{family.pk}/").content.decode()
    person = client.get(f"/api/v1/people/{household['child'].pk}/").json()
    assert set(person) == person_keys


def test_scopes_from_two_agreements_add_up(household, police, share, agency_token, as_token):
    share(police, ["plans"], family=household["family"])
    share(police, ["incidents"], family=household["family"])
    client = as_token(agency_token(police)[0])
    detail = client.get(f"/api/v1/families/{household['family'].pk}/").json()
    assert detail["shared_scopes"] == ["incidents", "plans"]
    assert {"cp_plans", "incidents"} <= set(detail)


def test_council_staff_receive_every_key(household, manager, staff_token, as_token):
    Family.objects.filter(pk=household["family"].pk).update(address_confidential=True)
    client = as_token(staff_token(manager)[0])
    detail = client.get(f"/api/v1/families/{household['family'].pk}/").json()
    assert set(detail) == FAMILY_BASE | ADDRESS | {"address_confidential", "cp_plans", "incidents"}
    assert detail["shared_scopes"] == sorted(access.shareable_codes())


def test_person_level_share_shows_the_person_not_their_family(
    household, police, share, agency_token, as_token
):
    share(police, ["plans"], person=household["child"])
    client = as_token(agency_token(police)[0])
    assert client.get("/api/v1/families/").json()["results"] == []
    people = client.get("/api/v1/people/").json()["results"]
    assert [p["id"] for p in people] == [household["child"].pk]
    assert people[0]["families"] == []  # the family itself is not shared
    assert set(people[0]) == PERSON_BASE | {"cp_plans", "cin_plans"}
    plans = client.get("/api/v1/plans/").json()["results"]
    assert [p["id"] for p in plans] == [household["plan"].pk]


def test_scope_gates_whole_endpoints(household, police, share, agency_token, as_token, make_user):
    share(police, ["cohort"], family=household["family"])
    da_incident_record(
        actor=make_user(Role.PARTNER, agency=police),
        family=household["family"],
        occurred_on=timezone.localdate(),
        summary="Incident.",
        people_involved=[household["mother"]],
    )
    client = as_token(agency_token(police)[0])
    assert client.get("/api/v1/families/").json()["results"] != []
    assert client.get("/api/v1/plans/").json()["results"] == []
    assert client.get("/api/v1/incidents/").json()["results"] == []
    assert client.get(f"/api/v1/plans/{household['plan'].pk}/").status_code == 404


def test_a_notified_incident_reaches_the_allocated_worker_and_the_iro(
    household, police, share, agency_token, as_token, transition_worker, iro, staff_token
):
    Family.objects.filter(pk=household["family"].pk).update(transition_worker=transition_worker)
    share(police, ["incidents"], family=household["family"])
    police_api = as_token(agency_token(police)[0])
    created = police_api.post(
        "/api/v1/incidents/",
        {
            "family": household["family"].pk,
            "occurred_on": timezone.localdate().isoformat(),
            "summary": "Officers attended.",
            "people_involved": [household["mother"].pk],
            "children_present": [household["child"].pk],
        },
        format="json",
    ).json()
    for user in (transition_worker, iro):
        staff_api = as_token(staff_token(user)[0])
        family = staff_api.get(f"/api/v1/families/{household['family'].pk}/").json()
        assert family["incidents"] == [{"id": created["id"], "occurred_on": created["occurred_on"]}]
        incident = staff_api.get(f"/api/v1/incidents/{created['id']}/").json()
        assert incident["summary"] == "Officers attended."
        assert incident["reported_by_agency"] == "police"
