"""Production settings: refuse to start without secrets; `check --deploy` is clean."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The test process allows async-unsafe calls for Playwright; production never does.
    dropped = {"SECRET_KEY", "DATABASE_URL", "CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_no_issues_with_a_real_secret():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_per_process_cache():
    """The API throttle must count across gunicorn workers (ADR 0036)."""
    for cache in ({}, {"CACHE_URL": "locmemcache://"}):  # unset (the default), or named
        result = run_manage(
            "check",
            SECRET_KEY=secrets.token_urlsafe(64),
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
            **cache,
        )
        assert result.returncode != 0
        assert "CACHE_URL must name a shared cache" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_image_build_values_satisfy_production_settings():
    """The Dockerfile runs collectstatic under production settings at build time: the values it
    passes must get past the settings' own start-up checks (SECRET_KEY, DATABASE_URL, CACHE_URL)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    build = next(
        line for line in text.splitlines() if line.startswith("RUN") and "collectstatic" in line
    )
    assignments = dict(
        word.split("=", 1) for word in build.removeprefix("RUN").split() if "=" in word
    )
    assert {"SECRET_KEY", "DATABASE_URL", "CACHE_URL"} <= assignments.keys()
    result = run_manage("check", **assignments)
    assert result.returncode == 0, result.stderr
