"""Import a file through the service the CLI and the worker use, and read back what was stored."""

from __future__ import annotations

from pathlib import Path

from runs.imports import trace_import_create_file, trace_import_process
from runs.models import TraceImport


def import_file(path: Path, fmt: str = "", keep_text: bool = False) -> TraceImport:
    trace_import = trace_import_create_file(path, fmt=fmt, keep_text=keep_text)
    trace_import_process(trace_import.pk)
    trace_import.refresh_from_db()
    return trace_import


def fitted(trace_import: TraceImport) -> dict:
    return trace_import.fitted_inputs
