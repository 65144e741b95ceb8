"""Benchmark: the managers' dashboard on the cohort benchmark's million children.

    .venv/bin/python bench/dashboard.py [--children 1000000] [--database st_dashboard_bench]
        [--host 127.0.0.1] [--user postgres] [--as-of 2024-06-30] [--year 2021]
        [--requests 20] [--reuse]

Builds its own PostgreSQL database (never a test database) with `bench/cohort.py`'s generator
(per child 1-3 CP plans, episodes, assessments and factors, DA flags, step-downs: about 6 million
rows at a million children), runs the cohort job for `--as-of` and allocates every other flag (so
the outcome evaluation has a cohort), then times:

- the nightly figures build (`manage.py reporting_build --as-of`, in a child process: wall time
  and peak RSS as the command reports them);
- the dashboard page for a 12-month period (the financial year starting in April `--year`): the
  server's time for `--requests` requests through Django's full request handling in-process (no
  network), median and worst; the goal is a median under 500 ms;
- each report query the page makes, median of `--requests` runs;
- the other report pages once warmed: a drill-down list's first page, the re-plans API, the
  XLSX of every table, the scrutiny pack PDF and the outcome evaluation.

`--reuse` skips recreating and generating (re-times an existing database; the figures are
rebuilt unless `--no-build`).
"""

# SQL here is built from fixed table names only; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cohort import COUNTS, GENERATE, SEQUENCES  # noqa: E402

ALLOCATE = """
-- Every other flag of the run: accepted by an IRO and allocated a transition worker.
INSERT INTO cohort_cohortflagevent (flag_id, from_status, to_status, actor_id, run_id, at, note)
SELECT f.id, s.from_status, s.to_status, NULL, NULL, now(), 'bench'
FROM cohort_cohortflag f
CROSS JOIN (VALUES ('flagged', 'accepted'), ('accepted', 'allocated')) s(from_status, to_status)
WHERE f.id %% 2 = 0;
UPDATE cohort_cohortflag SET status = 'allocated', worker_id = %(worker)s, allocated_on = flagged_on
WHERE id %% 2 = 0;
"""


def timed(function: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """Median and worst wall time in milliseconds of `runs` calls (after one warm-up call)."""
    result = function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), result


def prepare_cohort(args: argparse.Namespace, env: dict[str, str]) -> None:
    """The cohort job for `--as-of` (after VACUUM ANALYZE, as the nightly job meets its data),
    then every other flag accepted and allocated."""
    from django.db import connection

    from cases.models import User
    from cases.roles import Role

    completed = subprocess.run(
        [sys.executable, "manage.py", "cohort_run", "--as-of", args.as_of.isoformat()],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    print(f"cohort job: {completed.stdout.strip()}")
    worker, _ = User.objects.get_or_create(
        username="bench-worker", defaults={"role": Role.TRANSITION_WORKER, "is_active": True}
    )
    with connection.cursor() as cursor:
        cursor.execute(ALLOCATE, {"worker": worker.pk})
        cursor.execute("ANALYZE cohort_cohortflag, cohort_cohortflagevent, cohort_cohortflagchild")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--database", default="st_dashboard_bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--as-of", default="2024-06-30", type=dt.date.fromisoformat)
    parser.add_argument("--year", type=int, default=2021, help="financial year start (April)")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--no-build", action="store_true", help="with --reuse: keep the built figures"
    )
    args = parser.parse_args()
    if args.database.startswith("test_") or args.database in {
        "safeguard_transitions",
        "st_cohort_bench",
    }:
        sys.exit("Refusing to use a test or another benchmark's database.")

    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{args.user}@{args.host}:5432/{args.database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "False",  # DEBUG keeps every query in memory
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "AXES_ENABLED": "False",
    }
    python = sys.executable
    if not args.reuse:
        psql = ["psql", "-h", args.host, "-U", args.user, "-q", "-d", "postgres", "-c"]
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
        subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    if not args.reuse:
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(GENERATE, {"n": args.children})
            for table in SEQUENCES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            print(f"generated in SQL: {time.perf_counter() - started:.1f} s")
            connection.connection.autocommit = True
            started = time.perf_counter()
            cursor.execute("VACUUM ANALYZE")
            print(f"vacuum analyze: {time.perf_counter() - started:.1f} s")
        connection.close()
    from cohort.models import CohortFlag

    if not CohortFlag.objects.exists():
        prepare_cohort(args, env)

    with connection.cursor() as cursor:
        rows = {}
        for label, table in [*COUNTS, ("cohort flags", "cohort_cohortflag")]:
            cursor.execute(f"SELECT count(*) FROM {table}")
            rows[label] = cursor.fetchone()[0]
    print(", ".join(f"{label}: {count:,}" for label, count in rows.items()))
    connection.close()

    for attempt in () if args.reuse and args.no_build else ("first", "rebuild"):
        completed = subprocess.run(
            [python, "manage.py", "reporting_build", "--as-of", args.as_of.isoformat()],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"figures build ({attempt}): {completed.stdout.strip()}")
    measure(args)


def measure(args: argparse.Namespace) -> None:
    from django.test import Client

    from cases.models import User
    from cases.roles import Role
    from reporting import selectors
    from reporting.models import DailyFigures
    from reporting.periods import Period

    manager, _ = User.objects.get_or_create(
        username="bench-manager", defaults={"role": Role.MANAGER, "is_active": True}
    )
    client = Client()
    client.force_login(manager)
    query = {"period": "financial_year", "year": str(args.year)}
    period = Period.financial_year(args.year)
    build = selectors.latest_build()
    if build is None:
        sys.exit("No figures were built.")
    print(
        f"daily figures rows: {DailyFigures.objects.count():,}; period {period.start} to "
        f"{period.end}; figures as at {build.as_of}"
    )

    def dashboard() -> Any:
        response = client.get("/reports/", query)
        if response.status_code != 200:
            sys.exit(f"The dashboard answered {response.status_code}.")
        return response

    median, worst, response = timed(dashboard, args.requests)
    replans = selectors.replan_figures(period, build=build)
    print(
        f"dashboard page, 12-month period: median {median:.1f} ms, worst {worst:.1f} ms "
        f"over {args.requests} requests (goal: median under 500 ms); "
        f"{len(response.content):,} bytes; plans started {replans.plans_started:,}, "
        f"re-plans {replans.second_or_subsequent:,} ({(replans.rate or 0) * 100:.1f}%)"
    )

    flows = selectors.period_flows(period)
    queries: dict[str, Callable[[], Any]] = {
        "latest build": selectors.latest_build,
        "period flows (re-plans, DA, ended by band)": lambda: selectors.period_flows(period),
        "month-end counts (12 month ends)": lambda: selectors.cp_counts(period, as_of=build.as_of),
        "open plans by band at the period's end": lambda: selectors.durations(
            period, as_of=build.as_of, flows=flows
        ),
        "cohort funnel": lambda: selectors.cohort_funnel(period),
        "comparator figures": selectors.comparator_figures,
    }
    for label, function in queries.items():
        median, worst, _ = timed(function, args.requests)
        print(f"  query, {label}: median {median:.2f} ms, worst {worst:.2f} ms")

    pages = {
        "drill-down list, re-plans within 2 years (first page)": (
            "/reports/plans/",
            {"list": "replans_within_24_months", **period.query()},
        ),
        "drill-down list, open at the period's end (first page)": (
            "/reports/plans/",
            {"list": "open", "at": period.end.isoformat(), **period.query()},
        ),
        "API re-plans": ("/api/v1/reports/replans/", period.query()),
        "XLSX of every table": ("/reports/download/dashboard.xlsx", query),
        "scrutiny pack PDF": ("/reports/scrutiny-pack.pdf", query),
        "outcome evaluation page": ("/reports/outcomes/", {}),
    }
    for label, (path, params) in pages.items():

        def get(path: str = path, params: dict = params) -> Any:
            response = client.get(path, params)
            if response.status_code != 200:
                sys.exit(f"{path} answered {response.status_code}.")
            return response

        median, worst, _ = timed(get, 3)
        print(f"  page, {label}: median {median:.0f} ms, worst {worst:.0f} ms (3 runs)")
    outcome = build.outcome.get("groups", {})
    print(
        "outcome evaluation: "
        + "; ".join(
            f"{key} {g['families']:,} families, {g['replanned']:,} re-planned"
            for key, g in outcome.items()
        )
    )


if __name__ == "__main__":
    main()
