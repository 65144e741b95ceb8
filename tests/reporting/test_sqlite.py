"""The figures build and the measures give the same answers on SQLite (`make run`) as on
PostgreSQL (the SQL is written for both: month arithmetic through the cohort's SQLite function)."""

from pathlib import Path

import pytest

from tests.sqlite import run_script_on_sqlite

from . import sqlite_scenarios


@pytest.mark.django_db
def test_postgresql_and_sqlite_agree(tmp_path):
    on_postgresql = sqlite_scenarios.build_and_read()
    on_sqlite = run_script_on_sqlite(
        Path(__file__).with_name("sqlite_scenarios.py"), tmp_path / "reporting.sqlite3"
    )
    assert on_sqlite == on_postgresql
    # The figures themselves are worked out by hand in test_measures and test_outcomes. Here the
    # evaluation's families join the 2024-25 history and add two re-plans in the year, both
    # within 2 years: X's new plan (15 Jan 2025) and Z's (1 Oct 2024).
    assert on_postgresql["replans"]["second_or_subsequent"] == 5 + 2
    assert on_postgresql["drilled"] == 2 + 2
    assert on_postgresql["open_in_band_2"] == 2
    assert on_postgresql["outcome"] == {"cohort": [2, 1], "comparison": [3, 1]}
