"""Safe writes (Idempotency-Key), audit of every read and write, token authentication, and the
number of queries each list costs."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import DAIncident
from sharing import services as sharing
from tests.api.helpers import notification
from tests.factories import FamilyFactory, MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_the_same_post_twice_with_one_key_creates_one_incident(police_api, household):
    client, _ = police_api
    body = notification(household)
    first = client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert DAIncident.objects.count() == 1
    assert AuditEvent.objects.filter(action="da_incident.record").count() == 1
    other = client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 201
    assert DAIncident.objects.count() == 2


def test_a_key_reused_with_another_body_is_refused(police_api, household):
    client, _ = police_api
    client.post(
        "/api/v1/incidents/", notification(household), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    changed = client.post(
        "/api/v1/incidents/",
        notification(household, summary="Different."),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert changed.status_code == 422
    assert DAIncident.objects.count() == 1


def test_a_failed_post_does_not_use_up_its_key(police_api, household):
    client, _ = police_api
    bad = client.post(
        "/api/v1/incidents/",
        notification(household, summary=""),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert bad.status_code == 400
    assert bad.json() == {"summary": ["This field may not be blank."]}
    good = client.post(
        "/api/v1/incidents/", notification(household), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert good.status_code == 201


def test_keys_are_per_caller(police_api, household, police, agency_token, as_token):
    client, _ = police_api
    client.post(
        "/api/v1/incidents/",
        notification(household),
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    second_system = as_token(agency_token(police, name="Second system")[0])
    response = second_system.post(
        "/api/v1/incidents/",
        notification(household),
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert DAIncident.objects.count() == 2


def test_every_read_is_audited_with_token_agency_endpoint_and_ids(police_api, household):
    client, token = police_api
    client.get("/api/v1/people/")
    client.get(f"/api/v1/families/{household['family'].pk}/")
    listed = AuditEvent.objects.filter(action="person.api_list")
    assert {e.target_id for e in listed} == {
        str(household["child"].pk),
        str(household["mother"].pk),
    }
    viewed = AuditEvent.objects.get(action="family.api_view")
    assert viewed.family_id == household["family"].pk
    assert viewed.channel == "api"
    assert viewed.details == {
        "token": token.pk,
        "token_name": "live",
        "token_prefix": token.prefix,
        "agency": "police",
        "endpoint": f"/api/v1/families/{household['family'].pk}/",
        "method": "GET",
    }


def test_writes_are_audited_with_the_token(police_api, household):
    client, token = police_api
    created = client.post("/api/v1/incidents/", notification(household), format="json").json()
    event = AuditEvent.objects.get(action="da_incident.record")
    assert event.target_id == str(created["id"])
    assert event.family_id == household["family"].pk
    assert event.details["token"] == token.pk
    assert event.details["agency"] == "police"
    assert event.details["endpoint"] == "/api/v1/incidents/"
    assert event.details["children_present"] == [household["child"].pk]


def test_revoked_expired_and_unknown_tokens_are_refused_alike(police, make_user, as_token):
    from cases.roles import Role

    admin = make_user(Role.ADMINISTRATOR, agency=police)
    client = sharing.api_client_create(actor=admin, agency=police, name="RMS")
    revoked, revoked_raw = sharing.api_token_create(actor=admin, client=client, name="old")
    sharing.api_token_revoke(actor=admin, token=revoked)
    expired, expired_raw = sharing.api_token_create(actor=admin, client=client, name="short")
    type(expired).objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    live, live_raw = sharing.api_token_create(actor=admin, client=client, name="live")
    responses = [
        as_token(raw).get("/api/v1/me/")
        for raw in (revoked_raw, expired_raw, "st_not-a-token", live_raw[:-1] + "x")
    ]
    assert {r.status_code for r in responses} == {401}
    assert len({r.content for r in responses}) == 1
    assert as_token(live_raw).get("/api/v1/me/").status_code == 200
    live.refresh_from_db()
    assert live.last_used_at is not None
    # Only the digest is stored: the secret cannot be read back.
    assert live_raw not in str(type(live).objects.filter(pk=live.pk).values().get())


@pytest.mark.parametrize("endpoint", ["families", "people", "plans", "incidents"])
def test_list_queries_do_not_grow_with_rows(
    police_api, household, police, share, make_user, endpoint, django_assert_max_num_queries
):
    from cases.roles import Role
    from cases.services import da_incident_record
    from tests.factories import CPPlanFactory, EpisodeFactory

    client, _ = police_api
    officer = make_user(Role.PARTNER, agency=police)
    for n in range(15):
        family = FamilyFactory()
        child, adult = PersonFactory(), PersonFactory(kind="adult", la_child_id=None)
        MembershipFactory(family=family, person=child)
        MembershipFactory(family=family, person=adult, abuse_role="victim_survivor")
        CPPlanFactory(episode=EpisodeFactory(child=child))
        share(police, ["plans", "incidents"], family=family)
        da_incident_record(
            actor=officer,
            family=family,
            occurred_on=timezone.localdate(),
            summary=f"Incident {n}",
            people_involved=[adult],
            children_present=[child],
        )
    # token + touch, session-free; the caller's group ids (once); visible rows; prefetches;
    # scopes; the people's and plans' families (for the audit trail); audit insert.
    with django_assert_max_num_queries(11):
        response = client.get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_one_incident(police, make_user, manager):
    """Two requests with the same key at the same moment: one creates, the other answers as it
    did (the unique key decides; the loser's transaction rolls back)."""
    import threading

    from django.db import connection

    from cases.models import Person
    from sharing.services import sharing_agreement_create
    from tests.conftest import bearer

    family = FamilyFactory(reference="RACE")
    mother = PersonFactory(kind=Person.Kind.ADULT, la_child_id=None)
    MembershipFactory(family=family, person=mother, abuse_role="victim_survivor")
    sharing_agreement_create(
        actor=manager,
        agency=police,
        family=family,
        purpose="p",
        lawful_basis="public_task",
        scopes=["incidents"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    admin = make_user("administrator", agency=police)
    client = sharing.api_client_create(actor=admin, agency=police, name="RMS")
    _, raw = sharing.api_token_create(actor=admin, client=client, name="live")
    body = {
        "family": family.pk,
        "occurred_on": timezone.localdate().isoformat(),
        "summary": "Retried notification.",
        "people_involved": [mother.pk],
    }
    start = threading.Barrier(2)
    responses = []

    def post():
        start.wait()
        try:
            responses.append(
                bearer(raw).post(
                    "/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1"
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert DAIncident.objects.count() == 1
