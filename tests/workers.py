"""A real Celery worker in a child process (its own process group), for fault tests: it reads
the test database and a private broker, and can be killed with SIGKILL like a crashed host."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, broker_url: str, *, visibility_timeout: int = 5, log: Path | None = None):
        settings = connection.settings_dict
        database = (
            f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_BROKER_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "COHORT_RUN_RETRY_BACKOFF_SECONDS": "1",
        }
        self.log = (log or Path("/dev/null")).open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def pool_children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_child(self) -> int:
        """SIGKILL the pool process running the task (the worker itself survives)."""
        children = self.pool_children()
        assert children, "the worker has no pool process"
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def kill(self) -> None:
        """SIGKILL the whole worker: main process and pool, as a crashed host."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def wait_for(condition, seconds: float = 60, every: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
