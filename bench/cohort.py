"""Benchmark: the nightly cohort job against the bare rule query, on generated data.

    .venv/bin/python bench/cohort.py [--children 1000000] [--database st_cohort_bench]
        [--host 127.0.0.1] [--user postgres] [--as-of 2024-06-30] [--reuse]

Drops and recreates a dedicated database (never the test database), migrates it, and generates
the case history **in SQL** (INSERT ... SELECT generate_series, deterministic): per child 1-3 CP
plans, one CIN episode per plan, one or two assessments per episode with a factor each, DA risk
flags on some re-plans, step-downs on about half the plans (some inferred from the census).
At 1,000,000 children that is about 5 million plan, assessment and factor rows.

Then it times, on the same data and warm caches:
- the bare rule query (`cohort.rules.rule_sql`, all rows fetched), best of three;
- the whole job, `manage.py cohort_run --as-of D` in a child process (first run: creates the
  flags; second run: changes nothing): the wall time around the service, commit included, and
  the process's peak RSS, both as the command reports them.
`--reuse` skips recreating and generating (time the job again on the existing data). Times on a
shared machine vary by a second or more between runs: the bare query is the best of three and the
nightly rerun the best of `--reruns`.
"""

# SQL here is built from fixed table names only; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

GENERATE = """
-- Children 1..N; two siblings per family.
INSERT INTO cases_family (id, created_at, updated_at, reference, address, postcode,
                          address_confidential)
SELECT f, now(), now(), 'BF' || lpad(f::text, 8, '0'), '', '', false
FROM generate_series(1, (%(n)s + 1) / 2) f;

INSERT INTO cases_person (id, created_at, updated_at, kind, first_name, last_name, date_of_birth,
                          sex, ethnicity, la_child_id, upn)
SELECT i, now(), now(), 'child', 'Child', 'B' || i, date '2010-01-01' + (i %% 3000), 'U', '',
       'B' || lpad(i::text, 9, '0'), ''
FROM generate_series(1, %(n)s) i;

INSERT INTO cases_familymembership (family_id, person_id, relationship, abuse_role)
SELECT (i + 1) / 2, i, '', 'child' FROM generate_series(1, %(n)s) i;

-- Plan k of child i: every plan has its own episode, ids (i - 1) * 3 + k.
CREATE TEMP TABLE bench_plan AS
SELECT i, k, (i - 1) * 3 + k AS id,
       date '2016-01-01' + ((i * 37) %% 2600) + (k - 1) * (700 + i %% 300) AS start_date,
       120 + (i * 13) %% 500 AS length,
       1 + (i %% 3 <> 0)::int + (i %% 7 = 0)::int AS plans
FROM generate_series(1, %(n)s) i
CROSS JOIN LATERAL generate_series(1, 1 + (i %% 3 <> 0)::int + (i %% 7 = 0)::int) k;

INSERT INTO cases_cinepisode (id, created_at, updated_at, child_id, referral_date,
                              referral_source, primary_need, closure_date, reason_for_closure)
SELECT id, now(), now(), i, start_date - 20, '1A', 'N1', NULL, '' FROM bench_plan;

INSERT INTO cases_cpplan (id, created_at, updated_at, child_id, episode_id, start_date, end_date,
                          initial_category, latest_category, number_of_previous_cpp, end_reason)
SELECT id, now(), now(), i, id, start_date,
       CASE WHEN k = plans AND i %% 4 = 0 THEN NULL ELSE start_date + length END,
       'EMO', 'EMO', CASE WHEN i %% 11 = 0 THEN 1 ELSE k - 1 END, ''
FROM bench_plan;

-- One assessment at referral, a second one for a fifth of the episodes; each with a factor.
INSERT INTO cases_assessment (id, created_at, updated_at, episode_id, start_date,
                              authorisation_date)
SELECT id * 2 + j, now(), now(), id, start_date - 20 + (j - 1) * 10, NULL
FROM bench_plan CROSS JOIN LATERAL generate_series(1, 1 + (i %% 5 = 0)::int) j;

INSERT INTO cases_assessmentfactor (assessment_id, code)
SELECT a.id, CASE WHEN (a.id / 2 + a.id) %% 3 = 0 THEN '3A'
                  WHEN (a.id / 2) %% 5 = 1 THEN '3B' ELSE '2B' END
FROM cases_assessment a;

INSERT INTO cases_dariskflag (created_at, updated_at, plan_id, recorded_on, at_planning, source,
                              assessment_id, note)
SELECT now(), now(), id, start_date, true, 'conference', NULL, ''
FROM bench_plan WHERE k > 1 AND i %% 5 = 1;

-- Step-downs: about half the ended plans (decided at the last review), some open plans, and
-- some inferred from the census (CIN plan starting as the CP plan ends).
INSERT INTO cases_stepdown (created_at, updated_at, plan_id, decided_on, planned_cin_start,
                            conference_id, cin_plan_id, source)
SELECT now(), now(), p.id,
       CASE WHEN p.end_date IS NULL THEN p.start_date + 150
            WHEN p.id %% 10 = 3 THEN p.end_date ELSE p.end_date - 10 END,
       CASE WHEN p.end_date IS NULL THEN NULL ELSE p.end_date + (p.id %% 10 = 3)::int * 2 END,
       NULL, NULL,
       CASE WHEN p.end_date IS NOT NULL AND p.id %% 10 = 3 THEN 'census' ELSE 'conference' END
FROM cases_cpplan p
WHERE (p.end_date IS NOT NULL AND p.id %% 2 = 0) OR (p.end_date IS NULL AND p.child_id %% 8 = 0);

DROP TABLE bench_plan;
"""

SEQUENCES = [
    "cases_family",
    "cases_person",
    "cases_familymembership",
    "cases_cinepisode",
    "cases_cpplan",
    "cases_assessment",
    "cases_assessmentfactor",
    "cases_dariskflag",
    "cases_stepdown",
]

COUNTS = [
    ("children", "cases_person"),
    ("CP plans", "cases_cpplan"),
    ("assessments", "cases_assessment"),
    ("assessment factors", "cases_assessmentfactor"),
    ("CIN episodes", "cases_cinepisode"),
    ("step-downs", "cases_stepdown"),
    ("DA risk flags", "cases_dariskflag"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--database", default="st_cohort_bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--as-of", default="2024-06-30", type=dt.date.fromisoformat)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--reruns", type=int, default=3, help="idempotent reruns to time")
    args = parser.parse_args()
    if args.database.startswith("test_") or args.database in {"safeguard_transitions", "st_cohort"}:
        sys.exit("Refusing to use a test or shared database for the benchmark.")

    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{args.user}@{args.host}:5432/{args.database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "False",  # DEBUG keeps every query in memory
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    if not args.reuse:
        psql = ["psql", "-h", args.host, "-U", args.user, "-q", "-d", "postgres", "-c"]
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
        subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from cohort import rules

    with connection.cursor() as cursor:
        if not args.reuse:
            started = time.perf_counter()
            cursor.execute(GENERATE, {"n": args.children})
            for table in SEQUENCES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            print(f"generated in SQL: {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            connection.connection.autocommit = True
            cursor.execute("VACUUM ANALYZE")
            print(f"vacuum analyze: {time.perf_counter() - started:.1f} s")
        else:
            cursor.execute(
                "TRUNCATE cohort_cohortflagevent, cohort_cohortflagchild, cohort_cohortdispute, "
                "cohort_cohortflag, cohort_cohortrunresult, cohort_cohortrun"
            )
        rows = {}
        for label, table in COUNTS:
            cursor.execute(f"SELECT count(*) FROM {table}")
            rows[label] = cursor.fetchone()[0]
        print(", ".join(f"{label}: {count:,}" for label, count in rows.items()))
        bulk = rows["CP plans"] + rows["assessments"] + rows["assessment factors"]
        print(f"plan + assessment + factor rows: {bulk:,}")

        sql, params = rules.rule_sql(), rules.rule_params(args.as_of)
        bare_times = []
        connection.connection.autocommit = False
        for _ in range(3):
            # The same session settings as the job (JIT off), in a transaction like the job.
            started = time.perf_counter()
            rules.session_settings(cursor)
            cursor.execute(sql, params)
            found = cursor.fetchall()
            connection.connection.rollback()
            bare_times.append(time.perf_counter() - started)
        bare = min(bare_times)
        print(
            f"bare rule query: {bare:.2f} s (runs: {', '.join(f'{t:.2f}' for t in bare_times)}), "
            f"{len(found):,} rows"
        )
    connection.close()

    job_times, peaks = [], []
    attempts = ["first run (creates flags)"] + [
        f"rerun {n} (changes nothing)" for n in range(1, args.reruns + 1)
    ]
    for attempt in attempts:
        started = time.perf_counter()
        completed = subprocess.run(
            [python, "manage.py", "cohort_run", "--as-of", args.as_of.isoformat()],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        from cohort.models import CohortRun

        run = CohortRun.objects.order_by("-id").first()
        if run is None or run.status != CohortRun.Status.SUCCEEDED:
            sys.exit("The job did not record a successful run.")
        # The command prints the job's wall time around the service, commit included.
        job = float(completed.stdout.rsplit("job ", 1)[1].split(" s", 1)[0])
        job_times.append(job)
        print(f"job, {attempt}: {job:.2f} s ({wall:.2f} s with process start)")
        print(f"  {completed.stdout.strip()}")
        peaks.append(int(completed.stdout.rsplit("peak RSS ", 1)[1].split(" MiB", 1)[0]))
    rerun = min(job_times[1:])
    print(
        f"job / bare query: first run {job_times[0] / bare:.2f}x; nightly rerun (best of "
        f"{args.reruns}) {rerun:.2f} s, {rerun / bare:.2f}x"
    )
    print(f"peak RSS of the job process (as it reports itself): {max(peaks)} MiB")


if __name__ == "__main__":
    main()
