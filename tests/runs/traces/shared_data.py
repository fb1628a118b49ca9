"""Conversation logs built from ../shared/data: the calls of one cassette, in order, are one conversation.

The recorded exchanges keep the request, the usage OpenAI returned and the reply; a log line wants
the response body, so it is rebuilt around them (the usage exactly as recorded).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

# ../shared beside the checkout (the project's root is three folders up from here).
DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "real-openai-exchanges.jsonl"


def exchanges() -> list[dict]:
    if not DATA.exists():
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(f"{DATA} is missing under CI")
        pytest.skip(f"{DATA} is absent: the shared data folder is not beside this checkout")
    with DATA.open() as handle:
        return [json.loads(line) for line in handle if line.strip()]


def response_body(exchange: dict) -> dict:
    if exchange["api"] == "responses":
        return {
            "id": exchange["response_id"],
            "object": "response",
            "model": exchange["response_model"],
            "output": exchange["response_message"] or [],
            "usage": exchange["usage"],
        }
    message = exchange["response_message"] or {"role": "assistant", "content": ""}
    return {
        "id": exchange["response_id"],
        "object": "chat.completion",
        "model": exchange["response_model"],
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": exchange["usage"],
    }


def conversations() -> dict[str, list[dict]]:
    """Cassette → its exchanges in call order."""
    by_cassette: dict[str, list[dict]] = defaultdict(list)
    for exchange in exchanges():
        by_cassette[exchange["sequence"]["id"]].append(exchange)
    for calls in by_cassette.values():
        calls.sort(key=lambda exchange: exchange["sequence"]["index"])
    return dict(by_cassette)


def log_lines(*, with_ids: bool = True) -> list[dict]:
    lines = []
    for cassette, calls in conversations().items():
        for exchange in calls:
            line = {"request": exchange["request"], "response": response_body(exchange)}
            if with_ids:
                line["conversation_id"] = cassette
            if exchange.get("recorded_date"):
                line["timestamp"] = parsedate_to_datetime(exchange["recorded_date"]).isoformat()
            lines.append(line)
    return lines


def write_log(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path
