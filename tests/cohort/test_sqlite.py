"""The rule gives the same answers on SQLite (`make run`) as on PostgreSQL.

SQLite gets the month arithmetic as a Python function registered on each connection
(`cohort/apps.py`), so this runs the scenarios in a child process on a fresh SQLite database.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cohort.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
    }
    completed = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(Path(__file__).with_name("sqlite_scenarios.py"))],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["outcomes"] == EXPECTED
    assert result["first"] == [4, 0, 1]
    assert result["second"] == [0, 4]
