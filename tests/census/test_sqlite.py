"""The census import and export give the same results on SQLite (`make run`) as on PostgreSQL.

The importer writes with `INSERT ... ON CONFLICT ... RETURNING` on both (ADR 0010); only how the
statement is sent differs. The scenarios run on the test's PostgreSQL database, then in a child
process on a fresh SQLite database, and the two must agree row for row and count for count.
"""

from pathlib import Path

import pytest

from tests.sqlite import run_script_on_sqlite

from . import sqlite_scenarios


def sane(result):
    assert result["rows"]["Person"] > 60
    assert result["rows"]["CPPlan"] > 50
    assert "StepDown" not in result["rows"] or result["rows"]["StepDown"] == 0  # computed
    assert result["spanning_plans"] == result["open_at_2024_year_end"] > 0
    assert result["closed_by_2025_return"] == result["spanning_plans"]
    created = [sum(job["rows_created"].values()) for job in result["imports"]]
    assert sum(created) == sum(result["rows"].values())
    assert result["reimport_rows_written"] == 0
    assert result["reimport_unchanged"] is True
    assert result["round_trip_status"] == "finished"
    assert result["round_trip"]["rows_written"] == 0
    assert result["round_trip"]["children_held_back"] == 0
    assert result["round_trip_unchanged"] is True


@pytest.mark.django_db
def test_the_same_scenarios_on_sqlite_as_on_postgresql(tmp_path):
    (tmp_path / "pg").mkdir()
    (tmp_path / "lite").mkdir()
    on_postgresql = sqlite_scenarios.run(tmp_path / "pg")
    sane(on_postgresql)
    script = Path(sqlite_scenarios.__file__)
    on_sqlite = run_script_on_sqlite(script, tmp_path / "census.sqlite3", str(tmp_path / "lite"))
    sane(on_sqlite)
    for key in ("rows", "imports", "exported_children", "round_trip"):
        assert on_sqlite[key] == on_postgresql[key], key
