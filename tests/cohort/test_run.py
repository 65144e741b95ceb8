"""The run: results and flags recorded in one transaction, idempotent, locked, retried."""

import datetime as dt
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from audit.models import AuditEvent
from cohort import rules, services
from cohort.models import CohortFlag, CohortFlagChild, CohortFlagEvent, CohortRun, CohortRunResult
from cohort.tasks import cohort_run_nightly
from tests.factories import FamilyFactory, MembershipFactory, PersonFactory

from .conftest import build_case

D = dt.date
AS_OF = D(2024, 6, 30)


@pytest.mark.django_db
def test_a_run_flags_the_family_and_records_why_and_counts(case):
    plan = case()
    case(previous=None, number_of_previous_cpp=3)  # history missing
    case(da=None)  # evaluated, not qualifying
    run = services.cohort_run_execute(actor=None, as_of=AS_OF)
    assert run.status == CohortRun.Status.SUCCEEDED
    assert run.rule_version == rules.RULE_VERSION
    assert run.parameters == {
        "window_months": 18,
        "min_plan_months": 4,
        "grace_days": 28,
        "link_days": 7,
    }
    assert run.children_evaluated == 3
    assert (run.children_qualifying, run.history_missing) == (1, 1)
    assert (run.flags_created, run.flags_updated, run.flags_unchanged) == (1, 0, 0)
    flag = CohortFlag.objects.get()
    assert flag.status == CohortFlag.Status.FLAGGED
    assert flag.flagged_on == AS_OF
    [child] = flag.children.all()
    assert child.plan == plan
    assert child.result.previous_plan_end == D(2022, 3, 1)
    assert child.result.months_on_plan == 9
    assert child.result.step_down_date == D(2024, 5, 20)
    assert flag.events.get().to_status == "flagged"
    assert AuditEvent.objects.filter(action="cohort_flag.create", family_id=flag.family_id).exists()
    near_miss = run.results.get(outcome=CohortRunResult.Outcome.HISTORY_MISSING)
    assert near_miss.number_of_previous_cpp == 3


@pytest.mark.django_db
def test_a_second_run_for_the_same_date_creates_nothing(case):
    case()
    services.cohort_run_execute(actor=None, as_of=AS_OF)
    again = services.cohort_run_execute(actor=None, as_of=AS_OF)
    assert (again.flags_created, again.flags_updated, again.flags_unchanged) == (0, 0, 1)
    assert CohortFlag.objects.count() == 1
    assert CohortFlagChild.objects.count() == 1
    assert CohortFlagEvent.objects.count() == 1


@pytest.mark.django_db
def test_siblings_share_one_flag_naming_both_children(case):
    family = FamilyFactory()
    first = case(family=family)
    second = case(family=family)
    run = services.cohort_run_execute(actor=None, as_of=AS_OF)
    assert run.flags_created == 1
    flag = CohortFlag.objects.get()
    assert {c.child_id for c in flag.children.all()} == {first.child_id, second.child_id}


@pytest.mark.django_db
def test_a_sibling_qualifying_later_is_added_to_the_current_flag(case):
    family = FamilyFactory()
    case(family=family)
    later = case(family=family, plan=(D(2023, 9, 1), None), step_down_on=D(2024, 7, 10))
    services.cohort_run_execute(actor=None, as_of=AS_OF)
    run = services.cohort_run_execute(actor=None, as_of=D(2024, 7, 10))
    assert (run.flags_created, run.flags_updated, run.flags_unchanged) == (0, 1, 0)
    flag = CohortFlag.objects.get()
    assert flag.children.filter(plan=later).exists()
    assert flag.events.count() == 2


@pytest.mark.django_db
def test_a_declined_family_is_not_flagged_again_for_the_same_plan(case, iro):
    case()
    services.cohort_run_execute(actor=None, as_of=AS_OF)
    flag = CohortFlag.objects.get()
    services.cohort_flag_decline(actor=iro, flag=flag, reason="Already supported by CIN team")
    run = services.cohort_run_execute(actor=None, as_of=AS_OF + dt.timedelta(days=1))
    assert run.flags_created == 0
    assert CohortFlag.objects.count() == 1


@pytest.mark.django_db
def test_a_child_without_a_family_is_recorded_but_not_flagged():
    child = PersonFactory()
    build_case(child=child)
    run = services.cohort_run_execute(actor=None, as_of=AS_OF)
    assert run.results.get().outcome == CohortRunResult.Outcome.NO_FAMILY
    assert CohortFlag.objects.count() == 0
    MembershipFactory(person=child)
    assert services.cohort_run_execute(actor=None, as_of=AS_OF).flags_created == 1


@pytest.mark.django_db
def test_a_failed_run_leaves_no_partial_flags_and_is_recorded(case, monkeypatch):
    case()

    def broken(run, actor):
        # Fail after results and flags have been written inside the run's transaction.
        original(run, actor)
        assert CohortFlag.objects.count() == 1
        raise RuntimeError("disk full")

    original = services._record_flags
    monkeypatch.setattr(services, "_record_flags", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        services.cohort_run_execute(actor=None, as_of=AS_OF)
    assert CohortFlag.objects.count() == 0
    assert CohortRunResult.objects.count() == 0
    run = CohortRun.objects.get()
    assert run.status == CohortRun.Status.FAILED
    assert "disk full" in run.error


@pytest.mark.django_db
def test_the_task_retries_after_a_failure_and_then_succeeds(case, monkeypatch):
    case()
    attempts = []
    original = services._record_results

    def fails_once(run, parameters):
        attempts.append(run.as_of)
        if len(attempts) == 1:
            raise ConnectionError("database went away")
        original(run, parameters)

    monkeypatch.setattr(services, "_record_results", fails_once)
    cohort_run_nightly.apply(kwargs={"as_of": AS_OF.isoformat()})
    assert len(attempts) == 2
    statuses = sorted(CohortRun.objects.values_list("status", flat=True))
    assert statuses == ["failed", "succeeded"]
    assert CohortFlag.objects.count() == 1
    assert AuditEvent.objects.filter(action="cohort.run", channel="task").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_wait_for_each_other_and_flag_once():
    build_case()
    build_case()
    runs, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            runs.append(services.cohort_run_execute(actor=None, as_of=AS_OF))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(r.flags_created for r in runs) == [0, 2]
    assert CohortFlag.objects.count() == 2


@pytest.mark.django_db
def test_cohort_run_command_reports_the_run(case):
    case()
    out = io.StringIO()
    call_command("cohort_run", "--as-of", "2024-06-30", stdout=out)
    assert "1 qualifying" in out.getvalue()
    assert "flags 1 created" in out.getvalue()
    assert AuditEvent.objects.filter(action="cohort.run", channel="command").exists()


@pytest.mark.django_db
def test_cohort_export_writes_one_row_per_qualifying_child(case, iro):
    family = FamilyFactory(reference="FAM-SIBS")
    first = case(family=family)
    case(family=family)
    case(previous=None, number_of_previous_cpp=1)  # history missing: not exported
    services.cohort_run_execute(actor=None, as_of=AS_OF)
    services.cohort_flag_accept(actor=iro, flag=CohortFlag.objects.get(), note="")
    out = io.StringIO()
    call_command("cohort_export", "--as-of", "2024-06-30", stdout=out)
    lines = out.getvalue().splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["la_child_id", "family_reference", "cp_plan_start"]
    for column in ("previous_cp_plan_end", "step_down_date", "status"):
        assert column in header
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    assert len(rows) == 2
    row = next(r for r in rows if r["la_child_id"] == first.child.la_child_id)
    assert row["family_reference"] == "FAM-SIBS"
    assert row["cp_plan_start"] == "2023-09-01"
    assert row["previous_cp_plan_end"] == "2022-03-01"
    assert row["step_down_date"] == "2024-05-20"
    assert row["status"] == "accepted"
    out = io.StringIO()
    call_command("cohort_export", "--status", "flagged", stdout=out)
    assert len(out.getvalue().splitlines()) == 1  # header only: the flag is accepted
