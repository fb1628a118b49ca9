"""The offline model: a Chat Completions request in, OpenAI's response out, without HTTP.

A request is matched to a script by its system prompt and to a turn by its last user message; the model
answers the turn's next tool round, or its reply once every round has its results. It follows what the
loop and the SDK rely on: `tool_choice` ("none", "required", a forced function), `parallel_tool_calls`,
`max_completion_tokens`/`max_tokens` (the reply is cut, `finish_reason: "length"`), `n` choices, reasoning
tokens for reasoning models (the script's, or the family's default for the request's `reasoning_effort`),
`service_tier`, `system_fingerprint`. Usage is counted by `agentloop.tokens` on the rendered prompt, the
cache by `PromptCache`. `stream=True` answers with `chunks()`: deltas, then (with
`stream_options.include_usage`) a last chunk carrying the usage.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agentloop.offline.cache import PromptCache
from agentloop.offline.prefix import cacheable_length
from agentloop.offline.scripts import Script, ScriptTurn
from agentloop.tokens import TOKENS_PER_TOOL_CALL, count_text, encoding_for_model, get_encoding
from agentloop.tokens.chat import render_chat
from agentloop.tokens.rendered import rendered_tokens

NO_SCRIPT_REPLY = "This offline server has no workload script whose system prompt matches this conversation."
# Hidden reasoning per model call of a reasoning model, by reasoning effort.
REASONING_TOKENS = {"minimal": 0, "none": 0, "low": 64, "medium": 192, "high": 768}
SERVICE_TIERS = ("auto", "default", "flex", "priority", "scale")


class RequestError(ValueError):
    """A request OpenAI would refuse with HTTP 400; `param` names the field."""

    def __init__(self, message: str, param: str | None = None):
        super().__init__(message)
        self.param = param


def reasons(model: str) -> bool:
    """Reasoning models: the o-series and the gpt-5 family (not its chat-latest variants)."""
    name = model.rsplit("/", 1)[-1]
    if re.match(r"o\d", name):
        return True
    return name.startswith("gpt-5") and "chat" not in name


@dataclass
class Answer:
    """One choice's content: tool calls or a reply, how many tokens, and why it stopped."""

    content: str | None = None
    tool_calls: list[dict] = field(default_factory=list)
    finish_reason: str = "stop"
    visible_tokens: int = 0
    reasoning_tokens: int = 0


def _option(body: dict, key: str, kind: type, check: Callable[[Any], bool], message: str) -> Any:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind) or not check(value):
        raise RequestError(f"{key}: {message}", key)
    return value


def validate(body: Any) -> dict:
    """The checks OpenAI makes before anything runs; RequestError names the field."""
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise RequestError("model: a model id is required", "model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestError("messages: a non-empty list of messages is required", "messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise RequestError(f"messages[{i}]: must be an object with a role", f"messages[{i}]")
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise RequestError("tools: must be a list", "tools")
    names = {((t or {}).get("function") or {}).get("name") for t in tools if isinstance(t, dict)}
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name not in names:
            raise RequestError(f"tool_choice: {name!r} is not one of the request's tools", "tool_choice")
    elif choice not in (None, "none", "auto", "required"):
        raise RequestError("tool_choice: must be none, auto, required or a function", "tool_choice")
    elif choice == "required" and not tools:
        raise RequestError("tool_choice: 'required' needs tools", "tool_choice")
    _option(body, "parallel_tool_calls", bool, lambda v: True, "must be true or false")
    _option(body, "n", int, lambda v: 1 <= v <= 128, "must be a whole number from 1 to 128")
    for key in ("max_completion_tokens", "max_tokens"):
        _option(body, key, int, lambda v: v >= 1, "must be a whole number of tokens, at least 1")
    _option(
        body, "service_tier", str, lambda v: v in SERVICE_TIERS, f"must be one of {', '.join(SERVICE_TIERS)}"
    )
    if body.get("stream_options") is not None and not body.get("stream"):
        raise RequestError("stream_options: only allowed when stream is true", "stream_options")
    return body


class FakeOpenAI:
    """The model side, without HTTP: scripts, usage accounting and the prompt cache."""

    def __init__(
        self,
        scripts: Iterable[Script] = (),
        cache_write_models: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ):
        self.scripts: dict[str, Script] = {script.system: script for script in scripts}
        self.cache = PromptCache(cache_write_models, clock)
        self._ids = itertools.count(1)

    def _script_turn(self, messages: list[dict]) -> tuple[Script | None, int, ScriptTurn | None]:
        system = next((m.get("content") for m in messages if m.get("role") in ("system", "developer")), None)
        script = self.scripts.get(system) if isinstance(system, str) else None
        users = [m.get("content") for m in messages if m.get("role") == "user"]
        if script is None or not users:
            return script, -1, None
        # Equal user texts are told apart by how many times the text came before (truncation may have
        # dropped early turns, so the position of the message is no guide).
        candidates = [i for i, turn in enumerate(script.turns) if turn.user == users[-1]]
        if not candidates:
            return script, -1, None
        index = candidates[min(users[:-1].count(users[-1]), len(candidates) - 1)]
        return script, index, script.turns[index]

    def _next_calls(self, body: dict, turn_index: int, turn: ScriptTurn | None) -> list[dict]:
        """The tool calls this response makes (empty: it replies)."""
        choice = body.get("tool_choice")
        if choice == "none" or not body.get("tools"):
            return []
        messages = body["messages"]
        last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
        done = sum(len(m.get("tool_calls") or ()) for m in messages[last_user + 1 :])
        flat = [(r, call) for r, calls in enumerate(turn.rounds) for call in calls] if turn else []
        pending = flat[done:]
        if body.get("parallel_tool_calls") is False:
            calls = [call for _, call in pending[:1]]  # one call per response
        else:  # the rest of the current round, in one response
            calls = [call for r, call in pending if r == pending[0][0]]
        if isinstance(choice, dict):
            name = choice["function"]["name"]
            scripted = next((call for _, call in flat[done:] if call["name"] == name), None)
            return [scripted or {"name": name, "arguments": {}}]
        if choice == "required" and not calls:
            first = (body["tools"][0] or {}).get("function") or {}
            return [{"name": first.get("name", ""), "arguments": {}}]
        return calls

    def answer(self, body: dict, fault: str | None = None) -> Answer:
        """What one choice says, within `max_completion_tokens`."""
        model = body["model"]
        encoding = encoding_for_model(model)
        script, turn_index, turn = self._script_turn(body["messages"])
        calls = self._next_calls(body, turn_index, turn)
        reasoning = 0
        if reasons(model):
            effort = body.get("reasoning_effort") or "medium"
            scripted = turn.reasoning_tokens if turn is not None else None
            reasoning = scripted if scripted is not None else REASONING_TOKENS.get(str(effort), 192)
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if limit is not None and reasoning >= limit:
            return Answer(content="", finish_reason="length", reasoning_tokens=limit)
        budget = None if limit is None else limit - reasoning
        if not calls:
            reply = turn.reply if turn is not None else NO_SCRIPT_REPLY
            tokens = get_encoding(encoding).encode_ordinary(reply)
            if budget is not None and len(tokens) > budget:
                cut = get_encoding(encoding).decode(tokens[:budget])
                return Answer(
                    content=cut, finish_reason="length", visible_tokens=budget, reasoning_tokens=reasoning
                )
            return Answer(content=reply, visible_tokens=len(tokens), reasoning_tokens=reasoning)
        rendered, used = [], 0
        messages = body["messages"]
        last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=-1)
        rounds_done = sum(1 for m in messages[last_user + 1 :] if m.get("tool_calls"))
        for j, call in enumerate(calls):
            arguments = json.dumps(call["arguments"], separators=(",", ":"), ensure_ascii=False)
            if fault == "malformed_args":
                arguments = arguments[:-1]
            cost = TOKENS_PER_TOOL_CALL + count_text(call["name"], encoding) + count_text(arguments, encoding)
            call_id = f"call_{turn_index + 1}_{rounds_done + 1}_{j + 1}"
            if budget is not None and used + cost > budget:
                room = max(0, budget - used - TOKENS_PER_TOOL_CALL - count_text(call["name"], encoding))
                cut = get_encoding(encoding).decode(get_encoding(encoding).encode_ordinary(arguments)[:room])
                rendered.append(_call(call_id, call["name"], cut))
                return Answer(
                    tool_calls=rendered,
                    finish_reason="length",
                    visible_tokens=budget,
                    reasoning_tokens=reasoning,
                )
            rendered.append(_call(call_id, call["name"], arguments))
            used += cost
        return Answer(
            tool_calls=rendered, finish_reason="tool_calls", visible_tokens=used, reasoning_tokens=reasoning
        )

    def complete(self, body: Any, fault: str | None = None) -> dict:
        """The `chat.completion` object OpenAI would return for this request."""
        body = validate(body)
        model = body["model"]
        answer = self.answer(body, fault)
        choices = []
        for index in range(body.get("n") or 1):
            message: dict = {
                "role": "assistant",
                "content": answer.content,
                "refusal": None,
                "annotations": [],
            }
            if answer.tool_calls:
                message["tool_calls"] = answer.tool_calls
            choices.append(
                {"index": index, "message": message, "finish_reason": answer.finish_reason, "logprobs": None}
            )
        return {
            "id": f"chatcmpl-offline-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": self.usage(body, answer),
            "service_tier": "default" if body.get("service_tier") in (None, "auto") else body["service_tier"],
            "system_fingerprint": fingerprint(model),
        }

    def usage(self, body: dict, answer: Answer) -> dict:
        """Usage as OpenAI reports it: the prompt once, every choice's output (reasoning included)."""
        rendered = render_chat(body)
        tokens = rendered_tokens(rendered)
        prompt_tokens = len(tokens)
        cache = self.cache.use(body["model"], tokens, cacheable_length(body, rendered, tokens))
        n = body.get("n") or 1
        completion = n * (answer.visible_tokens + answer.reasoning_tokens)
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": prompt_tokens + completion,
            "prompt_tokens_details": {
                "cached_tokens": cache.cached,
                "cache_write_tokens": cache.written,
                "audio_tokens": 0,
            },
            "completion_tokens_details": {
                "reasoning_tokens": n * answer.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }


def _call(call_id: str, name: str, arguments: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def fingerprint(model: str) -> str:
    """A stable `system_fingerprint` per model, as OpenAI sends one per backend configuration."""
    return "fp_" + hashlib.sha256(f"offline:{model}".encode()).hexdigest()[:10]


WORDS = re.compile(r"\S*\s*")


def _pieces(text: str) -> list[str]:
    """A reply in pieces of three words, as a stream delivers it."""
    parts = [part for part in WORDS.findall(text) if part]
    return ["".join(parts[i : i + 3]) for i in range(0, len(parts), 3)] or [""]


def chunks(completion: dict, include_usage: bool) -> Iterator[dict]:
    """A completion as the `chat.completion.chunk` events of its stream, in OpenAI's order."""
    base = {key: completion[key] for key in ("id", "created", "model", "service_tier", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    extra = {"usage": None} if include_usage else {}

    def chunk(index: int, delta: dict, finish: str | None = None) -> dict:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice], **extra}

    for choice in completion["choices"]:
        index, message = choice["index"], choice["message"]
        yield chunk(index, {"role": "assistant", "content": "", "refusal": None})
        if message.get("content"):
            for piece in _pieces(message["content"]):
                yield chunk(index, {"content": piece})
        for j, call in enumerate(message.get("tool_calls") or ()):
            head = {
                "index": j,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            yield chunk(index, {"tool_calls": [head]})
            arguments = call["function"]["arguments"]
            for piece in [arguments[i : i + 16] for i in range(0, len(arguments), 16)]:
                yield chunk(index, {"tool_calls": [{"index": j, "function": {"arguments": piece}}]})
        yield chunk(index, {}, choice["finish_reason"])
    if include_usage:
        yield {**base, "choices": [], "usage": completion["usage"]}
