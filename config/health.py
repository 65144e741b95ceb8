"""Health checks (ADR 0054).

- `/healthz` (readiness): the database, the broker and the cache, each reported on its own;
  200 only when all three answer, else 503 with which one is down. A load balancer stops
  sending work to an instance that cannot do it; an operator sees which part failed.
- `/healthz/live` (liveness): 200 whenever the process serves requests, whatever its
  dependencies; restarting the web process would not bring Redis back.

Pages and the API keep answering without the broker and cache (the upload page marks a job
"could not be queued"; the API throttle fails open), so readiness is a report, not a gate on
everything: deployments choose which path their checks use.
"""

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

OK, DOWN = "ok", "down"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        conn.default_channel  # noqa: B018 - opening a channel is what proves the broker answers


def _cache() -> None:
    cache.set("healthz", "1", timeout=10)
    if cache.get("healthz") != "1":
        raise RuntimeError("the cache did not keep a value")


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "broker": _broker, "cache": _cache}


def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: each dependency's state; 200 only when all are up."""
    states = {}
    for name, check in CHECKS.items():
        try:
            check()
            states[name] = OK
        except Exception as error:  # any failure of a dependency is "down", with a log line
            logger.warning("Health check: %s is down: %s", name, error)
            states[name] = DOWN
    healthy = all(state == OK for state in states.values())
    return JsonResponse(
        {"status": OK if healthy else DOWN, **states}, status=200 if healthy else 503
    )


def liveness(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers; nothing else is checked."""
    return JsonResponse({"status": "alive"})
