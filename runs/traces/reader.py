"""Reading a trace file as a stream: JSON Lines one bounded line at a time, or one JSON document
item by item (ijson), counting bytes for the progress bar. Nothing here holds more than one record.

`trace_format_detect` tells the format from the first record: an OpenAI request/response log
(`{"request", "response"}` per line), an ATIF trajectory (`"schema_version": "ATIF-v1.x"`) or OTLP
JSON (`"resourceSpans"`), each as JSON Lines or (ATIF, OTLP) as one pretty-printed document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import BinaryIO

import ijson

from runs.traces.records import ReadProgress, TraceFormatError

# A request body with a long history or an inline image easily reaches megabytes; past this a line
# is refused rather than read into memory.
MAX_LINE_BYTES = 32 * 1024 * 1024
FORMATS = ("openai", "atif", "otel")
FORMAT_LABELS = {
    "openai": "OpenAI request/response log",
    "atif": "ATIF trajectory",
    "otel": "OpenTelemetry GenAI spans (OTLP JSON)",
    "runs": "Measured runs",
}


class CountingReader:
    """A binary stream that counts what was read (bytes and, for error messages, newlines)."""

    def __init__(self, raw: BinaryIO, progress: ReadProgress, on_progress: Callable[[], None] | None = None):
        self.raw = raw
        self.progress = progress
        self.on_progress = on_progress
        self.newlines = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self._count(chunk)
        return chunk

    def readline(self, limit: int = -1) -> bytes:
        chunk = self.raw.readline(limit)
        self._count(chunk)
        return chunk

    def _count(self, chunk: bytes) -> None:
        self.progress.bytes_read += len(chunk)
        self.newlines += chunk.count(b"\n")
        if self.on_progress is not None:
            self.on_progress()

    def rewind(self) -> None:
        self.raw.seek(0)
        self.progress.bytes_read = 0
        self.newlines = 0


def _decode(raw: bytes, line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TraceFormatError(f"not UTF-8 text (byte {exc.start + 1} of the line)", line=line) from None


def _parse_line(text: str, line: int, *, last: bool) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if last and exc.pos >= len(text.rstrip()) - 1:
            raise TraceFormatError(
                "the JSON ends before it is complete (a truncated file?)", line=line
            ) from None
        raise TraceFormatError(f"invalid JSON at column {exc.colno}: {exc.msg}", line=line) from None
    except RecursionError:
        raise TraceFormatError("JSON nested too deeply", line=line) from None


def json_lines(stream: CountingReader) -> Iterator[tuple[int, object]]:
    """(line number, parsed value) for every non-blank line; blank lines cost nothing but a count."""
    line = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        line += 1
        stream.progress.lines_read = line
        if len(raw) > MAX_LINE_BYTES:
            raise TraceFormatError(f"longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB", line=line)
        if raw.isspace():
            continue
        last = not raw.endswith(b"\n")
        yield line, _parse_line(_decode(raw, line), line, last=last)


def json_document_items(stream: CountingReader, prefix: str) -> Iterator[tuple[int, object]]:
    """Items of one JSON document at `prefix` (ijson notation, e.g. `steps.item`), with the line each
    ends near (ijson reads in chunks, so line numbers in a document are approximate)."""
    try:
        for item in ijson.items(stream, prefix, use_float=False):
            yield stream.newlines + 1, item
    except ijson.IncompleteJSONError as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid JSON"
        if "premature EOF" in message or not message:
            message = "the JSON document ends before it is complete (a truncated file?)"
        raise TraceFormatError(message, line=stream.newlines + 1) from None
    except ijson.JSONError as exc:
        raise TraceFormatError(f"invalid JSON near here: {exc}", line=stream.newlines + 1) from None


def first_value(stream: CountingReader, prefix: str) -> object | None:
    """The first value at `prefix` of a JSON document (e.g. an ATIF file's `agent`), then rewind."""
    try:
        for _, item in json_document_items(stream, prefix):
            return item
        return None
    finally:
        stream.rewind()


def _sniff_record(value: object, line: int) -> str:
    if isinstance(value, dict):
        if "request" in value and "response" in value:
            return "openai"
        if str(value.get("schema_version", "")).upper().startswith("ATIF"):
            return "atif"
        if "resourceSpans" in value:
            return "otel"
    raise TraceFormatError(
        'not a trace record: expected {"request", "response"} (OpenAI log), "schema_version": '
        '"ATIF-v1.x" (ATIF) or "resourceSpans" (OTLP JSON)',
        line=line,
    )


def _sniff_document(stream: CountingReader, line_error: TraceFormatError) -> str:
    """A pretty-printed document: its first top-level key says what it is. A file whose first key
    belongs to a one-line record (an OpenAI log) has a broken first line: that error is the answer."""
    try:
        for prefix, event, value in ijson.parse(stream):
            if prefix == "" and event == "map_key":
                if value == "resourceSpans":
                    return "otel"
                if value in ("schema_version", "session_id", "agent", "steps"):
                    return "atif"
                raise line_error
            if prefix == "" and event == "start_array":
                break
    except ijson.JSONError:
        raise line_error from None
    raise TraceFormatError("not a trace document: expected an ATIF trajectory or an OTLP JSON export", line=1)


def trace_format_detect(stream: CountingReader) -> tuple[str, bool]:
    """(format, is_json_lines) from the first non-blank line, the stream rewound afterwards."""
    try:
        for line, value in json_lines(stream):
            return _sniff_record(value, line), True
        raise TraceFormatError("the file has no records (it is empty or only blank lines)")
    except TraceFormatError as exc:
        if exc.line is None or "invalid JSON" not in exc.reason and "ends before" not in exc.reason:
            raise
        stream.rewind()
        return _sniff_document(stream, exc), False
    finally:
        stream.rewind()
