"""The reporting build and reads on both PostgreSQL and SQLite (`make run`), by test_sqlite.py.

`python tests/reporting/sqlite_scenarios.py` (with a SQLite DATABASE_URL and the local settings)
migrates, builds the hand-made histories, builds the figures and prints what the measures read.
"""

import datetime as dt
import json

D = dt.date


def build_and_read() -> dict:
    from cases.roles import Role
    from reporting import selectors
    from reporting.periods import Period
    from reporting.services import figures_build
    from tests.factories import UserFactory
    from tests.reporting.conftest import build_evaluation, history_2024_25

    history_2024_25()
    manager = UserFactory(role=Role.MANAGER)
    build_evaluation(UserFactory(role=Role.IRO), manager, UserFactory(role=Role.TRANSITION_WORKER))
    build = figures_build(actor=None, as_of=D(2025, 6, 30))
    year = Period.financial_year(2024)
    drilled = selectors.drilldown_plan_ids(
        user=manager,
        selection=selectors.PlanList("started", "replans_within_24_months"),
        period=year,
    )
    open_in_band = selectors.drilldown_plan_ids(
        user=manager, selection=selectors.PlanList("open", "open", 2), period=year, at=year.end
    )
    groups = build.outcome["groups"]
    return {
        "replans": selectors.replan_figures(year).as_dict(),
        "month_ends": [m.children for m in selectors.cp_counts(year, as_of=build.as_of).months],
        "durations": selectors.durations(year, as_of=build.as_of).as_dict(),
        "drilled": len(drilled),
        "open_in_band_2": len(open_in_band),
        "outcome": {key: [g["families"], g["replanned"]] for key, g in groups.items()},
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

    for app in ("audit", "cases", "cohort", "reporting"):
        call_command("migrate", app, verbosity=0)
    assert connection.vendor == "sqlite", connection.vendor
    from tests.reporting.sqlite_scenarios import build_and_read as run

    print(json.dumps(run()))
