"""Scenarios run on both PostgreSQL and SQLite (`make run`'s database) by test_sqlite.py.

`python tests/cohort/sqlite_scenarios.py` (with a SQLite DATABASE_URL and the local settings)
migrates, builds the scenarios, runs the rule and a full run, and prints JSON.
"""

import datetime as dt
import json

D = dt.date
AS_OF = D(2024, 7, 15)


def build():
    from cases.models import StepDown

    from .conftest import build_case

    census = StepDown.Source.CENSUS
    plans = {
        "default": build_case(),
        "window_leap_in": build_case(
            previous=(D(2021, 1, 4), D(2022, 8, 31)),
            plan=(D(2024, 2, 29), None),
            step_down_on=D(2024, 7, 1),
        ),
        "window_leap_out": build_case(
            previous=(D(2021, 1, 4), D(2022, 8, 31)),
            plan=(D(2024, 3, 1), None),
            step_down_on=D(2024, 7, 1),
        ),
        "grace_28": build_case(plan=(D(2023, 9, 1), AS_OF - dt.timedelta(days=28))),
        "grace_29": build_case(plan=(D(2023, 9, 1), AS_OF - dt.timedelta(days=29))),
        "history_missing": build_case(previous=None, number_of_previous_cpp=2),
        "da_other_episode": build_case(da="factor_other_episode"),
        "da_factor": build_case(da="factor"),
        "census_cin_after_d": build_case(
            plan=(D(2023, 9, 1), D(2024, 7, 10)),
            step_down_on=D(2024, 7, 10),
            step_down_source=census,
            planned_cin_start=D(2024, 7, 16),
        ),
    }
    return plans


def evaluate(plans):
    from cohort import rules, services

    by_plan = {plan.pk: label for label, plan in plans.items()}
    outcomes = {by_plan[row["plan_id"]]: row["outcome"] for row in rules.evaluate(AS_OF)}
    first = services.cohort_run_execute(actor=None, as_of=AS_OF)
    second = services.cohort_run_execute(actor=None, as_of=AS_OF)
    return {
        "outcomes": outcomes,
        "first": [first.flags_created, first.flags_unchanged, first.history_missing],
        "second": [second.flags_created, second.flags_unchanged],
    }


if __name__ == "__main__":
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    # Only what the cohort needs (other apps may use PostgreSQL-only fields).
    for app in ("audit", "cases", "cohort"):
        call_command("migrate", app, verbosity=0)
    assert connection.vendor == "sqlite", connection.vendor
    from tests.cohort.sqlite_scenarios import build as build_scenarios
    from tests.cohort.sqlite_scenarios import evaluate as evaluate_scenarios

    print(json.dumps(evaluate_scenarios(build_scenarios())))
