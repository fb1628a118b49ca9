"""Parsing inputs: the defaults of the cost model, query-string text, and errors that name the field."""

from decimal import Decimal as D

import pytest

from pricing.workload import FIELDS, Workload, WorkloadError, parse_workload


def test_defaults_are_the_cost_models():
    w = parse_workload({})
    assert w == Workload()
    assert (w.sessions_per_month, w.turns_per_session, w.system_prompt_tokens, w.tool_schema_tokens) == (
        10000,
        8,
        1500,
        600,
    )
    assert (w.user_message_tokens, w.assistant_reply_tokens, w.tool_call_tokens, w.tool_result_tokens) == (
        120,
        300,
        60,
        500,
    )
    assert (w.file_search_results, w.file_search_chunk_tokens, w.rag_results, w.rag_chunk_tokens) == (
        20,
        800,
        5,
        400,
    )
    assert (w.session_minutes, w.upload_retention_days, w.build_hours) == (D(10), D(7), D(40))
    assert (w.maintenance_hours_per_month, w.engineer_usd_per_hour) == (D(4), D(100))
    assert w.service_tier == "standard" and w.container_memory == "1g" and w.assistants_truncation == "auto"
    assert w.assistants_last_messages == 20 and w.history_limit_tokens is None
    assert w.prompt_caching and w.warm_prefix_across_sessions and w.keep_tool_results_in_history


def test_query_string_text():
    w = parse_workload(
        {
            "sessions_per_month": "25,000",
            "function_calls_per_turn": "0.50",
            "prompt_caching": "off",
            "keep_tool_results_in_history": "false",
            "history_limit_tokens": "",
            "service_tier": " flex ",
        }
    )
    assert w.sessions_per_month == 25000
    assert w.function_calls_per_turn == D("0.5") and str(w.function_calls_per_turn) == "0.5"
    assert w.prompt_caching is False and w.keep_tool_results_in_history is False
    assert w.history_limit_tokens is None
    assert w.service_tier == "flex"


def test_integral_json_floats_are_whole_numbers():
    assert parse_workload({"turns_per_session": 3.0}).turns_per_session == 3


def test_all_errors_at_once():
    with pytest.raises(WorkloadError) as error:
        parse_workload({"turns_per_session": "many", "rag_results": 0, "typo_field": 1})
    assert error.value.errors == {
        "typo_field": ["is not a known input."],
        "turns_per_session": ["must be a whole number."],
        "rag_results": ["must be at least 1 and at most 50."],
    }


def test_a_model_id_must_be_printable():
    with pytest.raises(WorkloadError) as error:
        parse_workload({"model": "gpt-4.1\x00"})
    assert error.value.errors == {"model": ["must be a model id from the price table."]}


def test_too_many_decimal_places():
    with pytest.raises(WorkloadError) as error:
        parse_workload({"build_hours": "1.0000000000001"})
    assert error.value.errors == {"build_hours": ["must have at most 12 decimal places."]}


def test_every_field_has_a_label_unit_help_and_group():
    for spec in FIELDS:
        assert spec.label and spec.help and spec.group, spec.name
    assert Workload().to_dict()["function_calls_per_turn"] == "1"
