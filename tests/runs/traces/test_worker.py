"""End to end on a real worker: `manage.py db_worker` (django-tasks-db) picks up a queued import.

Everything runs in subprocesses on a SQLite file of its own, the way `make run` runs the worker beside
the server: the test enqueues through the database backend and reads the outcome from the database.
"""

from tests.runs.traces.builders import support_conversation, write_jsonl
from tests.workers import db_worker, manage, wait_for_row, worker_env

QUEUE = """
from pathlib import Path
from runs.imports import trace_import_create_file, trace_import_queue
trace_import = trace_import_create_file(Path({path!r}), fmt="", keep_text=False)
trace_import_queue(trace_import)
print(trace_import.pk)
"""


def test_a_worker_process_runs_a_queued_import(tmp_path):
    env = worker_env(tmp_path, DJANGO_TRACE_UPLOAD_DIR=str(tmp_path / "uploads"))
    log = write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 2))
    with db_worker(env):
        import_id = int(manage(env, "shell", "-c", QUEUE.format(path=str(log))).strip().splitlines()[-1])
        row = wait_for_row(
            env,
            "select status, calls_count, conversations_count, actual_cost_usd"
            " from runs_traceimport where id = ?",
            (import_id,),
            finished=lambda row: row[0] in ("completed", "failed"),
        )
    assert row is not None
    assert row[:3] == ("completed", 4, 1)
    assert str(row[3]).rstrip("0") == "0.01384"  # (1300 + 1520 + 1620 + 1840)·2 + (20 + 60 + 20 + 60)·8 µ$
