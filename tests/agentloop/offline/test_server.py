"""The offline server through the openai SDK: script replay, OpenAI's usage, streaming, faults, 400s."""

import socket
import struct
import threading
from typing import Any

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from agentloop.loop import Agent
from agentloop.offline import OfflineServer, bundled_scripts, free_port, parse_script
from agentloop.tokens import count_request
from tests.agentloop.conftest import offline_client

SUPPORT = bundled_scripts()[0]


def support_messages(*extra: ChatCompletionMessageParam) -> list[ChatCompletionMessageParam]:
    return [
        {"role": "system", "content": SUPPORT.system},
        {"role": "user", "content": SUPPORT.turns[0].user},
        *extra,
    ]


def test_the_server_listens_on_localhost_only(fake_server):
    assert fake_server.httpd.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize(
    ("body", "header", "message", "param"),
    [
        (
            {"model": "gpt-4.1", "messages": "hi"},
            None,
            "messages: a non-empty list of messages is required",
            "messages",
        ),
        ({"messages": [{"role": "user", "content": "hi"}]}, None, "model: a model id is required", "model"),
        (
            {"model": "m", "messages": [{"content": "hi"}]},
            None,
            "messages[0]: must be an object with a role",
            "messages[0]",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
            "explode",
            "x-fake-fault must be one of 429, 500, drop, malformed_args, optionally ':N'",
            "x-fake-fault",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": "hi"}], "n": 0},
            None,
            "n: must be a whole number from 1 to 128",
            "n",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 0},
            None,
            "max_completion_tokens: must be a whole number of tokens, at least 1",
            "max_completion_tokens",
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream_options": {}},
            None,
            "stream_options: only allowed when stream is true",
            "stream_options",
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": "hi"}],
                "tool_choice": {"type": "function", "function": {"name": "nope"}},
            },
            None,
            "tool_choice: 'nope' is not one of the request's tools",
            "tool_choice",
        ),
    ],
)
def test_bad_requests_are_400_naming_the_field(fake_server, body, header, message, param):
    headers = {"x-fake-fault": header} if header else {}
    response = httpx2.post(f"{fake_server.base_url}/chat/completions", json=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": message,
        "type": "invalid_request_error",
        "param": param,
        "code": None,
    }


def run_support(server, turns=4, on_text=None, **client_options):
    client = offline_client(server, **client_options)
    agent = Agent(client, "gpt-4.1", system=SUPPORT.system, tools=SUPPORT.registry(), max_retries=2)
    for turn in SUPPORT.turns[:turns]:
        agent.send(turn.user, on_text=on_text)
    return agent


# (prompt, cached, completion) per call. Each call reads the previous prompt as its cached prefix up to
# the reply's priming (`<|im_start|>assistant` matches the next assistant message, `<|im_sep|>` does not
# match ` to=functions.`), in whole 128-token steps: 1203 - 1 -> 1152, 1412 - 1 -> 1408, ...
CLEAN_USAGE = [
    (1203, 0, 14),
    (1412, 1152, 95),
    (1543, 1408, 16),
    (1733, 1536, 84),
    (1839, 1664, 32),
    (2026, 1792, 70),
    (2118, 1920, 16),
    (2308, 2048, 57),
]


def usage_of(agent):
    return [(c.usage.prompt_tokens, c.usage.cached_tokens, c.usage.completion_tokens) for c in agent.calls]


def test_a_clean_run_of_the_support_script(fake_server):
    agent = run_support(fake_server)
    assert usage_of(agent) == CLEAN_USAGE
    assert [c.retries_taken for c in agent.calls] == [0] * 8
    assert [c.request_id for c in agent.calls] == [f"req_fake_{n}" for n in range(1, 9)]
    assert agent.turns_completed == 4
    # Every prompt is what the counter says OpenAI bills for the request the loop sent.
    first = {"messages": support_messages(), "tools": SUPPORT.tool_definitions()}
    assert count_request("chat_completions", "gpt-4.1", first).prompt_tokens == 1203


def test_a_streamed_run_has_the_same_usage_and_the_text_arrives_in_pieces(fake_server):
    pieces: list[str] = []
    agent = run_support(fake_server, on_text=pieces.append)
    assert usage_of(agent) == CLEAN_USAGE
    assert [c.reply for c in agent.calls if not c.tool_calls] == [t.reply for t in SUPPORT.turns]
    assert "".join(pieces) == "".join(t.reply for t in SUPPORT.turns)
    assert len(pieces) > 4 * 10  # a few words per chunk, not one chunk per reply
    assert [c.finish_reason for c in agent.calls] == ["tool_calls", "stop"] * 4


@pytest.mark.parametrize("fault", ["429", "500"])
def test_status_faults_are_retried_by_the_sdk_and_change_nothing_else(fake_server, fault):
    agent = run_support(fake_server, default_headers={"x-fake-fault": fault})
    assert usage_of(agent) == CLEAN_USAGE
    assert [c.retries_taken for c in agent.calls] == [1] * 8
    # Each call's id is the successful attempt's: the failed attempts took the ids in between.
    assert [c.request_id for c in agent.calls] == [f"req_fake_{n}" for n in range(2, 17, 2)]


def test_a_dropped_connection_is_retried_by_the_sdk(fake_server):
    agent = run_support(fake_server, turns=1, default_headers={"x-fake-fault": "drop"})
    assert usage_of(agent) == CLEAN_USAGE[:2]
    assert [c.retries_taken for c in agent.calls] == [1, 1]


def test_malformed_tool_arguments_go_back_to_the_model_and_the_turn_still_ends(fake_server):
    agent = run_support(fake_server, turns=1, default_headers={"x-fake-fault": "malformed_args"})
    first, second = agent.calls
    [tool_call] = first.tool_calls
    assert tool_call.arguments == '{"order_id":"BL-104233"'
    assert tool_call.result is None
    assert tool_call.error == "arguments are not valid JSON (Expecting ',' delimiter at 23)"
    assert (
        agent.history.messages[3]["content"]
        == "error: arguments are not valid JSON (Expecting ',' delimiter at 23)"
    )
    assert second.reply == SUPPORT.turns[0].reply
    assert agent.turns_completed == 1


def test_a_fault_that_outlasts_the_retries_is_raised_and_recorded(fake_server):
    client = offline_client(fake_server, default_headers={"x-fake-fault": "429:3"})
    agent = Agent(client, "gpt-4.1", system=SUPPORT.system, tools=SUPPORT.registry(), max_retries=2)
    with pytest.raises(openai.RateLimitError):
        agent.send(SUPPORT.turns[0].user)
    [call] = agent.calls
    assert call.error == "RateLimitError: Error code: 429 - Rate limit reached (injected)"
    assert call.request_id == "req_fake_3"


def test_a_stream_with_include_usage_ends_with_a_usage_chunk(fake_server):
    client = offline_client(fake_server)
    stream = client.chat.completions.create(
        model="gpt-4.1",
        messages=support_messages(),
        tools=SUPPORT.tool_definitions(),
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert [c.usage for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    *deltas, last = chunks
    assert last.choices == []
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (1203, 14)
    assert deltas[0].choices[0].delta.role == "assistant"
    head = deltas[1].choices[0].delta.tool_calls[0]
    assert (head.id, head.function.name, head.function.arguments) == ("call_1_1_1", "lookup_order", "")
    pieces = [d.choices[0].delta.tool_calls[0].function.arguments for d in deltas[2:-1]]
    assert "".join(piece for piece in pieces if piece is not None) == '{"order_id":"BL-104233"}'
    assert None not in pieces
    assert deltas[-1].choices[0].finish_reason == "tool_calls"
    assert {c.system_fingerprint for c in chunks} == {deltas[0].system_fingerprint}
    assert {c.service_tier for c in chunks} == {"default"}


def test_a_stream_without_include_usage_carries_no_usage(fake_server):
    client = offline_client(fake_server)
    chunks = list(
        client.chat.completions.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "hi"}], stream=True
        )
    )
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


PARALLEL = parse_script(
    {
        "name": "parallel",
        "model": "gpt-4.1",
        "system": "You check the weather.",
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                },
                "result": "sunny",
            }
        ],
        "turns": [
            {
                "user": "Paris and Rome?",
                "tool_calls": [
                    [{"name": "get_weather", "arguments": {"city": c}} for c in ("Paris", "Rome")]
                ],
                "reply": "Sunny in both.",
            }
        ],
    }
)


@pytest.fixture
def parallel_server():
    with OfflineServer([PARALLEL], port=free_port()) as server:
        yield server


def weather_request(**options) -> dict[str, Any]:
    return {
        "model": "gpt-4.1",
        "messages": [
            {"role": "system", "content": PARALLEL.system},
            {"role": "user", "content": "Paris and Rome?"},
        ],
        "tools": PARALLEL.tool_definitions(),
        **options,
    }


def test_a_parallel_round_comes_in_one_response_unless_parallel_tool_calls_is_false(parallel_server):
    client = offline_client(parallel_server)
    both = client.chat.completions.create(**weather_request()).choices[0].message.tool_calls
    assert [c.function.arguments for c in both] == ['{"city":"Paris"}', '{"city":"Rome"}']
    one = client.chat.completions.create(**weather_request(parallel_tool_calls=False)).choices[0].message
    assert [c.function.arguments for c in one.tool_calls] == ['{"city":"Paris"}']
    answered = weather_request(parallel_tool_calls=False)
    answered["messages"] += [
        one.model_dump(include={"role", "content", "tool_calls"}),
        {"role": "tool", "tool_call_id": one.tool_calls[0].id, "content": "sunny"},
    ]
    then = client.chat.completions.create(**answered).choices[0].message
    assert [c.function.arguments for c in then.tool_calls] == ['{"city":"Rome"}']


def test_tool_choice_none_forced_and_required(parallel_server):
    client = offline_client(parallel_server)
    none = client.chat.completions.create(**weather_request(tool_choice="none")).choices[0]
    assert (none.finish_reason, none.message.content, none.message.tool_calls) == (
        "stop",
        "Sunny in both.",
        None,
    )
    forced = weather_request(tool_choice={"type": "function", "function": {"name": "get_weather"}})
    [call] = client.chat.completions.create(**forced).choices[0].message.tool_calls
    assert (call.function.name, call.function.arguments) == ("get_weather", '{"city":"Paris"}')
    # Nothing scripted is left to call, but `required` must still call a tool: the first one, no arguments.
    done = weather_request(tool_choice="required")
    done["messages"] = [done["messages"][0], {"role": "user", "content": "something unscripted"}]
    [call] = client.chat.completions.create(**done).choices[0].message.tool_calls
    assert (call.function.name, call.function.arguments) == ("get_weather", "{}")


def test_max_completion_tokens_cuts_the_reply_with_finish_reason_length(fake_server):
    client = offline_client(fake_server)
    cut = client.chat.completions.create(
        model="gpt-4.1", messages=support_messages(), max_completion_tokens=5
    )  # no tools in this request: the script's reply, cut after 5 tokens
    choice = cut.choices[0]
    assert choice.finish_reason == "length"
    assert cut.usage.completion_tokens == 5
    content = choice.message.content
    assert content is not None
    assert SUPPORT.turns[0].reply.startswith(content)
    assert 0 < len(content) < len(SUPPORT.turns[0].reply)


def test_n_choices_are_each_billed(fake_server):
    client = offline_client(fake_server)
    one = client.chat.completions.create(model="gpt-4.1", messages=support_messages())
    three = client.chat.completions.create(model="gpt-4.1", messages=support_messages(), n=3)
    assert [c.index for c in three.choices] == [0, 1, 2]
    assert {c.message.content for c in three.choices} == {SUPPORT.turns[0].reply}
    assert three.usage.completion_tokens == 3 * one.usage.completion_tokens == 3 * 95
    assert three.usage.prompt_tokens == one.usage.prompt_tokens


def test_reasoning_models_report_reasoning_tokens_by_effort(fake_server):
    client = offline_client(fake_server)

    def reasoning(**options) -> tuple[int, int]:
        usage = client.chat.completions.create(messages=support_messages(), **options).usage
        return usage.completion_tokens_details.reasoning_tokens, usage.completion_tokens

    assert reasoning(model="gpt-4.1") == (0, 95)
    assert reasoning(model="gpt-5") == (192, 192 + 95)  # medium, the default effort
    assert reasoning(model="gpt-5", reasoning_effort="low") == (64, 64 + 95)
    assert reasoning(model="o4-mini", reasoning_effort="high") == (768, 768 + 95)
    # Reasoning counts against max_completion_tokens: all of it, and nothing is left for the reply.
    cut = client.chat.completions.create(
        model="gpt-5", messages=support_messages(), max_completion_tokens=100
    )
    assert (cut.choices[0].finish_reason, cut.choices[0].message.content) == ("length", "")
    assert cut.usage.completion_tokens_details.reasoning_tokens == cut.usage.completion_tokens == 100


def test_a_script_sets_the_reasoning_of_its_turns():
    script = parse_script({**PARALLEL_DATA, "turns": [{**PARALLEL_DATA["turns"][0], "reasoning_tokens": 40}]})
    with OfflineServer([script], port=free_port()) as server:
        usage = offline_client(server).chat.completions.create(**weather_request(model="gpt-5")).usage
    assert usage.completion_tokens_details.reasoning_tokens == 40


PARALLEL_DATA: dict[str, Any] = {
    "name": "parallel",
    "model": "gpt-4.1",
    "system": PARALLEL.system,
    "tools": list(PARALLEL.tools),
    "turns": [{"user": "Paris and Rome?", "reply": "Sunny in both."}],
}


def test_service_tier_and_system_fingerprint(fake_server):
    client = offline_client(fake_server)
    default = client.chat.completions.create(model="gpt-4.1", messages=support_messages())
    priority = client.chat.completions.create(
        model="gpt-4.1", messages=support_messages(), service_tier="priority"
    )
    other = client.chat.completions.create(model="gpt-4o", messages=support_messages())
    assert (default.service_tier, priority.service_tier) == ("default", "priority")
    assert default.system_fingerprint == priority.system_fingerprint != other.system_fingerprint
    assert default.system_fingerprint.startswith("fp_")


def test_a_client_that_resets_its_connection_prints_no_traceback(fake_server, monkeypatch, capsys):
    # The SDK's pool may drop a kept-alive connection with a reset: the server's business carries on.
    handled = threading.Event()
    shutdown_request = fake_server.httpd.shutdown_request

    def note_the_end_of(request: socket.socket) -> None:
        shutdown_request(request)
        handled.set()

    monkeypatch.setattr(fake_server.httpd, "shutdown_request", note_the_end_of)
    with socket.create_connection(("127.0.0.1", fake_server.port)) as client:
        client.sendall(b"GET /v1/models HTTP/1.1\r\n")  # the request line, then nothing: it waits
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
    assert handled.wait(timeout=10)
    assert capsys.readouterr().err == ""
