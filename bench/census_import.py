"""Benchmark: import one generated census return of N children into a dedicated PostgreSQL database.

    .venv/bin/python bench/census_import.py [--children 100000] [--database st_census_bench]
        [--host 127.0.0.1] [--user postgres] [--twice] [--sqlite]

Drops and recreates the database (never the test database), migrates it, writes the return with
the same generator as tests/census/samples (in a child process, so its memory is not counted),
then imports it in this process and prints children/s, rows/s, wall time and peak RSS
(`resource.getrusage`; the PostgreSQL server's own memory is not included). `--twice` imports
the same file again to time an idempotent re-import (nothing written). `--sqlite` uses a fresh
SQLite file in a temporary folder instead (`make run`'s database; the importer runs in this
process, so its CPU is all in "this process").
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--database", default="st_census_bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--twice", action="store_true")
    parser.add_argument("--sqlite", action="store_true", help="a fresh SQLite file instead")
    args = parser.parse_args()
    if args.database.startswith("test_") or args.database == "safeguard_transitions":
        sys.exit("Refusing to use a test or shared database for the benchmark.")

    with tempfile.TemporaryDirectory() as folder:
        if args.sqlite:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        else:
            psql = ["psql", "-h", args.host, "-U", args.user, "-q", "-d", "postgres", "-c"]
            subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.database}"], check=True)
            subprocess.run([*psql, f"CREATE DATABASE {args.database}"], check=True)
            url = f"postgres://{args.user}@{args.host}:5432/{args.database}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": "False",  # DEBUG keeps every query in memory
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        python = sys.executable
        # On SQLite only what the import needs: other apps may use PostgreSQL-only fields.
        for apps in [["audit"], ["cases"], ["census"]] if args.sqlite else [[]]:
            subprocess.run(
                [python, "manage.py", "migrate", *apps, "-v0"], cwd=ROOT, env=env, check=True
            )

        path = Path(folder) / f"cin_census_{args.children}.xml"
        started = time.perf_counter()
        subprocess.run(
            [
                python,
                "-m",
                "census.generator",
                "--children",
                str(args.children),
                "--out",
                str(path),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(
            f"generated {args.children} children, {path.stat().st_size / 1e6:.1f} MB, "
            f"in {time.perf_counter() - started:.1f}s"
        )

        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection

        from census.services import census_import_files

        def backend_cpu() -> float:
            """CPU seconds used so far by our PostgreSQL backend (same machine, via /proc)."""
            if connection.vendor != "postgresql":
                return 0.0  # SQLite works in this process
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        runs = 2 if args.twice else 1
        for run in range(runs):
            started = time.perf_counter()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            database_before = backend_cpu()
            job = census_import_files(actor=None, paths=[path])
            database_cpu = backend_cpu() - database_before
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
            counts = job.counts
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            label = "import" if run == 0 else "re-import"
            print(
                f"{label} ({job.get_status_display()}): {counts['children_read']} children read, "
                f"{counts['children_imported']} imported, {counts['children_held_back']} held "
                f"back, {counts['elements_held_back']} elements held back, {counts['errors']} "
                f"errors and {counts['queries']} queries reported; "
                f"{counts['rows_written']} rows written\n"
                f"  wall {wall:.1f}s, {counts['children_read'] / wall:,.0f} children/s, "
                f"{counts['rows_written'] / wall:,.0f} rows/s, peak RSS {peak_mb:.0f} MB\n"
                f"  CPU: this process {cpu:.1f}s, its {connection.vendor} backend "
                f"{database_cpu:.1f}s; "
                f"load average {os.getloadavg()[0]:.1f} "
                f"on {os.cpu_count()} cores (other work on the machine stretches the wall time)"
            )


if __name__ == "__main__":
    main()
