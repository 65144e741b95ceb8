"""Every caller against every endpoint and method (issue 5 acceptance).

Two partner agencies, police and health; one family shared with police only (plans, incidents,
cohort), both families in the transition cohort. Council roles see by role. Unshared and
missing ids answer byte-identical 404s, and unshared records never appear in lists.
"""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Agency
from cases.roles import Role
from cases.services import da_incident_record
from cohort.models import CohortFlag
from cohort.services import cohort_run_execute
from tests.cohort.conftest import build_case
from tests.factories import AgencyFactory, CPPlanFactory, FamilyFactory, MembershipFactory

from .conftest import bearer

pytestmark = pytest.mark.django_db

MISSING = 987654321


@pytest.fixture
def world(household, police, share, make_user, agency_token, staff_token, team, manager):
    health = AgencyFactory(name="Test Health", code="health", kind=Agency.Kind.HEALTH)
    share(police, ["plans", "incidents", "cohort"], family=household["family"])
    other = FamilyFactory(reference="NOT-SHARED")
    other_plan = CPPlanFactory()
    MembershipFactory(family=other, person=other_plan.child)
    police_officer = make_user(Role.PARTNER, agency=police)
    # Both families qualify for the transition cohort: one flag each.
    build_case(family=household["family"])
    build_case(family=other)
    cohort_run_execute(actor=None, as_of=dt.date(2024, 6, 30))
    flags = {flag.family_id: flag.pk for flag in CohortFlag.objects.all()}
    incident = da_incident_record(
        actor=police_officer,
        family=household["family"],
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
        summary="Call-out; children upstairs.",
        people_involved=[household["mother"]],
        children_present=[household["child"]],
    )
    other_incident = da_incident_record(
        actor=police_officer,
        family=other,
        occurred_on=timezone.localdate() - dt.timedelta(days=2),
        summary="Unshared family's incident.",
        people_involved=[other_plan.child],
    )

    def session(user):
        client = APIClient()
        client.force_login(user)
        return client

    callers = {
        "police_token": bearer(agency_token(police)[0]),
        "police_session": session(police_officer),
        "health_token": bearer(agency_token(health)[0]),
        "health_session": session(make_user(Role.PARTNER, agency=health)),
        "manager_session": session(manager),
        "manager_token": bearer(staff_token(manager)[0]),
        "iro_session": session(make_user(Role.IRO)),
        "social_worker_session": session(make_user(Role.SOCIAL_WORKER, teams=[team])),
        "transition_worker_session": session(make_user(Role.TRANSITION_WORKER)),
        "administrator_session": session(make_user(Role.ADMINISTRATOR, agency=police)),
        "anonymous": APIClient(),
    }
    shared = {
        "families": household["family"].pk,
        "people": household["child"].pk,
        "plans": household["plan"].pk,
        "incidents": incident.pk,
        "cohort/flags": flags[household["family"].pk],
    }
    unshared = {
        "families": other.pk,
        "people": other_plan.child.pk,
        "plans": other_plan.pk,
        "incidents": other_incident.pk,
        "cohort/flags": flags[other.pk],
    }
    return {"callers": callers, "shared": shared, "unshared": unshared, "household": household}


# Who sees the shared family's records (True) at each endpoint; and the unshared family's.
SEES_SHARED = {
    "police_token": True,
    "police_session": True,
    "health_token": False,
    "health_session": False,
    "manager_session": True,
    "manager_token": True,
    "iro_session": True,  # the family has a CP plan
    "social_worker_session": False,  # not on their team's caseload
    "transition_worker_session": False,  # not allocated to them
    "administrator_session": False,  # no case content
    "anonymous": None,
}
SEES_UNSHARED = {
    name: name in {"manager_session", "manager_token", "iro_session"} for name in SEES_SHARED
}
ENDPOINTS = ["families", "people", "plans", "incidents", "cohort/flags"]
CALLERS = list(SEES_SHARED)


def ids(response):
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("caller", CALLERS)
def test_reads(world, caller, endpoint):
    client = world["callers"][caller]
    shared, unshared = world["shared"][endpoint], world["unshared"][endpoint]
    listing = client.get(f"/api/v1/{endpoint}/")
    detail = client.get(f"/api/v1/{endpoint}/{shared}/")
    hidden = client.get(f"/api/v1/{endpoint}/{unshared}/")
    missing = client.get(f"/api/v1/{endpoint}/{MISSING}/")
    if SEES_SHARED[caller] is None:
        assert {r.status_code for r in (listing, detail, hidden, missing)} == {401}
        assert listing["WWW-Authenticate"].startswith("Bearer")
        return
    assert listing.status_code == 200
    assert (shared in ids(listing)) is SEES_SHARED[caller]
    assert (unshared in ids(listing)) is SEES_UNSHARED[caller]
    assert detail.status_code == (200 if SEES_SHARED[caller] else 404)
    assert hidden.status_code == (200 if SEES_UNSHARED[caller] else 404)
    assert missing.status_code == 404
    # Object-level denial is indistinguishable from absence.
    for denied in [r for r in (detail, hidden) if r.status_code == 404]:
        assert denied.content == missing.content
        assert denied.headers.get("Content-Type") == missing.headers.get("Content-Type")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("caller", CALLERS)
def test_no_writes_to_read_only_resources(world, caller, endpoint):
    client = world["callers"][caller]
    shared = world["shared"][endpoint]
    expected = 401 if SEES_SHARED[caller] is None else 405
    for method, url in [
        ("put", f"/api/v1/{endpoint}/{shared}/"),
        ("patch", f"/api/v1/{endpoint}/{shared}/"),
        ("delete", f"/api/v1/{endpoint}/{shared}/"),
        ("delete", f"/api/v1/{endpoint}/{MISSING}/"),
    ]:
        assert getattr(client, method)(url, {}, format="json").status_code == expected
    if endpoint != "incidents":
        assert client.post(f"/api/v1/{endpoint}/", {}, format="json").status_code == expected


NOTIFY = {"police_token": 201, "police_session": 201, "anonymous": 401}


@pytest.mark.parametrize("caller", CALLERS)
def test_incident_notification(world, caller):
    client = world["callers"][caller]
    household = world["household"]
    body = {
        "family": household["family"].pk,
        "occurred_on": timezone.localdate().isoformat(),
        "summary": "Neighbour reported shouting; officers attended.",
        "people_involved": [household["mother"].pk],
        "children_present": [household["child"].pk],
    }
    response = client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == NOTIFY.get(caller, 403), response.content
    if response.status_code == 201:
        assert response.json()["family"] == household["family"].pk
        assert response.json()["children_present"] == [household["child"].pk]


def test_police_cannot_notify_on_an_unshared_family_and_is_told_per_field(world):
    client = world["callers"]["police_token"]
    household = world["household"]
    body = {
        "family": world["unshared"]["families"],
        "occurred_on": "2999-01-01",
        "summary": "",
        "people_involved": [],
    }
    response = client.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 400
    errors = response.json()
    # The serializer rejects what it can see per field; the date rule is the service's (below).
    assert set(errors) == {"family", "summary", "people_involved"}
    missing = client.post(
        "/api/v1/incidents/",
        {**body, "family": MISSING, "summary": "x", "people_involved": [1]},
        format="json",
    )
    unshared = client.post(
        "/api/v1/incidents/",
        {**body, "summary": "x", "people_involved": [1]},
        format="json",
    )
    # An unshared family is reported exactly like a missing one.
    assert missing.json()["family"] == [
        m.replace(str(world["unshared"]["families"]), str(MISSING))
        for m in unshared.json()["family"]
    ]
    future = client.post(
        "/api/v1/incidents/",
        {
            "family": household["family"].pk,
            "occurred_on": "2999-01-01",
            "summary": "x",
            "people_involved": [household["mother"].pk],
            "children_present": [household["mother"].pk],
        },
        format="json",
    )
    assert future.status_code == 400
    assert set(future.json()) == {"occurred_on", "children_present"}


@pytest.mark.parametrize("caller", CALLERS)
def test_me(world, caller):
    client = world["callers"][caller]
    response = client.get("/api/v1/me/")
    if SEES_SHARED[caller] is None:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    me = response.json()
    assert me["authentication"] == ("token" if caller.endswith("_token") else "session")
    incidents = next(e for e in me["endpoints"] if e["path"] == "/api/v1/incidents/")
    assert ("POST" in incidents["methods"]) is (NOTIFY.get(caller) == 201)
    assert client.post("/api/v1/me/", {}, format="json").status_code == 405


def test_throttled_token_gets_429_with_retry_after(world, settings):
    settings.API_THROTTLE_RATE = "3/min"
    from django.core.cache import cache

    cache.clear()
    client = world["callers"]["police_token"]
    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/families/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # Another token has its own budget.
    assert world["callers"]["health_token"].get("/api/v1/me/").status_code == 200
    cache.clear()
