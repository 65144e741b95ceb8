"""The census import and export, run on both PostgreSQL and SQLite (`make run`) by test_sqlite.py.

`python tests/census/sqlite_scenarios.py FOLDER` (with a SQLite DATABASE_URL and the local
settings) migrates, imports the three sample years, checks the merged history with the same
checks as test_import.py, re-imports, exports and re-imports through the worker's task, and
prints JSON.
"""

import datetime as dt
import json
from pathlib import Path

YEAR_END = dt.date(2024, 3, 31)


def run(folder: Path) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from cases.models import CPPlan
    from census.exporter import census_export
    from census.services import census_import_files, census_upload_store
    from census.tasks import census_import_process

    from . import test_export, test_import
    from .conftest import SAMPLES, YEARS, sample

    families = str(SAMPLES / "families.csv")
    result: dict = {}

    # Two years, then the third: a plan open at 31 March 2024 is closed by the 2025 return.
    spanning = [
        (full.la_child_id, plan.start, plan.end)
        for _sliced, full, _family in test_import.truth()
        for episode in full.episodes
        for plan in episode.cp_plans
        if plan.start <= YEAR_END < plan.end <= test_import.LAST_REFERENCE_DATE
    ]

    def end_dates() -> list:
        return [
            CPPlan.objects.get(child__la_child_id=child, start_date=start).end_date
            for child, start, _end in spanning
        ]

    jobs = [
        census_import_files(actor=None, paths=[sample(2023), sample(2024)], families_path=families)
    ]
    result["spanning_plans"] = len(spanning)
    result["open_at_2024_year_end"] = sum(end is None for end in end_dates())
    jobs.append(census_import_files(actor=None, paths=[sample(2025)], families_path=families))
    result["closed_by_2025_return"] = sum(
        stored == end for stored, (_c, _s, end) in zip(end_dates(), spanning, strict=True)
    )
    result["imports"] = [
        {
            key: job.counts[key]
            for key in ("children_imported", "children_rejected", "rows_created", "rows_updated")
        }
        for job in jobs
    ]
    result["rows"] = {model: len(rows) for model, rows in test_import.snapshot().items()}

    # The merged history, child by child, against the generator's full histories.
    test_import.test_three_years_hold_the_full_history_of_every_child(jobs[-1])
    test_import.test_da_at_planning_and_step_downs_follow_the_agreed_mapping(jobs[-1])
    test_import.test_factors_are_stored_one_row_per_code(jobs[-1])
    test_import.test_siblings_share_the_mapped_family(jobs[-1])
    test_import.test_gender_current_and_sex_are_both_read(None)  # disabilities read back

    # Idempotent: the same returns again change nothing (timestamps included).
    before = test_import.snapshot()
    again = census_import_files(
        actor=None, paths=[sample(year) for year in YEARS], families_path=families
    )
    result["reimport_rows_written"] = again.counts["rows_written"]
    result["reimport_unchanged"] = test_import.snapshot() == before

    # Round trip: each year exported equals its return; 2025 uploaded back through the worker's
    # task changes nothing.
    for year in YEARS:
        test_export.test_export_equals_the_original_return(None, folder, year)
    exported = folder / "export_2025.xml"
    with exported.open("wb") as out:
        result["exported_children"] = census_export(out, year=2025)
    with override_settings(MEDIA_ROOT=folder / "media"):
        job = census_upload_store(
            actor=None,
            uploads=[SimpleUploadedFile("export_2025.xml", exported.read_bytes())],
            families=None,
            dry_run=False,
        )
        result["round_trip_status"] = census_import_process(job.pk)
    job.refresh_from_db()
    result["round_trip"] = {
        key: job.counts[key] for key in ("children_imported", "children_rejected", "rows_written")
    }
    result["round_trip_unchanged"] = test_import.snapshot() == before
    return result


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    # What the census needs (the audit log, and the case record census depends on).
    for app in ("audit", "cases", "census"):
        call_command("migrate", app, verbosity=0)
    assert connection.vendor == "sqlite", connection.vendor
    from tests.census.sqlite_scenarios import run as run_scenarios

    print(json.dumps(run_scenarios(Path(sys.argv[1])), default=str))
