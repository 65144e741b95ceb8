"""The nightly task on a real Celery worker (Redis broker), against the test database."""

import datetime as dt
import time

import pytest

from cohort.models import CohortFlag, CohortRun, CohortRunResult
from cohort.tasks import cohort_run_nightly

from .conftest import build_case

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_nightly_task_runs_on_a_real_worker_and_is_idempotent(celery_worker_redis):
    build_case()
    cohort_run_nightly.delay_on_commit("2024-06-30")
    assert wait_for(lambda: CohortRun.objects.filter(status="succeeded").count() == 1)
    run = CohortRun.objects.get()
    assert run.as_of == dt.date(2024, 6, 30)
    assert run.flags_created == 1
    cohort_run_nightly.delay("2024-06-30")
    assert wait_for(lambda: CohortRun.objects.filter(status="succeeded").count() == 2)
    assert CohortFlag.objects.count() == 1
    assert CohortRun.objects.order_by("-id").first().flags_unchanged == 1


def test_beat_schedules_the_nightly_task():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["cohort-nightly"]
    assert entry["task"] == cohort_run_nightly.name
    assert entry["schedule"].hour == {settings.COHORT_RUN_HOUR}


def test_a_run_whose_worker_dies_is_recorded_failed_and_retried(private_redis, broker_at, tmp_path):
    """The pool process running the nightly task is killed (SIGKILL) mid-run: the message goes
    back to the queue (reject on worker lost), and the retry records the dead run as failed
    before running again."""
    import psycopg2
    from django.db import connection

    from cohort.services import WORKER_LOST
    from tests.workers import Worker

    build_case()
    broker = f"{private_redis.url}/0"
    broker_at(broker)
    # Hold the results table so the run stops inside its work, after it is recorded as running.
    settings = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"] or "127.0.0.1"
    )
    cursor = blocker.cursor()
    cursor.execute(f"LOCK TABLE {CohortRunResult._meta.db_table} IN ACCESS EXCLUSIVE MODE")
    worker = Worker(broker, log=tmp_path / "worker.log")
    try:
        cohort_run_nightly.delay("2024-06-30")
        assert wait_for(lambda: CohortRun.objects.filter(status="running").exists(), 60), (
            tmp_path / "worker.log"
        ).read_text()
        time.sleep(0.5)
        worker.kill_child()
        blocker.rollback()
        blocker.close()
        assert wait_for(lambda: CohortRun.objects.filter(status="succeeded").exists(), 90), (
            tmp_path / "worker.log"
        ).read_text()
    finally:
        worker.stop()
        if not blocker.closed:
            blocker.close()
    failed = CohortRun.objects.get(status="failed")
    assert failed.error.startswith(WORKER_LOST)
    succeeded = CohortRun.objects.get(status="succeeded")
    assert succeeded.pk > failed.pk
    assert succeeded.flags_created == 1
    assert CohortFlag.objects.count() == 1
    assert not CohortRun.objects.filter(status="running").exists()
