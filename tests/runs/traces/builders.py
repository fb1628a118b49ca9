"""Small trace files written by the tests: exact numbers, so every expected value can be checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

SYSTEM = {"role": "system", "content": "You are a helpful support agent for a bicycle shop."}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Find an order by id.",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
        },
    }
]


def chat_usage(prompt: int, completion: int, cached: int = 0, reasoning: int = 0) -> dict:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


def chat_line(messages: list, reply: dict, usage: dict, *, model="gpt-4.1", at=None, **extra) -> dict:
    line = {
        "request": {"model": model, "messages": messages, "tools": TOOLS},
        "response": {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": reply, "finish_reason": "stop"}],
            "usage": usage,
        },
        **extra,
    }
    if at is not None:
        line["timestamp"] = at
    return line


def tool_reply(call_id: str, arguments: str = '{"order_id":"A1"}') -> dict:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": "lookup_order", "arguments": arguments}}
        ],
    }


def text_reply(text: str) -> dict:
    return {"role": "assistant", "content": text}


def support_conversation(
    tag: str, turns: int, *, start_minute: int = 0, tokens: tuple = (1300, 40, 200, 60)
) -> list:
    """A conversation of `turns` turns, each one tool round then a reply. Input sizes grow exactly as the
    cost model appends: first input S+D+user, +output+result after a round, +reply+user at a turn."""
    first, user_growth, result_growth, reply = tokens
    messages = [SYSTEM]
    lines, prompt = [], first
    for turn in range(1, turns + 1):
        messages = [*messages, {"role": "user", "content": f"{tag} question {turn}"}]
        if turn > 1:
            prompt += reply + user_growth
        call = tool_reply(f"call_{tag}_{turn}")
        at = f"2026-11-02T10:{start_minute + turn:02d}:00Z"
        lines.append(chat_line(messages, call, chat_usage(prompt, 20), at=at))
        messages = [
            *messages,
            call,
            {"role": "tool", "tool_call_id": f"call_{tag}_{turn}", "content": "shipped"},
        ]
        prompt += 20 + result_growth
        answer = text_reply(f"{tag} answer {turn}")
        lines.append(chat_line(messages, answer, chat_usage(prompt, reply), at=at.replace(":00Z", ":30Z")))
        messages = [*messages, answer]
    return lines


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def responses_line(items, output, usage, *, response_id, previous=None, instructions=None, at=None) -> dict:
    request = {"model": "gpt-5", "input": items}
    if previous:
        request["previous_response_id"] = previous
    if instructions:
        request["instructions"] = instructions
    line = {"request": request, "response": {"id": response_id, "object": "response", "model": "gpt-5",
                                             "output": output, "usage": usage}}  # fmt: skip
    if at:
        line["timestamp"] = at
    return line


def responses_usage(input_tokens: int, output: int, reasoning: int, cached: int = 0) -> dict:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
    }
