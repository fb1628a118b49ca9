"""The loop through the openai SDK over httpx2.MockTransport: tools, usage, cost, retries, limits, logs."""

import logging
import subprocess
import sys
import time
from decimal import Decimal

import openai
import pytest

from agentloop.limits import (
    CostLimitExceeded,
    Limits,
    ToolRoundLimitExceeded,
    TurnInterrupted,
    WallTimeExceeded,
)
from agentloop.loop import Agent
from agentloop.storage import MemoryStorage
from agentloop.tools import ToolError
from agentloop.usage import Usage
from tests.agentloop.conftest import MockAPI, completion, weather_registry

TOOL_CALL = completion(
    tool_calls=[("call_1", "get_weather", '{"city":"Paris"}')],
    usage={
        "prompt_tokens": 1500,
        "completion_tokens": 20,
        "total_tokens": 1520,
        "prompt_tokens_details": {"cached_tokens": 1024},
    },
)
REPLY = completion(
    content="It is 21 C in Paris.",
    usage={
        "prompt_tokens": 1600,
        "completion_tokens": 30,
        "total_tokens": 1630,
        "prompt_tokens_details": {"cached_tokens": 1152, "cache_write_tokens": 128},
        "completion_tokens_details": {"reasoning_tokens": 12},
    },
)


def agent_for(api: MockAPI, prices, **options) -> Agent:
    options.setdefault("tools", weather_registry())
    return Agent(api.client(), "gpt-4.1", system="You answer weather questions.", prices=prices, **options)


def test_a_turn_with_one_tool_round(prices):
    api = MockAPI([(200, TOOL_CALL, {}), (200, REPLY, {})])
    agent = agent_for(api, prices)
    result = agent.send("Weather in Paris?")

    assert result.turn == 1
    assert result.reply == "It is 21 C in Paris."
    first, second = result.calls
    assert (first.index, first.turn, first.round, second.round) == (1, 1, 0, 1)
    assert first.usage == Usage(prompt_tokens=1500, cached_tokens=1024, completion_tokens=20)
    assert second.usage == Usage(
        prompt_tokens=1600,
        cached_tokens=1152,
        cache_write_tokens=128,
        completion_tokens=30,
        reasoning_tokens=12,
    )
    # (476 * 2 + 1024 * 0.5 + 20 * 8) / 1e6; the second call's 128 written tokens have no cache-write
    # price on this model, so they cost ordinary input: (320 * 2 + 1152 * 0.5 + 128 * 2 + 30 * 8) / 1e6.
    assert first.cost_usd == Decimal("0.001624")
    assert second.cost_usd == Decimal("0.001712")
    assert result.cost_usd == Decimal("0.003336")
    assert [(c.request_id, c.retries_taken, c.finish_reason) for c in result.calls] == [
        ("req_1", 0, "tool_calls"),
        ("req_2", 0, "stop"),
    ]
    assert first.tool_calls[0].result == '{"city":"Paris","temperature":21,"unit":"celsius"}'
    assert first.latency_ms > 0

    sent = api.requests[1]
    assert sent["model"] == "gpt-4.1"
    assert sent["tools"] == weather_registry().definitions()
    assert sent["messages"] == [
        {"role": "system", "content": "You answer weather questions."},
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": '{"city":"Paris","temperature":21,"unit":"celsius"}',
        },
    ]


def test_no_prices_means_no_cost():
    api = MockAPI([(200, REPLY, {})])
    result = agent_for(api, None).send("hi")
    assert result.calls[0].cost_usd is None
    assert result.cost_usd is None


def test_the_sdk_retries_a_429_and_the_call_records_it(prices):
    error = {"error": {"message": "slow down", "type": "requests", "param": None, "code": None}}
    api = MockAPI([(429, error, {"retry-after-ms": "1"}), (200, REPLY, {})])
    result = agent_for(api, prices).send("hi")
    assert api.retry_counts == ["0", "1"]  # one request, retried once by the SDK, not by the loop
    assert result.calls[0].retries_taken == 1
    assert result.calls[0].request_id == "req_2"


def test_retries_exhausted_raise_and_the_failed_call_is_stored_and_logged(prices, caplog):
    error = {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}
    api = MockAPI([(500, error, {"retry-after-ms": "1"})] * 2)
    storage = MemoryStorage()
    agent = agent_for(api, prices, max_retries=1, storage=storage, conversation_id="c1")
    with caplog.at_level(logging.INFO, logger="agentloop"), pytest.raises(openai.InternalServerError):
        agent.send("hi")
    assert len(api.requests) == 2
    [call] = storage.conversations["c1"].calls
    assert call.error is not None and call.error.startswith("InternalServerError: Error code: 500")
    assert call.usage == Usage()
    assert call.request_id == "req_2"
    [record] = [r for r in caplog.records if r.agentloop["event"] == "model_call"]
    assert record.levelno == logging.ERROR
    assert record.agentloop["error"] == call.error


def test_every_model_call_and_tool_call_is_a_structured_log_record(prices, caplog):
    api = MockAPI([(200, TOOL_CALL, {}), (200, REPLY, {})])
    with caplog.at_level(logging.INFO, logger="agentloop"):
        agent_for(api, prices, conversation_id="c7").send("Weather in Paris?")
    events = [r.agentloop for r in caplog.records if hasattr(r, "agentloop")]
    assert [e["event"] for e in events] == ["model_call", "tool_call", "model_call"]
    first, tool, second = events
    assert first["conversation"] == "c7"
    assert first["usage"] == {
        "prompt_tokens": 1500,
        "cached_tokens": 1024,
        "cache_write_tokens": 0,
        "completion_tokens": 20,
        "reasoning_tokens": 0,
    }
    assert (first["cost_usd"], first["retries_taken"], first["request_id"]) == ("0.001624", 0, "req_1")
    assert first["tool_calls"] == ["get_weather"]
    assert {k: tool[k] for k in ("name", "arguments", "error", "turn", "id")} == {
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
        "error": None,
        "turn": 1,
        "id": "call_1",
    }
    assert second["finish_reason"] == "stop"


def test_bad_tool_calls_go_back_to_the_model_as_tool_errors(prices):
    bad = completion(tool_calls=[("c1", "get_weather", '{"town": "Paris"}'), ("c2", "teleport", "{}")])
    api = MockAPI([(200, bad, {}), (200, REPLY, {})])
    result = agent_for(api, prices).send("hi")
    assert [(tc.name, tc.result, tc.error) for tc in result.calls[0].tool_calls] == [
        ("get_weather", None, "arguments: 'city' is a required property"),
        ("teleport", None, "no such tool; known tools: get_weather"),
    ]
    assert api.requests[1]["messages"][-2:] == [
        {"role": "tool", "tool_call_id": "c1", "content": "error: arguments: 'city' is a required property"},
        {"role": "tool", "tool_call_id": "c2", "content": "error: no such tool; known tools: get_weather"},
    ]


def test_or_are_raised_when_the_caller_asks(prices):
    bad = completion(tool_calls=[("c1", "teleport", "{}")])
    api = MockAPI([(200, bad, {})])
    with pytest.raises(ToolError, match="^teleport: no such tool"):
        agent_for(api, prices, tool_errors="raise").send("hi")


def test_tool_round_limit(prices):
    calls: list[str] = []
    api = MockAPI([(200, TOOL_CALL, {}), (200, TOOL_CALL, {})])
    agent = agent_for(api, prices, tools=weather_registry(calls), limits=Limits(max_tool_rounds=1))
    with pytest.raises(ToolRoundLimitExceeded, match="^turn 1: the model asked for more than 1 tool rounds$"):
        agent.send("hi")
    assert calls == ["Paris"]  # the second round was refused before running anything
    assert len(api.requests) == 2


def test_cost_ceiling(prices):
    calls: list[str] = []
    api = MockAPI([(200, TOOL_CALL, {})])
    agent = agent_for(
        api, prices, tools=weather_registry(calls), limits=Limits(max_cost_usd=Decimal("0.001"))
    )
    with pytest.raises(
        CostLimitExceeded, match=r"^conversation cost 0\.001624 USD is over the 0\.001 USD ceiling$"
    ):
        agent.send("hi")
    assert calls == []
    # The turn is unfinished: a new message must wait until the caller decides what to do with it.
    with pytest.raises(TurnInterrupted, match="^turn 1 never finished"):
        agent.send("again")


def test_wall_time_ceiling(prices):
    registry = weather_registry()

    def slow() -> str:
        time.sleep(0.05)
        return "done"

    registry.register("slow", slow)
    api = MockAPI([(200, completion(tool_calls=[("c1", "slow", "{}")]), {})])
    agent = agent_for(api, prices, tools=registry, limits=Limits(max_seconds=0.03), timeout=20)
    with pytest.raises(WallTimeExceeded, match=r"^turn 1: over the 0\.03 s wall-time ceiling$"):
        agent.send("hi")
    assert len(api.requests) == 1  # the second call never went out


def test_the_package_never_imports_django():
    code = (
        "import sys, agentloop, agentloop.loop, agentloop.offline, agentloop.storage, agentloop.tokens;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'pricing', 'runs'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
