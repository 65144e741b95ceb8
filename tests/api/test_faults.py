"""Redis down (issue 10): the broker and the cache unreachable, a real Redis killed. Pages and the
API still answer; /healthz names what is down; the liveness path stays 200."""

import logging

import pytest
from django.urls import reverse

from cases.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings, private_redis):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{private_redis.url}/1",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return private_redis


def test_health_reports_each_part_and_the_outage(client, redis_cache, broker_at):
    broker_at(f"{redis_cache.url}/0")
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok"},
    )
    redis_cache.stop()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "database": "ok",
        "broker": "down",
        "cache": "down",
    }
    live = client.get("/healthz/live")
    assert (live.status_code, live.json()) == (200, {"status": "alive"})


def test_pages_and_the_api_answer_with_the_cache_and_broker_down(
    client, redis_cache, broker_at, police_api, household, make_user, caplog
):
    api, _token = police_api
    assert api.get("/api/v1/families/").status_code == 200  # counted in the private Redis
    redis_cache.stop()
    broker_at(f"{redis_cache.url}/0")
    with caplog.at_level(logging.WARNING, logger="sharing.throttling"):
        response = api.get("/api/v1/families/")
    assert response.status_code == 200
    assert response.json()["results"]
    assert "API throttle not applied: the cache is unreachable" in caplog.text
    manager = make_user(Role.MANAGER)
    client.force_login(manager)
    for url in ["/", reverse("cases:family_list"), reverse("census:upload"), "/cohort/"]:
        assert client.get(url).status_code == 200, url
    family = household["family"]
    assert client.get(reverse("cases:family_detail", args=[family.pk])).status_code == 200
