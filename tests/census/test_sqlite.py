"""The census import and export give the same results on SQLite (`make run`) as on PostgreSQL.

The importer writes with `INSERT ... ON CONFLICT ... RETURNING` on both (ADR 0010); only how the
statement is sent differs. The scenarios run in a child process on a fresh SQLite database.
"""

from pathlib import Path

import pytest

from tests.sqlite import run_script_on_sqlite

from . import sqlite_scenarios

ROWS = {
    "Person": 64,
    "CensusChild": 64,
    "Family": 50,
    "FamilyMembership": 64,
    "CINEpisode": 74,
    "Assessment": 74,
    "AssessmentFactor": 103,
    "Section47Enquiry": 58,
    "CPPlan": 57,
    "CINPlan": 54,
    "Conference": 142,
    "StepDown": 36,
    "DARiskFlag": 37,
}
#: Rows created and updated per table by the 2023+2024 import, then by the 2025 one: the same
#: counts on both databases shows SQLite tells inserts from updates as PostgreSQL's xmax does.
IMPORTS = [
    (67, 0, {"cin_episode": 21, "assessment": 1, "section47": 1, "cin_plan": 8, "cp_plan": 14}),
    (49, 40, {"cin_episode": 19, "assessment": 0, "section47": 0, "cin_plan": 6, "cp_plan": 12}),
]


def check(result):
    assert result["rows"] == ROWS
    assert result["spanning_plans"] == result["open_at_2024_year_end"] > 0
    assert result["closed_by_2025_return"] == result["spanning_plans"]
    created = [sum(job["rows_created"].values()) for job in result["imports"]]
    assert sum(created) == sum(ROWS.values())
    for job, (imported, rejected, updated) in zip(result["imports"], IMPORTS, strict=True):
        assert (job["children_imported"], job["children_rejected"]) == (imported, rejected)
        assert {table: n for table, n in job["rows_updated"].items() if n} == {
            table: n for table, n in updated.items() if n
        }
    assert result["reimport_rows_written"] == 0
    assert result["reimport_unchanged"] is True
    assert result["exported_children"] == 49
    assert result["round_trip_status"] == "done"
    assert result["round_trip"] == {
        "children_imported": 49,
        "children_rejected": 0,
        "rows_written": 0,
    }
    assert result["round_trip_unchanged"] is True


@pytest.mark.django_db
def test_scenarios_on_postgresql(tmp_path):
    check(sqlite_scenarios.run(tmp_path))


def test_the_same_scenarios_on_sqlite(tmp_path):
    script = Path(sqlite_scenarios.__file__)
    check(run_script_on_sqlite(script, tmp_path / "census.sqlite3", str(tmp_path)))
