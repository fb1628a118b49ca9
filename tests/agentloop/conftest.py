"""Helpers for the loop's tests: an SDK client over httpx2.MockTransport, prices, the offline server."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx2
import openai
import pytest

from agentloop.offline import OfflineServer, bundled_scripts, free_port
from agentloop.tools import ToolRegistry


class Rates:
    """gpt-4.1's standard prices: 2 / 0.5 cached / 8 output per million tokens, no cache-write price."""

    input = Decimal("2")
    cached_input = Decimal("0.5")
    cache_write = None
    output = Decimal("8")


class Prices:
    def rates_for_input(self, input_tokens: int) -> Rates:
        return Rates()


def completion(content=None, tool_calls=(), usage=None, finish_reason=None) -> dict:
    message = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
            for call_id, name, arguments in tool_calls
        ]
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4.1",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
                "logprobs": None,
            }
        ],
        "usage": usage or {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
    }


class MockAPI:
    """Answers requests in order from a list of (status, body, headers); records every request body."""

    def __init__(self, responses):
        self.responses = list(responses)
        self.requests: list[dict] = []
        self.retry_counts: list[str | None] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        self.retry_counts.append(request.headers.get("x-stainless-retry-count"))
        status, body, headers = self.responses.pop(0)
        return httpx2.Response(
            status, json=body, headers={"x-request-id": f"req_{len(self.requests)}", **headers}
        )

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(
            api_key="test",
            base_url="https://api.example/v1",
            http_client=httpx2.Client(transport=httpx2.MockTransport(self)),
        )


def weather_registry(calls: list | None = None) -> ToolRegistry:
    registry = ToolRegistry()

    def get_weather(city: str, unit: str = "celsius"):
        if calls is not None:
            calls.append(city)
        return {"city": city, "temperature": 21, "unit": unit}

    registry.register(
        "get_weather",
        get_weather,
        description="Current weather in a city.",
        parameters={
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name"},
                "unit": {"type": "string", "description": "Unit", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
    )
    return registry


@pytest.fixture
def prices():
    return Prices()


@pytest.fixture
def fake_server():
    """A fresh offline server (so its prompt cache starts empty) with the bundled scripts."""
    with OfflineServer(bundled_scripts(), port=free_port()) as server:
        yield server


def offline_client(server, **options) -> openai.OpenAI:
    return openai.OpenAI(api_key="offline", base_url=server.base_url, **options)
