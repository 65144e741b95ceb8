"""The figures build on a real Celery worker (Redis broker), nightly and on a manager's request;
a failed build rolls back and is recorded."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from reporting import selectors
from reporting.models import DailyFigures, FiguresBuild
from reporting.periods import Period
from reporting.tasks import figures_build_nightly
from tests.cohort.test_task_worker import wait_for

from .conftest import history_2024_25


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_build_runs_on_a_real_worker_and_a_rerun_changes_nothing(celery_worker_redis):
    history_2024_25()
    figures_build_nightly.delay_on_commit("2025-06-30")
    assert wait_for(lambda: FiguresBuild.objects.filter(status="succeeded").count() == 1)
    rows = list(DailyFigures.objects.order_by("day").values())
    assert selectors.replan_figures(Period.financial_year(2024)).second_or_subsequent == 5
    figures_build_nightly.delay("2025-06-30")
    assert wait_for(lambda: FiguresBuild.objects.filter(status="succeeded").count() == 2)
    assert list(DailyFigures.objects.order_by("day").values()) == rows


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_manager_asks_for_a_rebuild(celery_worker_redis, client, manager):
    history_2024_25()
    client.force_login(manager)
    response = client.post(reverse("reporting:refresh"))
    assert response.status_code == 302
    assert wait_for(lambda: FiguresBuild.objects.filter(status="succeeded").exists())
    build = FiguresBuild.objects.get()
    assert build.requested_by == manager
    event = AuditEvent.objects.get(action="reporting.figures_build")
    assert (event.actor, event.channel) == (manager, "task")


@pytest.mark.django_db
def test_a_failed_build_keeps_the_previous_figures_and_says_why(history, build, monkeypatch):
    first = build()
    rows = DailyFigures.objects.count()
    from reporting import outcomes

    def broken(**kwargs):
        raise RuntimeError("lost the database")

    monkeypatch.setattr(outcomes, "evaluate", broken)
    with pytest.raises(RuntimeError):
        build()
    failed = FiguresBuild.objects.exclude(pk=first.pk).get()
    assert failed.status == FiguresBuild.Status.FAILED
    assert "lost the database" in failed.error
    assert DailyFigures.objects.count() == rows
    assert selectors.latest_build() == first


def test_beat_schedules_the_nightly_build():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["reporting-figures-nightly"]
    assert entry["task"] == figures_build_nightly.name
    assert entry["schedule"].hour == {settings.REPORTING_RUN_HOUR}
    # After the cohort run, so the outcome evaluation sees that night's flags.
    assert settings.REPORTING_RUN_HOUR > settings.COHORT_RUN_HOUR
