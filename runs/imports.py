"""Trace imports: create one (an uploaded file, a file on disk, measured runs), process it, delete it.

Processing reads the source as a stream (`runs.traces`), stores each call as it goes (in batches, with
the progress), then the conversations and the fitted workload. A failed import keeps nothing but the
reason: its calls are deleted and its file removed.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from pricing.catalog import today
from runs.call_rows import call_row, call_rows_insert
from runs.models import ImportedCall, ImportedConversation, ImportFormat, ImportStatus, Run, TraceImport
from runs.traces.atif import atif_calls
from runs.traces.conversations import ConversationTally, Placement
from runs.traces.digest import TrafficDigest, traffic_digest
from runs.traces.openai_log import openai_log_calls
from runs.traces.otel import otel_calls
from runs.traces.prices import PricedCall
from runs.traces.reader import CountingReader, trace_format_detect
from runs.traces.records import ReadProgress, TraceCall, TraceFormatError
from runs.traces.runs_source import run_calls

BATCH = 5000  # rows per transaction: a commit (and its sync) per batch, not per row
PROGRESS_SECONDS = 0.5
ProgressCallback = Callable[[TraceImport], None]


def upload_dir() -> Path:
    path = Path(settings.TRACE_UPLOAD_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def trace_import_create_upload(
    upload: UploadedFile, *, fmt: str, keep_text: bool, user: User | None = None
) -> TraceImport:
    """Keep the uploaded file where the worker can read it and queue its import."""
    target = upload_dir() / f"{uuid.uuid4().hex}.trace"
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return TraceImport.objects.create(
        name=(upload.name or "upload")[:300],
        format=fmt,
        keep_text=keep_text,
        file_path=str(target),
        size_bytes=target.stat().st_size,
        created_by=user,
    )


def trace_import_create_from_runs(
    run_ids: list[int], *, keep_text: bool, user: User | None = None
) -> TraceImport:
    runs = list(Run.objects.filter(pk__in=run_ids).order_by("pk").values_list("pk", flat=True))
    if not runs:
        raise TraceFormatError("pick at least one measured run", field="runs")
    label = ", ".join(f"#{pk}" for pk in runs[:10]) + ("…" if len(runs) > 10 else "")
    return TraceImport.objects.create(
        name=f"Measured runs {label}"[:300],
        format=ImportFormat.RUNS,
        keep_text=keep_text,
        source_runs=runs,
        created_by=user,
    )


def trace_import_create_file(path: Path, *, fmt: str, keep_text: bool) -> TraceImport:
    """An import of a file on this machine (the CLI): read in place, never copied."""
    if not path.is_file():
        raise TraceFormatError(f"{path} is not a file", field="file")
    return TraceImport.objects.create(
        name=path.name[:300],
        format=fmt,
        keep_text=keep_text,
        file_path=str(path),
        size_bytes=path.stat().st_size,
    )


class _Recorder:
    """Stores calls in batches and reports progress (to the database row, and to a callback)."""

    def __init__(
        self, trace_import: TraceImport, progress: ReadProgress, on_progress: ProgressCallback | None
    ):
        self.trace_import = trace_import
        self.progress = progress
        self.on_progress = on_progress
        self.rows: list[tuple] = []
        self.last_report = 0.0

    def add(self, call: TraceCall, placement: Placement, priced: PricedCall) -> None:
        self.rows.append(call_row(self.trace_import.pk, call, placement, priced))
        self.progress.calls_read += 1
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        call_rows_insert(self.rows)
        self.rows = []
        self.report(force=True)

    def report(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_report < PROGRESS_SECONDS:
            return
        self.last_report = now
        self.trace_import.bytes_read = self.progress.bytes_read
        self.trace_import.calls_read = self.progress.calls_read
        TraceImport.objects.filter(pk=self.trace_import.pk).update(
            bytes_read=self.progress.bytes_read,
            calls_read=self.progress.calls_read,
            heartbeat_at=timezone.now(),
        )
        if self.on_progress is not None:
            self.on_progress(self.trace_import)


@contextmanager
def _source(
    trace_import: TraceImport, progress: ReadProgress, recorder: _Recorder
) -> Iterator[Iterator[TraceCall]]:
    keep = trace_import.keep_text
    if trace_import.format == ImportFormat.RUNS:
        runs = Run.objects.filter(pk__in=trace_import.source_runs).order_by("pk")
        yield run_calls(runs, progress, keep_text=keep)
        return
    with Path(trace_import.file_path).open("rb") as raw:
        stream = CountingReader(raw, progress, recorder.report)
        detected, lines = trace_format_detect(stream)
        fmt = trace_import.format or detected
        if fmt != detected:
            raise TraceFormatError(f"this is an {detected} file, not {fmt}", line=1, field="format")
        trace_import.format = fmt
        if fmt == ImportFormat.OPENAI:
            if not lines:
                raise TraceFormatError("an OpenAI log has one JSON object per line", line=1)
            yield openai_log_calls(stream, keep_text=keep)
        elif fmt == ImportFormat.ATIF:
            yield atif_calls(stream, json_lines_mode=lines, keep_text=keep)
        else:
            yield otel_calls(stream, json_lines_mode=lines, keep_text=keep)


def _history_budget(trace_import: TraceImport) -> int | None:
    if trace_import.format != ImportFormat.RUNS:
        return None
    budgets = set(
        Run.objects.filter(pk__in=trace_import.source_runs).values_list("history_budget", flat=True)
    )
    return budgets.pop() if len(budgets) == 1 else None


def trace_import_process(import_id: int, on_progress: ProgressCallback | None = None) -> TraceImport | None:
    """Run one import to the end: COMPLETED with its results, or FAILED with the reason and no rows."""
    trace_import = TraceImport.objects.filter(pk=import_id).first()
    if trace_import is None or trace_import.status != ImportStatus.QUEUED:
        return trace_import  # deleted while queued, or already run
    trace_import.status = ImportStatus.RUNNING
    trace_import.started_at = trace_import.heartbeat_at = timezone.now()
    trace_import.save(update_fields=["status", "started_at", "heartbeat_at"])
    progress = ReadProgress()
    recorder = _Recorder(trace_import, progress, on_progress)
    try:
        with _source(trace_import, progress, recorder) as calls:
            digest = traffic_digest(
                calls,
                on_call=recorder.add,
                default_date=today(),
                history_budget=_history_budget(trace_import),
            )
        recorder.flush()
        _store_results(trace_import, digest, progress)
    except Exception as exc:  # noqa: BLE001 - any failure is the import's, stored with its reason
        _store_failure(trace_import, exc)
    finally:
        _remove_upload(trace_import)
    return trace_import


def _stored_key(key: str, trace_import: TraceImport) -> str:
    """A conversation id from the trace (a session id, a user's thread id) is the trace's text: kept as
    written only with the text, otherwise as a digest that still finds it (sha256 of the id)."""
    if trace_import.keep_text or trace_import.format == ImportFormat.RUNS or key.startswith("conversation "):
        return key[:500]
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _conversation_row(trace_import: TraceImport, tally: ConversationTally) -> ImportedConversation:
    return ImportedConversation(
        trace_import=trace_import,
        index=tally.index,
        key=_stored_key(tally.key, trace_import),
        turns=tally.turns,
        calls=tally.calls,
        unpriced_calls=tally.unpriced_calls,
        cost_usd=tally.cost_usd,
        recorded_cost_usd=tally.recorded_cost_usd,
        started_at=tally.started_at,
        ended_at=tally.ended_at,
    )


def _store_results(trace_import: TraceImport, digest: TrafficDigest, progress: ReadProgress) -> None:
    fitted = digest.fitted
    notes = [*progress.notes, *fitted.notes]
    notes += [f"{count} calls not priced: {problem}" for problem, count in sorted(digest.problems.items())]
    if digest.recorded_cost_usd is not None and digest.recorded_calls < digest.calls:
        notes.append(f"The trace recorded a cost for {digest.recorded_calls} of {digest.calls} calls.")
    with transaction.atomic():
        # In slices: a model instance per conversation for all of them at once is the import's
        # largest allocation (62,500 conversations in the million-call bench).
        for start in range(0, len(digest.tallies), BATCH):
            ImportedConversation.objects.bulk_create(
                [_conversation_row(trace_import, tally) for tally in digest.tallies[start : start + BATCH]],
                batch_size=500,
            )
        for name, value in {
            "status": ImportStatus.COMPLETED,
            "finished_at": timezone.now(),
            "bytes_read": progress.bytes_read,
            "calls_read": progress.calls_read,
            "calls_count": digest.calls,
            "conversations_count": digest.conversations,
            "unpriced_calls": digest.unpriced_calls,
            "actual_cost_usd": digest.actual_cost_usd,
            "recorded_cost_usd": digest.recorded_cost_usd,
            "traffic_approach": fitted.traffic_approach,
            "price_as_of": digest.price_as_of,
            "fitted_inputs": fitted.inputs,
            "derivations": [{"name": d.name, "value": d.value, "how": d.how} for d in fitted.derivations],
            "notes": notes,
        }.items():
            setattr(trace_import, name, value)
        trace_import.save(force_update=True)  # never re-create an import deleted meanwhile


def _store_failure(trace_import: TraceImport, exc: Exception) -> None:
    if isinstance(exc, TraceFormatError):
        reason = str(exc)
    else:
        import logging

        logging.getLogger(__name__).exception("import %s failed", trace_import.pk)
        reason = f"the import stopped on an unexpected error ({type(exc).__name__}: {exc})"
    trace_import_clear(trace_import)
    trace_import.status, trace_import.error, trace_import.finished_at = (
        ImportStatus.FAILED,
        reason,
        timezone.now(),
    )
    trace_import.save(update_fields=["status", "error", "finished_at", "format"])


def trace_import_clear(trace_import: TraceImport) -> None:
    """Delete everything derived from the import (one DELETE per table, however many calls)."""
    ImportedCall.objects.filter(trace_import=trace_import).delete()
    ImportedConversation.objects.filter(trace_import=trace_import).delete()


def _remove_upload(trace_import: TraceImport) -> None:
    """An uploaded file goes once it is read; a file the CLI was pointed at is the user's own."""
    if not trace_import.file_path:
        return
    path = Path(trace_import.file_path)
    if path.parent.resolve() == Path(settings.TRACE_UPLOAD_DIR).resolve():
        path.unlink(missing_ok=True)
    TraceImport.objects.filter(pk=trace_import.pk).update(file_path="")
    trace_import.file_path = ""


def trace_import_delete(trace_import: TraceImport) -> None:
    with transaction.atomic():
        trace_import_clear(trace_import)
        trace_import.delete()
    _remove_upload(trace_import)


def trace_import_queue(trace_import: TraceImport) -> None:
    """Hand the import to the background worker (`manage.py db_worker`)."""
    from runs.tasks import trace_import_task

    trace_import_task.enqueue(trace_import.pk)
