"""A real background worker for end-to-end tests: `manage.py db_worker` (django-tasks-db) in a subprocess
on a SQLite file of its own, the way `make run` runs it beside the server. Tests queue work through the
database backend (`manage(env, "shell", ...)`) and read the outcome from the file.

    env = worker_env(tmp_path)                          # migrated and seeded
    with db_worker(env):
        row = wait_for_row(env, "select status from ...", (pk,), finished=lambda row: row[0] == "completed")
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def worker_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker on `tmp_path/db.sqlite3`, migrated and seeded with `sync_prices`."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_DEBUG": "0",
        **extra,
    }
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "sync_prices", "--quiet")
    return env


@contextmanager
def db_worker(env: dict[str, str]) -> Iterator[None]:
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def wait_for_row(
    env: dict[str, str],
    sql: str,
    params: tuple,
    finished: Callable[[tuple[Any, ...]], bool],
    seconds: float = 60,
) -> tuple[Any, ...] | None:
    """The row `sql` selects from the worker's database once `finished(row)`, or the last one seen."""
    database = env["DATABASE_URL"].removeprefix("sqlite:///")
    deadline = time.monotonic() + seconds
    row = None
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as connection:
            row = connection.execute(sql, params).fetchone()
        if row is not None and finished(row):
            break
        time.sleep(0.2)
    return row
