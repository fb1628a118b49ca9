"""OpenAI request/response logs: every call priced from its usage, conversations found, workload fitted."""

from decimal import Decimal

from agentloop.tokens import count_message, count_tools
from runs.models import ImportedCall, ImportStatus
from tests.runs.traces.builders import SYSTEM, TOOLS, support_conversation, write_jsonl
from tests.runs.traces.helpers import fitted, import_file

S = count_message(SYSTEM, "o200k_base") + 3  # the instructions, and the 3 tokens priming every reply
D = count_tools(TOOLS, "o200k_base")


def test_the_tokens_the_expectations_below_rest_on():
    assert (S, D) == (18, 34)


def two_conversations(tmp_path):
    # Interleaved, no conversation ids: grouped by their messages.
    first, second = support_conversation("a", 3), support_conversation("b", 1, start_minute=10)
    return write_jsonl(tmp_path / "log.jsonl", [first[0], second[0], *first[1:], second[1]])


def test_each_call_is_priced_from_its_recorded_usage(table, tmp_path):
    trace_import = import_file(two_conversations(tmp_path))
    assert trace_import.status == ImportStatus.COMPLETED
    assert (trace_import.format, trace_import.calls_count, trace_import.conversations_count) == (
        "openai",
        8,
        2,
    )
    # gpt-4.1 on 2026-11-02: $2 input, $8 output per million; no call found a cache.
    inputs = [1300, 1520, 1620, 1840, 1940, 2160] + [1300, 1520]
    outputs = [20, 60] * 4
    by_hand = (Decimal(sum(inputs)) * 2 + Decimal(sum(outputs)) * 8) / 1_000_000
    assert trace_import.actual_cost_usd == by_hand == Decimal("0.02896")
    stored = ImportedCall.objects.filter(trace_import=trace_import).order_by("conversation", "index")
    assert [call.prompt_tokens for call in stored] == inputs
    assert [(call.conversation, call.turn, call.round) for call in stored] == [
        (1, 1, 0), (1, 1, 1), (1, 2, 0), (1, 2, 1), (1, 3, 0), (1, 3, 1), (2, 1, 0), (2, 1, 1),
    ]  # fmt: skip
    costs = [call.cost_usd for call in stored]
    assert None not in costs  # every call is priced
    assert sum(cost for cost in costs if cost is not None) == by_hand
    assert {call.text for call in stored} == {None}  # no text unless the uploader keeps it
    assert [call.tool_names for call in stored][:2] == [["lookup_order"], []]


def test_the_fitted_workload_of_two_conversations(table, tmp_path):
    inputs = fitted(import_file(two_conversations(tmp_path)))
    # Users: the first calls' input less S and D (1300 - 52, twice) and the growth at turns 2 and 3 (40 each).
    assert (2 * (1300 - S - D) + 2 * 40) / 4 == 644
    assert inputs == {
        "model": "gpt-4.1",
        "turns_distribution": "histogram",
        "turns_histogram": [[1, 1], [3, 1]],
        "tool_schema_tokens": D,
        "system_prompt_tokens": S,
        "user_message_tokens": 644,
        "assistant_reply_tokens": 60,
        "function_calls_per_turn": "1",
        "tool_call_tokens": 20,
        "tool_result_tokens": 200,  # the input growth after each round, less the call's own output
        "reasoning_tokens_per_call": 0,
        "session_minutes": "1.5",  # 2.5 and 0.5 minutes from first call to last
        "sessions_per_month": 4320,  # conversations start 600 s apart: one every 600 s for 30 days
        "warm_prefix_across_sessions": False,
        "prompt_caching": True,
        "cache_hit_rate": "0",  # nothing was cached of 9,216 cacheable tokens
    }


def test_every_fitted_input_says_how_it_was_derived(table, tmp_path):
    trace_import = import_file(two_conversations(tmp_path))
    how = {item["name"]: item["how"] for item in trace_import.derivations}
    assert set(how) == set(trace_import.fitted_inputs)
    assert how["cache_hit_rate"] == (
        "0 cached of 9,216 cacheable tokens (cost model v2: the shared prefix in 128-token steps from 1,024)"
    )
    assert how["turns_histogram"] == "conversations counted by their number of turns"


def test_conversation_ids_group_calls_whatever_their_messages(table, tmp_path):
    lines = support_conversation("a", 2) + support_conversation("b", 2)
    for line in lines:
        line["conversation_id"] = "one"
    trace_import = import_file(write_jsonl(tmp_path / "log.jsonl", lines))
    assert trace_import.conversations_count == 1
    assert trace_import.fitted_inputs["turns_distribution"] == "fixed"
    assert trace_import.fitted_inputs["turns_per_session"] == 4


def test_a_replayed_conversation_is_a_conversation_of_its_own(table, tmp_path):
    lines = support_conversation("a", 2) + support_conversation("a", 2)
    trace_import = import_file(write_jsonl(tmp_path / "log.jsonl", lines))
    assert trace_import.conversations_count == 2
    assert trace_import.fitted_inputs["turns_histogram"] == [[2, 2]]


def test_kept_text_is_stored_with_each_call(table, tmp_path):
    trace_import = import_file(two_conversations(tmp_path), keep_text=True)
    call = ImportedCall.objects.filter(trace_import=trace_import).order_by("conversation", "index").first()
    assert call is not None and call.text is not None
    assert call.text["request"]["messages"][1] == {"role": "user", "content": "a question 1"}


def responses_conversation(tag: str):
    """Two turns on the Responses API, chained by previous_response_id, 100 reasoning tokens a call: the
    turn's reasoning is carried to its later call and dropped when the next turn starts."""
    from tests.runs.traces.builders import responses_line, responses_usage

    call = [
        {"type": "reasoning", "id": f"rs_{tag}"},
        {"type": "function_call", "call_id": "c1", "name": "lookup_order", "arguments": "{}"},
    ]
    reply = [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Shipped."}]}
    ]
    result = [{"type": "function_call_output", "call_id": "c1", "output": "shipped"}]
    user = [{"role": "user", "content": "where is it?"}]
    steps = [
        (user, call, 1300, 120),
        (result, reply, 1620, 160),
        (user, call, 1620, 120),
        (result, reply, 1940, 160),
    ]
    lines = []
    for number, (items, output, prompt, completion) in enumerate(steps, start=1):
        previous = f"r{tag}{number - 1}" if number > 1 else None
        lines.append(
            responses_line(
                items,
                output,
                responses_usage(prompt, completion, 100),
                response_id=f"r{tag}{number}",
                previous=previous,
                instructions=None if previous else "Be kind.",
            )
        )
    return lines


def test_a_responses_conversation_with_reasoning(table, tmp_path):
    lines = responses_conversation("a") + responses_conversation("b")
    trace_import = import_file(
        write_jsonl(tmp_path / "log.jsonl", [lines[0], lines[4], *lines[1:4], *lines[5:]])
    )
    assert (trace_import.traffic_approach, trace_import.conversations_count) == ("responses", 2)
    inputs = trace_import.fitted_inputs
    assert inputs["turns_histogram"] == [[2, 2]]
    assert inputs["reasoning_tokens_per_call"] == 100
    assert (inputs["tool_call_tokens"], inputs["assistant_reply_tokens"]) == (20, 60)  # visible output only
    # 1620 = 1300 + 100 carried reasoning + 20 call + 200 result; the next turn drops the reasoning again.
    assert inputs["tool_result_tokens"] == 200
    system = count_message({"role": "system", "content": "Be kind."}, "o200k_base") + 3
    assert inputs["system_prompt_tokens"] == system
    assert system == 10
    assert inputs["user_message_tokens"] == (2 * (1300 - system) + 2 * 40) / 4 == 665


def test_conversation_ids_are_kept_as_written_only_with_the_text(table, tmp_path):
    import hashlib

    lines = support_conversation("a", 1)
    for line in lines:
        line["conversation_id"] = "alice@example.com"
    path = write_jsonl(tmp_path / "log.jsonl", lines)
    digest = "sha256:" + hashlib.sha256(b"alice@example.com").hexdigest()[:16]
    assert import_file(path).conversations.get().key == digest
    assert import_file(path, keep_text=True).conversations.get().key == "alice@example.com"


def test_a_first_message_far_larger_than_the_later_ones_is_noted(table, tmp_path):
    trace_import = import_file(two_conversations(tmp_path))
    assert trace_import.notes == [
        "First user messages (1,248 tokens on average) and later ones (40) differ: the estimator has one "
        "size for every turn (644), so it misprices turn 1 against the rest."
    ]
