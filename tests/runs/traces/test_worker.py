"""End to end on a real worker: `manage.py db_worker` (django-tasks-db) picks up a queued import.

Everything runs in subprocesses on a SQLite file of its own, the way `make run` runs the worker beside
the server: the test enqueues through the database backend and reads the outcome from the database.
"""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.runs.traces.builders import support_conversation, write_jsonl

ROOT = Path(__file__).resolve().parents[3]
QUEUE = """
from pathlib import Path
from runs.imports import trace_import_create_file, trace_import_queue
trace_import = trace_import_create_file(Path({path!r}), fmt="", keep_text=False)
trace_import_queue(trace_import)
print(trace_import.pk)
"""


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_worker_process_runs_a_queued_import(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "DJANGO_TRACE_UPLOAD_DIR": str(tmp_path / "uploads"),
        "DJANGO_DEBUG": "0",
    }
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "sync_prices", "--quiet")
    log = write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 2))
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import_id = int(manage(env, "shell", "-c", QUEUE.format(path=str(log))).strip().splitlines()[-1])
        deadline = time.monotonic() + 60
        row = None
        while time.monotonic() < deadline:
            with sqlite3.connect(database) as connection:
                row = connection.execute(
                    "select status, calls_count, conversations_count, actual_cost_usd"
                    " from runs_traceimport where id = ?",
                    (import_id,),
                ).fetchone()
            if row and row[0] in ("completed", "failed"):
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert row is not None
    assert row[:3] == ("completed", 4, 1)
    assert str(row[3]).rstrip("0") == "0.01384"  # (1300 + 1520 + 1620 + 1840)·2 + (20 + 60 + 20 + 60)·8 µ$
