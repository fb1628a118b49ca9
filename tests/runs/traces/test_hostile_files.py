"""Broken and hostile files: a clear error naming the line and field, nothing half-made, bounded memory."""

import json
import tracemalloc

import pytest

from runs.models import ImportedCall, ImportedConversation, ImportStatus
from tests.runs.traces.builders import chat_line, chat_usage, support_conversation, text_reply, write_jsonl
from tests.runs.traces.helpers import import_file


def failed_with(trace_import) -> str:
    assert trace_import.status == ImportStatus.FAILED
    assert not ImportedCall.objects.filter(trace_import=trace_import).exists()
    assert not ImportedConversation.objects.filter(trace_import=trace_import).exists()
    return trace_import.error


def test_a_truncated_last_line(table, tmp_path):
    path = write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 2))
    path.write_bytes(path.read_bytes()[:-40])
    assert failed_with(import_file(path)) == "line 4: the JSON ends before it is complete (a truncated file?)"


def test_invalid_json_in_the_middle(table, tmp_path):
    path = write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 2))
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"request"', "request", 1)
    path.write_text("\n".join(lines) + "\n")
    assert (
        failed_with(import_file(path))
        == "line 2: invalid JSON at column 2: Expecting property name enclosed in double quotes"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda line: line["response"]["usage"].update(prompt_tokens="many"),
            "line 1, response.usage.prompt_tokens: must be a whole number of tokens, not 'many'",
        ),
        (
            lambda line: line["response"]["usage"].update(prompt_tokens=-5),
            "line 1, response.usage.prompt_tokens: must be a whole number of tokens from 0 to 1e9, not -5",
        ),
        (
            lambda line: line["response"]["usage"].update(completion_tokens=[1]),
            "line 1, response.usage.completion_tokens: must be a whole number of tokens, not a list",
        ),
        (
            lambda line: line["response"].update(usage=None),
            "line 1, response.usage: must be an object, not null",
        ),
        (lambda line: line.update(request="hello"), "line 1, request: must be an object, not a string"),
        (
            lambda line: line["request"].update(model=7),
            "line 1, request.model: must be a non-empty string, not a number",
        ),
        (lambda line: line["request"].update(messages={}), "line 1, request.messages: must be a list"),
        (
            lambda line: line.update(timestamp="yesterday"),
            "line 1, timestamp: must be an ISO 8601 date-time or Unix seconds, not 'yesterday'",
        ),
        (
            lambda line: line["response"]["usage"]["prompt_tokens_details"].update(cached_tokens=10**6),
            "line 1, response.usage.prompt_tokens: cached and written tokens exceed the input tokens",
        ),
    ],
)
def test_wrong_types_name_the_line_and_field(table, tmp_path, change, message):
    line = support_conversation("a", 1)[0]
    change(line)
    assert failed_with(import_file(write_jsonl(tmp_path / "log.jsonl", [line]))) == message


def test_a_wrong_record_later_in_the_file_keeps_nothing(table, tmp_path):
    lines = support_conversation("a", 3)
    lines[-1]["response"]["usage"]["completion_tokens"] = "x"
    assert failed_with(import_file(write_jsonl(tmp_path / "log.jsonl", lines))).startswith(
        "line 6, response.usage.completion_tokens:"
    )


def test_a_record_of_no_known_format(table, tmp_path):
    path = write_jsonl(tmp_path / "log.jsonl", [{"hello": "world"}])
    assert failed_with(import_file(path)).startswith("line 1: not a trace record: expected")


def test_not_utf8(table, tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"request": "\xff"}\n')
    assert failed_with(import_file(path)) == "line 1: not UTF-8 text (byte 14 of the line)"


def test_a_million_empty_lines_before_one_call(table, tmp_path):
    path = tmp_path / "log.jsonl"
    with path.open("w") as handle:
        handle.write("\n" * 1_000_000)
        handle.write(json.dumps(support_conversation("a", 1)[0]) + "\n")
    trace_import = import_file(path)
    assert trace_import.status == ImportStatus.COMPLETED
    assert ImportedCall.objects.get(trace_import=trace_import).line == 1_000_001


def test_only_empty_lines(table, tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text("\n" * 1_000_000)
    assert failed_with(import_file(path)) == "the file has no records (it is empty or only blank lines)"


def test_five_megabyte_lines_import_in_bounded_memory(table, tmp_path):
    big = "x" * (5 * 1024 * 1024)
    lines = [
        chat_line(
            [{"role": "user", "content": big}],
            text_reply("ok"),
            chat_usage(1_300_000, 2),
            conversation_id=str(n),
        )
        for n in range(4)
    ]
    path = write_jsonl(tmp_path / "log.jsonl", lines)
    tracemalloc.start()
    trace_import = import_file(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert trace_import.status == ImportStatus.COMPLETED
    assert trace_import.calls_count == 4
    assert path.stat().st_size > 20 * 1024 * 1024
    assert peak < 60 * 1024 * 1024  # a few lines' worth, never the whole file


def test_a_line_over_the_limit_is_refused(table, tmp_path, monkeypatch):
    monkeypatch.setattr("runs.traces.reader.MAX_LINE_BYTES", 1024 * 1024)
    line = chat_line(
        [{"role": "user", "content": "x" * (2 * 1024 * 1024)}], text_reply("ok"), chat_usage(10, 2)
    )
    assert (
        failed_with(import_file(write_jsonl(tmp_path / "log.jsonl", [line]))) == "line 1: longer than 1 MiB"
    )


def test_a_calls_model_the_price_table_lacks_is_kept_unpriced(table, tmp_path):
    lines = support_conversation("a", 1)
    lines[0]["request"]["model"] = "gpt-4.1-2025-04-14"  # a snapshot: priced as gpt-4.1
    lines[1]["request"]["model"] = "made-up-model"
    trace_import = import_file(write_jsonl(tmp_path / "log.jsonl", lines))
    assert trace_import.status == ImportStatus.COMPLETED
    assert trace_import.unpriced_calls == 1
    assert trace_import.actual_cost_usd == (1300 * 2 + 20 * 8) / __import__("decimal").Decimal(1_000_000)
    assert (
        "1 calls not priced: Unknown model 'made-up-model': pick one from /api/prices." in trace_import.notes
    )


def test_failed_calls_in_the_log_are_left_out_and_counted(table, tmp_path):
    lines = support_conversation("a", 1)
    failed = {"request": lines[0]["request"], "response": {"error": {"message": "Rate limit", "code": "429"}}}
    trace_import = import_file(write_jsonl(tmp_path / "log.jsonl", [failed, *lines]))
    assert (trace_import.status, trace_import.calls_count) == (ImportStatus.COMPLETED, 2)
    assert "1 logged calls failed (an error, no usage): left out." in trace_import.notes
