"""OpenTelemetry GenAI spans (OTLP JSON): chat spans are calls, execute_tool spans their tool rounds."""

import json
from decimal import Decimal

from runs.models import ImportedCall, ImportStatus
from tests.runs.traces.helpers import import_file

NANOS = 1_793_613_600 * 10**9  # 2026-11-02 10:00:00 UTC


def attribute(key, value):
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": item} for item in value]}}}
    return {"key": key, "value": {"stringValue": value}}


def span(trace, name, start_s, end_s, **attributes):
    return {
        "traceId": trace,
        "spanId": f"{trace}{start_s}",
        "name": name,
        "startTimeUnixNano": str(NANOS + int(start_s * 1e9)),
        "endTimeUnixNano": str(NANOS + int(end_s * 1e9)),
        "attributes": [attribute(key.replace("__", "."), value) for key, value in attributes.items()],
    }


def chat(trace, start, input_tokens, output_tokens, cached=0, conversation=None, **extra):
    attributes = {
        "gen_ai__operation__name": "chat",
        "gen_ai__provider__name": "openai",
        "gen_ai__request__model": "gpt-4.1",
        "gen_ai__usage__input_tokens": input_tokens,
        "gen_ai__usage__output_tokens": output_tokens,
        "gen_ai__usage__cache_read__input_tokens": cached,
        **extra,
    }
    if conversation:
        attributes["gen_ai__conversation__id"] = conversation
    return span(trace, "chat gpt-4.1", start, start + 1, **attributes)


def spans():
    return [
        chat("t1", 2, 1300, 40, cached=1152, conversation="c1"),  # exported before the call it follows
        span("t1", "execute_tool get_weather", 1.5, 1.8,
             gen_ai__operation__name="execute_tool", gen_ai__tool__name="get_weather"),
        chat("t1", 0, 1200, 25, conversation="c1", gen_ai__response__finish_reasons=["tool_calls"]),
        chat("t2", 300, 1100, 30),
        # Usage summed on the agent span is not another call; another provider's call has no OpenAI price.
        span("t2", "invoke_agent", 299, 302,
             gen_ai__operation__name="invoke_agent", gen_ai__usage__input_tokens=1100),
        span("t3", "chat claude", 0, 1, gen_ai__operation__name="chat", gen_ai__provider__name="anthropic",
             gen_ai__request__model="claude", gen_ai__usage__input_tokens=5),
    ]  # fmt: skip


def export(items):
    return {
        "resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "x"}, "spans": items}]}
        ]
    }


def test_spans_become_calls_in_time_order_with_their_tools(table, tmp_path):
    path = tmp_path / "spans.json"
    path.write_text(json.dumps(export(spans()), indent=2))
    trace_import = import_file(path)
    assert trace_import.status == ImportStatus.COMPLETED
    assert (trace_import.format, trace_import.calls_count, trace_import.conversations_count) == ("otel", 3, 2)
    calls = ImportedCall.objects.filter(trace_import=trace_import).order_by("conversation", "index")
    assert [
        (call.conversation, call.turn, call.round, call.prompt_tokens, call.tool_names) for call in calls
    ] == [
        (1, 1, 0, 1200, ["get_weather"]),
        (1, 1, 1, 1300, []),
        (2, 1, 0, 1100, []),
    ]
    # gpt-4.1: (1200·2 + 25·8) + (148·2 + 1152·0.5 + 40·8) + (1100·2 + 30·8) micro-dollars
    assert trace_import.actual_cost_usd == Decimal("0.006232")
    assert [call.latency_ms for call in calls] == [1000.0, 1000.0, 1000.0]
    assert "1 spans of other providers than OpenAI were skipped (no OpenAI prices)." in trace_import.notes
    inputs = trace_import.fitted_inputs
    assert inputs["turns_histogram"] == [[1, 2]]
    assert inputs["tool_result_tokens"] == 1300 - 1200 - 25
    assert inputs["function_calls_per_turn"] == "0.5"


def test_spans_as_json_lines_of_exports(table, tmp_path):
    items = spans()
    path = tmp_path / "spans.jsonl"
    path.write_text(json.dumps(export(items[:3])) + "\n" + json.dumps(export(items[3:])) + "\n")
    trace_import = import_file(path)
    assert (trace_import.calls_count, trace_import.conversations_count) == (3, 2)
    assert trace_import.actual_cost_usd == Decimal("0.006232")


def test_a_span_with_a_wrong_usage_type(table, tmp_path):
    items = [chat("t1", 0, 1200, 25)]
    items[0]["attributes"][3] = {"key": "gen_ai.usage.input_tokens", "value": {"stringValue": "twelve"}}
    path = tmp_path / "spans.jsonl"
    path.write_text(json.dumps(export(items)) + "\n")
    trace_import = import_file(path)
    assert trace_import.status == ImportStatus.FAILED
    assert (
        trace_import.error
        == "line 1, gen_ai.usage.input_tokens: must be a whole number of tokens, not 'twelve'"
    )
