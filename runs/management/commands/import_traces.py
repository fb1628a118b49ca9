"""Import a trace file (OpenAI request/response log, ATIF, OTLP JSON) of any size, streamed from disk."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from runs.import_results import trace_import_summary
from runs.imports import (
    trace_import_clear,
    trace_import_create_file,
    trace_import_create_from_runs,
    trace_import_process,
)
from runs.models import ImportFormat, ImportStatus, TraceImport
from runs.traces.records import TraceFormatError

FORMATS = [choice for choice in ImportFormat.values if choice and choice != ImportFormat.RUNS]


class Command(BaseCommand):
    help = (
        "Import agent traffic: price every call from its recorded usage, fit the estimator's inputs and "
        "estimate them three ways. The file is read as a stream (memory stays bounded); progress goes to "
        "standard error. The import is stored and shown at /runs/imports/<id>/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the trace file")
        parser.add_argument(
            "--runs",
            nargs="+",
            type=int,
            metavar="RUN_ID",
            help="import measured runs (/runs/) instead of a file",
        )
        parser.add_argument("--format", choices=FORMATS, help="skip detection: " + ", ".join(FORMATS))
        parser.add_argument(
            "--keep-text", action="store_true", help="keep message text for the call inspector"
        )
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["file"]) == bool(options["runs"]):
            raise CommandError("give a trace file or --runs RUN_ID …, not both")
        try:
            if options["runs"]:
                trace_import = trace_import_create_from_runs(options["runs"], keep_text=options["keep_text"])
            else:
                trace_import = trace_import_create_file(
                    Path(options["file"]), fmt=options["format"] or "", keep_text=options["keep_text"]
                )
        except TraceFormatError as exc:
            raise CommandError(str(exc)) from None
        try:
            trace_import_process(trace_import.pk, on_progress=self._progress)
        except KeyboardInterrupt:
            trace_import_clear(trace_import)
            TraceImport.objects.filter(pk=trace_import.pk).update(
                status=ImportStatus.FAILED, error="interrupted"
            )
            raise CommandError("interrupted: nothing was kept") from None
        sys.stderr.write("\n")
        trace_import.refresh_from_db()
        if trace_import.status == ImportStatus.FAILED:
            raise CommandError(f"{options['file'] or 'runs'}: {trace_import.error}")
        summary = trace_import_summary(trace_import)
        if options["json"]:
            keys = (
                "calls",
                "conversations",
                "actual_cost_usd",
                "recorded_cost_usd",
                "fitted_inputs",
                "estimate",
            )
            self.stdout.write(json.dumps({key: summary[key] for key in keys} | summary, indent=2))
            return
        self._print(trace_import, summary)

    @staticmethod
    def _progress(trace_import: TraceImport) -> None:
        percent = (
            f"{100 * trace_import.bytes_read / trace_import.size_bytes:5.1f}%"
            if trace_import.size_bytes
            else ""
        )
        sys.stderr.write(
            f"\r{percent} {trace_import.bytes_read / 1e6:,.1f} MB read, {trace_import.calls_read:,} calls   "
        )
        sys.stderr.flush()

    def _print(self, trace_import: TraceImport, summary: dict[str, Any]) -> None:
        write = self.stdout.write
        write(f"Import #{trace_import.pk}: {trace_import.name} ({trace_import.get_format_display()})")
        write(f"  {summary['calls']:,} calls in {summary['conversations']:,} conversation(s)")
        write(f"  actual cost {summary['actual_cost_usd']} USD at the prices of each call's date")
        if summary["recorded_cost_usd"] is not None:
            write(f"  the trace recorded {summary['recorded_cost_usd']} USD")
        for note in summary["notes"]:
            write(f"  note: {note}")
        write("  fitted inputs:")
        for derivation in summary["derivations"]:
            write(f"    {derivation['name']} = {derivation['value']}  ({derivation['how']})")
        estimate = summary["estimate"]
        if estimate is None:
            write(f"  estimate: not available ({summary['estimate_errors']})")
        else:
            for key, approach in estimate["approaches"].items():
                mark = "  <- how the traffic ran" if key == summary["traffic_approach"] else ""
                write(
                    f"  {key}: {Decimal(approach['per_session_usd']):.6f} USD per conversation, "
                    f"{Decimal(approach['per_month_usd']):,.2f} a month{mark}"
                )
            if summary["relative_error"] is not None:
                write(f"  estimate vs actual: {float(summary['relative_error']) * 100:+.2f}%")
        write(f"  see /runs/imports/{trace_import.pk}/")
