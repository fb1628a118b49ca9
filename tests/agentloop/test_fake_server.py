"""The offline server: script replay, usage as OpenAI counts it, the prefix-cache rule, faults."""

import httpx2
import openai
import pytest

from agentloop.fake_server import NO_SCRIPT_REPLY, FakeOpenAI
from agentloop.loop import Agent
from agentloop.script import bundled_scripts
from agentloop.tokens import count_message, count_messages, count_text, count_tools
from tests.agentloop.conftest import offline_client

ENC = "o200k_base"
SUPPORT = bundled_scripts()[0]


def support_request(*extra) -> dict:
    messages = [
        {"role": "system", "content": SUPPORT.system},
        {"role": "user", "content": SUPPORT.turns[0].user},
    ]
    return {"model": "gpt-4.1", "messages": messages + list(extra), "tools": SUPPORT.tool_definitions()}


def test_the_first_call_of_a_turn_asks_for_the_scripted_tool_with_openai_counts():
    body = support_request()
    response = FakeOpenAI([SUPPORT]).complete(body)
    [choice] = response["choices"]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["tool_calls"] == [
        {
            "id": "call_1_1_1",
            "type": "function",
            "function": {"name": "lookup_order", "arguments": '{"order_id":"BL-104233"}'},
        }
    ]
    usage = response["usage"]
    assert (
        usage["prompt_tokens"]
        == count_messages(body["messages"], ENC) + count_tools(body["tools"], ENC)
        == 1209
    )
    # 3 per call + the name (2) + the arguments (9)
    assert usage["completion_tokens"] == 3 + count_text("lookup_order", ENC) + count_text(
        '{"order_id":"BL-104233"}', ENC
    )
    assert usage["completion_tokens"] == 14
    assert usage["prompt_tokens_details"]["cached_tokens"] == 0


def test_once_the_round_has_its_results_the_server_replies():
    model = FakeOpenAI([SUPPORT])
    call = model.complete(support_request())["choices"][0]["message"]
    tool_result = {"role": "tool", "tool_call_id": "call_1_1_1", "content": "{}"}
    response = model.complete(support_request(call, tool_result))
    assert response["choices"][0]["message"]["content"] == SUPPORT.turns[0].reply
    assert response["choices"][0]["finish_reason"] == "stop"
    assert response["usage"]["completion_tokens"] == count_text(SUPPORT.turns[0].reply, ENC) == 95


def test_an_unknown_conversation_gets_a_plain_reply():
    response = FakeOpenAI([SUPPORT]).complete(
        {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}
    )
    assert response["choices"][0]["message"]["content"] == NO_SCRIPT_REPLY


def test_cached_tokens_follow_the_prefix_rule_across_requests():
    model = FakeOpenAI()
    system = {"role": "system", "content": "Answer briefly. " * 300}
    tools = SUPPORT.tool_definitions()
    s, d = count_message(system, ENC), count_tools(tools, ENC)
    assert (s, d) == (905, 186)
    user = {"role": "user", "content": "hello"}
    assert (
        model.usage("gpt-4.1", [system, user], tools) == (s + d + 5 + 3, 0) == (1099, 0)
    )  # nothing seen yet
    # Same system and tools: 1091 shared tokens, cached in whole 128-token steps.
    other = {"role": "user", "content": "something else"}
    assert model.usage("gpt-4.1", [system, other], tools) == (s + d + count_message(other, ENC) + 3, 1024)
    # The longer history shares system, tools and the first user message: 1096 -> 1024.
    reply = {"role": "assistant", "content": "Hi! " * 100}
    assert model.usage("gpt-4.1", [system, user, reply, other], tools)[1] == 1024
    assert (
        model.usage("gpt-4.1", [system, user, reply, other, reply], tools)[1]
        == (
            (s + d + count_message(user, ENC) + count_message(reply, ENC) + count_message(other, ENC))
            // 128
            * 128
        )
        == 1280
    )
    # A different system prompt shares nothing; a different model has its own cache.
    assert model.usage("gpt-4.1", [{"role": "system", "content": "x"}, user], tools)[1] == 0
    assert model.usage("gpt-4o", [system, user], tools)[1] == 0


def test_under_1024_shared_tokens_nothing_is_cached():
    model = FakeOpenAI()
    system = {"role": "system", "content": "Answer briefly. " * 200}
    assert count_message(system, ENC) == 605
    model.usage("gpt-4.1", [system], [])
    assert model.usage("gpt-4.1", [system, {"role": "user", "content": "hi"}], [])[1] == 0


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


def run_support(server, turns=4, **client_options):
    client = offline_client(server, **client_options)
    agent = Agent(client, "gpt-4.1", system=SUPPORT.system, tools=SUPPORT.registry(), max_retries=2)
    for turn in SUPPORT.turns[:turns]:
        agent.send(turn.user)
    return agent


# (prompt, cached, completion) per call; each call's cache is the previous request minus its 3 priming
# tokens, floored to 128: 1206 -> 1152, 1411 -> 1408, ...
CLEAN_USAGE = [
    (1209, 0, 14),
    (1414, 1152, 95),
    (1545, 1408, 16),
    (1730, 1536, 84),
    (1836, 1664, 32),
    (2019, 1792, 70),
    (2111, 1920, 16),
    (2296, 2048, 57),
]


def usage_of(agent):
    return [(c.usage.prompt_tokens, c.usage.cached_tokens, c.usage.completion_tokens) for c in agent.calls]


def test_a_clean_run_of_the_support_script(fake_server):
    agent = run_support(fake_server)
    assert usage_of(agent) == CLEAN_USAGE
    assert [c.retries_taken for c in agent.calls] == [0] * 8
    assert [c.request_id for c in agent.calls] == [f"req_fake_{n}" for n in range(1, 9)]
    assert agent.turns_completed == 4


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


def test_cache_writes_are_reported_for_models_billed_for_them():
    model = FakeOpenAI([SUPPORT], cache_write_models={"gpt-5.6-terra"})
    body = {**support_request(), "model": "gpt-5.6-terra"}
    first = model.complete(body)["usage"]["prompt_tokens_details"]
    # Nothing read; the whole 1209-token prompt is written (token by token, as the cost model bills it).
    assert (first["cached_tokens"], first["cache_write_tokens"]) == (0, 1209)
    call = model.complete(body)["choices"][0]["message"]
    result = {"role": "tool", "tool_call_id": "x", "content": "in stock " * 100}
    longer = {**body, "messages": body["messages"] + [call, result]}
    second = model.complete(longer)["usage"]
    assert second["prompt_tokens"] == 1209 + count_message(call, ENC) + count_message(result, ENC) == 1432
    # Reads the 1206 tokens of whole messages it sent before, and writes the rest of its prompt.
    details = second["prompt_tokens_details"]
    assert (details["cached_tokens"], details["cache_write_tokens"]) == (1206, 1432 - 1206)
    other = FakeOpenAI([SUPPORT]).complete(support_request())["usage"]["prompt_tokens_details"]
    assert other["cache_write_tokens"] == 0  # gpt-4.1 is not billed for writes: none reported
