"""Background work on Django's Tasks framework: django-tasks-db's database backend, `manage.py db_worker`."""

from __future__ import annotations

from django.tasks import task

from runs.imports import trace_import_process


@task()
def trace_import_task(import_id: int) -> None:
    """Import one queued trace; the outcome (results, or the reason it failed) is on the TraceImport."""
    trace_import_process(import_id)
