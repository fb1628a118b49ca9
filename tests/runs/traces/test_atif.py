"""ATIF trajectories: agent steps are calls, priced beside the cost the trajectory recorded."""

import json
from decimal import Decimal

from agentloop.tokens import count_message
from runs.models import ImportedCall, ImportStatus
from tests.runs.traces.helpers import import_file


def trajectory(session="run-1", recorded_second="0.0019"):
    def agent(step_id, at, prompt, cached, completion, cost, **extra):
        return {
            "step_id": step_id,
            "timestamp": f"2026-11-02T09:00:{at:02d}Z",
            "source": "agent",
            "message": "",
            "metrics": {
                "prompt_tokens": prompt,
                "cached_tokens": cached,
                "completion_tokens": completion,
                "cost_usd": cost,
            },
            **extra,
        }

    return {
        "schema_version": "ATIF-v1.4",
        "session_id": session,
        "agent": {"name": "mini-swe-agent", "version": "1.0", "model_name": "gpt-4.1"},
        "steps": [
            {"step_id": 1, "source": "system", "message": "You are a coding agent."},
            {"step_id": 2, "source": "user", "message": "fix the bug"},
            agent(
                3, 0, 1500, 0, 30, 0.00324,
                tool_calls=[{"tool_call_id": "c1", "function_name": "run_tests", "arguments": {}}],
                observation={"results": [{"source_call_id": "c1", "content": "1 failed"}]},
            ),
            agent(4, 10, 1800, 1408, 50, float(recorded_second)),
            {"step_id": 5, "source": "user", "message": "thanks"},
            agent(6, 30, 1900, 1792, 10, 0.001192),
        ],
        "final_metrics": {"total_cost_usd": 0.006332},
    }  # fmt: skip


def test_a_trajectory_document_priced_beside_its_recorded_cost(table, tmp_path):
    path = tmp_path / "trajectory.json"
    path.write_text(json.dumps(trajectory(), indent=2))  # pretty-printed: read item by item
    trace_import = import_file(path)
    assert trace_import.status == ImportStatus.COMPLETED
    assert (trace_import.format, trace_import.calls_count, trace_import.conversations_count) == ("atif", 3, 1)
    # gpt-4.1: (1500·2 + 30·8) + (392·2 + 1408·0.5 + 50·8) + (108·2 + 1792·0.5 + 10·8) micro-dollars
    assert trace_import.actual_cost_usd == Decimal("0.00324") + Decimal("0.001888") + Decimal("0.001192")
    assert trace_import.recorded_cost_usd == Decimal("0.006332")
    calls = ImportedCall.objects.filter(trace_import=trace_import).order_by("index")
    costs = [(call.recorded_cost_usd, call.cost_usd) for call in calls]
    differences = [
        recorded - priced for recorded, priced in costs if recorded is not None and priced is not None
    ]
    assert differences == [0, Decimal("0.000012"), 0]  # all three calls recorded and priced
    assert [(call.turn, call.round, call.tool_names) for call in calls] == [
        (1, 0, ["run_tests"]),
        (1, 1, []),
        (2, 0, []),
    ]
    inputs = trace_import.fitted_inputs
    system = count_message({"role": "system", "content": "You are a coding agent."}, "o200k_base") + 3
    assert inputs["turns_distribution"] == "fixed" and inputs["turns_per_session"] == 2
    assert inputs["system_prompt_tokens"] == system
    assert inputs["tool_schema_tokens"] == 0  # the trajectory carries no tool definitions
    assert inputs["function_calls_per_turn"] == "0.5"
    assert inputs["tool_result_tokens"] == 1800 - 1500 - 30
    assert inputs["session_minutes"] == "0.5"


def test_trajectories_as_json_lines(table, tmp_path):
    path = tmp_path / "trajectories.jsonl"
    path.write_text(json.dumps(trajectory("a")) + "\n" + json.dumps(trajectory("b", "0.001888")) + "\n")
    trace_import = import_file(path)
    assert (trace_import.calls_count, trace_import.conversations_count) == (6, 2)
    assert trace_import.fitted_inputs["turns_histogram"] == [[2, 2]]
    assert trace_import.recorded_cost_usd == Decimal("0.006332") + Decimal("0.00632")


def test_a_step_of_an_unknown_source(table, tmp_path):
    body = trajectory()
    body["steps"][2]["source"] = "robot"
    path = tmp_path / "trajectory.jsonl"
    path.write_text(json.dumps(body) + "\n")
    trace_import = import_file(path)
    assert trace_import.status == ImportStatus.FAILED
    assert trace_import.error == "line 1, steps[2].source: must be system, user or agent"


def test_a_truncated_document(table, tmp_path):
    path = tmp_path / "trajectory.json"
    text = json.dumps(trajectory(), indent=2)
    path.write_text(text[: len(text) // 2])
    trace_import = import_file(path)
    assert trace_import.status == ImportStatus.FAILED
    assert trace_import.error.endswith("the JSON document ends before it is complete (a truncated file?)")
    assert trace_import.error.startswith("line ")


def test_wrong_metric_types(table, tmp_path):
    body = trajectory()
    body["steps"][3]["metrics"]["prompt_tokens"] = "lots"
    path = tmp_path / "trajectory.json"
    path.write_text(json.dumps(body, indent=2))
    trace_import = import_file(path)
    assert trace_import.status == ImportStatus.FAILED
    assert trace_import.error.endswith(
        "steps[3].metrics.prompt_tokens: must be a whole number of tokens, not 'lots'"
    )
