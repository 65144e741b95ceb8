"""The rule gives the same answers on SQLite (`make run`) as on PostgreSQL.

SQLite gets the month arithmetic as a Python function registered on each connection
(`cohort/apps.py`), so this runs the scenarios in a child process on a fresh SQLite database.
"""

from pathlib import Path

import pytest

from tests.sqlite import run_script_on_sqlite

from . import sqlite_scenarios

EXPECTED = {
    "default": "qualifies",
    "window_leap_in": "qualifies",
    "grace_28": "qualifies",
    "history_missing": "history_missing",
    "da_factor": "qualifies",
}


@pytest.mark.django_db
def test_scenarios_on_postgresql():
    result = sqlite_scenarios.evaluate(sqlite_scenarios.build())
    assert result["outcomes"] == EXPECTED
    assert result["first"] == [4, 0, 1]
    assert result["second"] == [0, 4]


def test_the_same_scenarios_on_sqlite(tmp_path):
    result = run_script_on_sqlite(
        Path(__file__).with_name("sqlite_scenarios.py"), tmp_path / "cohort.sqlite3"
    )
    assert result["outcomes"] == EXPECTED
    assert result["first"] == [4, 0, 1]
    assert result["second"] == [0, 4]
