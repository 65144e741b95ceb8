"""Run a script against `make run`'s embedded database: SQLite with the local settings.

Features with a PostgreSQL fast path (the census import, the cohort rule's month arithmetic,
sharing scopes) prove the SQLite path this way, in a child process, because a test process is
bound to one database backend.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_script_on_sqlite(script: Path, database: Path, *args: str) -> dict:
    """Run `script` in a child process on a fresh SQLite file; return the JSON it prints last."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "False",
    }
    completed = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])
