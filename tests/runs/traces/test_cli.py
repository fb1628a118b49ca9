"""`manage.py import_traces FILE [--format F] [--json]`: stored like an upload, printed as one object."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from runs.models import TraceImport
from tests.runs.traces.builders import support_conversation, write_jsonl


def test_json_prints_the_import_as_one_object(table, tmp_path):
    path = write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 2) + support_conversation("b", 1))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_traces", str(path), "--json", stdout=out, stderr=err)
    body = json.loads(out.getvalue())
    assert list(body)[:6] == [
        "calls",
        "conversations",
        "actual_cost_usd",
        "recorded_cost_usd",
        "fitted_inputs",
        "estimate",
    ]
    assert (body["calls"], body["conversations"], body["actual_cost_usd"], body["recorded_cost_usd"]) == (
        6,
        2,
        "0.02012",
        None,
    )
    assert body["fitted_inputs"]["turns_histogram"] == [[1, 1], [2, 1]]
    assert TraceImport.objects.get().pk == body["id"]
    assert (tmp_path / "log.jsonl").exists()  # the user's own file stays where it was


def test_progress_goes_to_standard_error(table, tmp_path, capsys):
    path = write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 1))
    call_command("import_traces", str(path), stdout=io.StringIO())
    assert "100.0%" in capsys.readouterr().err


def test_the_text_report(table, tmp_path):
    path = write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 1))
    out = io.StringIO()
    call_command("import_traces", str(path), stdout=out)
    text = out.getvalue()
    assert "2 calls in 1 conversation(s)" in text
    assert "actual cost 0.00628 USD at the prices of each call's date" in text
    assert "    turns_per_session = 1  (the turns of the only conversation)" in text


def test_a_broken_file_is_an_error_naming_the_line_and_field(table, tmp_path):
    lines = support_conversation("a", 1)
    lines[1]["response"]["usage"]["prompt_tokens"] = None
    lines[1]["response"]["usage"].pop("prompt_tokens")
    path = write_jsonl(tmp_path / "log.jsonl", lines)
    with pytest.raises(CommandError, match=r"log\.jsonl: line 2, response\.usage: has neither prompt_tokens"):
        call_command("import_traces", str(path), stdout=io.StringIO())


def test_the_wrong_format_is_named(table, tmp_path):
    path = write_jsonl(tmp_path / "log.jsonl", support_conversation("a", 1))
    with pytest.raises(CommandError, match="line 1, format: this is an openai file, not atif"):
        call_command("import_traces", str(path), "--format", "atif", stdout=io.StringIO())


def test_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="file: .* is not a file"):
        call_command("import_traces", str(tmp_path / "nope.jsonl"))


def test_measured_runs_from_the_cli(price_table):
    from runs.services import run_measure
    from tests.runs.conftest import AS_OF

    runs = [run_measure("support_agent", offline=True, as_of=AS_OF) for _ in range(2)]
    out = io.StringIO()
    call_command(
        "import_traces", "--runs", *[str(run.pk) for run in runs], "--json", stdout=out, stderr=io.StringIO()
    )
    body = json.loads(out.getvalue())
    assert (body["calls"], body["conversations"], body["format"]) == (16, 2, "runs")
    assert body["actual_cost_usd"] == "0.028312"  # 2 × 0.014156, as measured
    assert body["fitted_inputs"]["turns_histogram"] == [[4, 2]]
    assert body["estimate"]["approaches"]["chat_completions"]["per_session_usd"] == "0.014184"


def test_a_file_or_runs_not_both(db, tmp_path):
    with pytest.raises(CommandError, match="give a trace file or --runs RUN_ID …, not both"):
        call_command("import_traces")
