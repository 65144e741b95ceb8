"""The nightly task on a real Celery worker (Redis broker), against the test database."""

import datetime as dt
import time

import pytest

from cohort.models import CohortFlag, CohortRun
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
