"""Idempotency keys are honoured for `API_IDEMPOTENCY_KEY_DAYS` (ADR 0035): past the window a key
counts as unused when a request arrives, and the nightly task deletes it in one statement."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import DAIncident
from cases.roles import Role
from sharing import services
from sharing.models import IdempotencyKey
from sharing.tasks import idempotency_keys_prune_nightly
from tests.api.helpers import notification

pytestmark = pytest.mark.django_db

TABLE = IdempotencyKey._meta.db_table


@pytest.fixture
def caller(make_user, police):
    return make_user(Role.PARTNER, agency=police)


@pytest.fixture
def stored_key(caller):
    """stored_key(key, age) -> an IdempotencyKey row of `caller`, created `age` ago."""

    def do(key, age=dt.timedelta(0), user=None):
        row = IdempotencyKey.objects.create(
            user=user or caller,
            key=key,
            method="POST",
            path="/api/v1/incidents/",
            request_digest="0" * 64,
            response_status=201,
            response_body={"id": 1},
        )
        IdempotencyKey.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
        return row

    return do


def keys():
    return set(IdempotencyKey.objects.values_list("key", flat=True))


def days(n, **extra):
    return dt.timedelta(days=n, **extra)


# --- the prune service --------------------------------------------------------------------------


def test_prune_deletes_only_keys_past_the_window_and_returns_the_count(stored_key, make_user):
    assert settings.API_IDEMPOTENCY_KEY_DAYS == 30
    stored_key("ancient", days(400))
    stored_key("just-past", days(30, minutes=5))
    stored_key("someone-elses", days(31), user=make_user(Role.MANAGER))
    stored_key("just-inside", days(29, hours=23))
    stored_key("fresh")
    assert services.idempotency_keys_prune(actor=None) == 3
    assert keys() == {"just-inside", "fresh"}


def test_prune_uses_the_cutoff_as_of_now(stored_key):
    stored_key("a", days(10))
    # As of 25 days from now, a 10-day-old key is 35 days old; as of 15 days from now, 25.
    assert services.idempotency_keys_prune(actor=None, now=timezone.now() + days(15)) == 0
    assert keys() == {"a"}
    assert services.idempotency_keys_prune(actor=None, now=timezone.now() + days(25)) == 1
    assert keys() == set()


def test_the_window_follows_the_setting(stored_key, settings):
    settings.API_IDEMPOTENCY_KEY_DAYS = 7
    stored_key("eight-days", days(8))
    stored_key("six-days", days(6))
    assert services.idempotency_keys_prune(actor=None) == 1
    assert keys() == {"six-days"}


def test_prune_records_one_audit_event_with_the_count_and_cutoff(stored_key):
    stored_key("a", days(31))
    stored_key("b", days(45))
    stored_key("kept", days(1))
    now = timezone.now()
    assert services.idempotency_keys_prune(actor=None, now=now) == 2
    event = AuditEvent.objects.get(action="idempotency_key.prune")
    assert event.details == {
        "count": 2,
        "cutoff": (now - days(30)).isoformat(),
        "days": 30,
    }
    assert event.target_type == event.target_id == ""


def test_a_prune_that_deletes_nothing_records_no_audit_event(stored_key):
    stored_key("kept", days(29))
    assert services.idempotency_keys_prune(actor=None) == 0
    assert not AuditEvent.objects.filter(action="idempotency_key.prune").exists()
    assert keys() == {"kept"}


def test_prune_is_a_single_set_based_delete(stored_key):
    for n in range(5):
        stored_key(f"old-{n}", days(40 + n))
    with CaptureQueriesContext(connection) as queries:
        assert services.idempotency_keys_prune(actor=None) == 5
    on_keys = [q["sql"] for q in queries.captured_queries if TABLE in q["sql"]]
    assert len(on_keys) == 1
    assert on_keys[0].lstrip().upper().startswith("DELETE")
    assert "created_at" in on_keys[0]


# --- the nightly task ---------------------------------------------------------------------------


def test_the_nightly_task_is_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["idempotency-keys-prune-nightly"]
    assert entry["task"] == idempotency_keys_prune_nightly.name
    assert entry["task"] == "sharing.tasks.idempotency_keys_prune_nightly"
    assert entry["schedule"].hour == {0}
    assert entry["schedule"].minute == {30}


def test_the_nightly_task_prunes_and_audits_as_a_task(stored_key):
    stored_key("old", days(31))
    stored_key("kept", days(2))
    assert idempotency_keys_prune_nightly() == 1
    assert keys() == {"kept"}
    event = AuditEvent.objects.get(action="idempotency_key.prune")
    assert event.channel == "task"
    assert event.path == "sharing.tasks.idempotency_keys_prune_nightly"
    assert event.actor_id is None
    assert event.details["count"] == 1


# --- read-time expiry in the API ----------------------------------------------------------------


def post(client, body, key="k-1"):
    return client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def age(key, by):
    assert IdempotencyKey.objects.filter(key=key).update(created_at=timezone.now() - by) == 1


def test_an_expired_key_is_not_replayed_and_the_post_creates_a_new_incident(
    police_api, household, stored_key
):
    client, token = police_api
    body = notification(household)
    first = post(client, body)
    assert first.status_code == 201
    age("k-1", days(30, minutes=1))
    stored_key("k-other", days(31), user=token.user)  # another expired key of the same caller

    again = post(client, body)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    assert DAIncident.objects.count() == 2
    # The expired row was replaced by the new response; the other key is left for the prune.
    row = IdempotencyKey.objects.get(user=token.user, key="k-1")
    assert row.response_body["id"] == again.json()["id"]
    assert timezone.now() - row.created_at < dt.timedelta(minutes=1)
    assert IdempotencyKey.objects.filter(key="k-other").exists()

    # The renewed key replays the new response.
    third = post(client, body)
    assert third["Idempotent-Replayed"] == "true"
    assert third.json() == again.json()
    assert DAIncident.objects.count() == 2


def test_an_expired_key_with_another_body_is_not_refused(police_api, household):
    client, _ = police_api
    assert post(client, notification(household)).status_code == 201
    age("k-1", days(31))
    changed = post(client, notification(household, summary="A later, different call-out."))
    assert changed.status_code == 201
    assert DAIncident.objects.count() == 2


def test_a_key_inside_the_window_still_replays(police_api, household):
    client, _ = police_api
    body = notification(household)
    first = post(client, body)
    age("k-1", days(29, hours=23))
    again = post(client, body)
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert DAIncident.objects.count() == 1
    changed = post(client, notification(household, summary="Different."))
    assert changed.status_code == 422
    assert DAIncident.objects.count() == 1


def test_a_failed_post_with_an_expired_key_leaves_the_old_row(police_api, household):
    client, _ = police_api
    first = post(client, notification(household))
    age("k-1", days(31))
    bad = post(client, notification(household, summary=""))
    assert bad.status_code == 400
    row = IdempotencyKey.objects.get(key="k-1")
    assert row.response_body == first.json()
