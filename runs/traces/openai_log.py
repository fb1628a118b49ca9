"""OpenAI request/response logs: JSON Lines, one `{"request", "response"}` per call.

The bodies are the Chat Completions or Responses API JSON as sent and received (what logging the
SDK's requests gives). Optional per line: `conversation_id`, `timestamp` (ISO 8601 or Unix seconds;
otherwise the response's `created`/`created_at`), `latency_ms`. Without a conversation id, calls are
grouped by their messages (`grouping.py`).
"""

from __future__ import annotations

from collections.abc import Iterator

from agentloop.usage import Usage
from runs.traces import fields
from runs.traces.grouping import ConversationGrouper
from runs.traces.reader import CountingReader, json_lines
from runs.traces.records import ToolUse, TraceCall, TraceFormatError
from runs.traces.sizes import system_tokens, tools_tokens

HOSTED_KINDS = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
}
SERVICE_TIERS = {"flex": "flex", "priority": "fast", "fast": "fast"}


def _usage(body: dict, line: int) -> tuple[str, Usage]:
    usage = fields.mapping(body.get("usage"), "response.usage", line)
    if "input_tokens" in usage:  # Responses API
        api, names = (
            "responses",
            ("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details"),
        )
    elif "prompt_tokens" in usage:
        api, names = (
            "chat_completions",
            (
                "prompt_tokens",
                "completion_tokens",
                "prompt_tokens_details",
                "completion_tokens_details",
            ),
        )
    else:
        raise TraceFormatError(
            "has neither prompt_tokens (Chat Completions) nor input_tokens (Responses)",
            line=line,
            field="response.usage",
        )
    prompt, completion, prompt_details, completion_details = names
    inputs = fields.mapping(
        usage.get(prompt_details), f"response.usage.{prompt_details}", line, required=False
    )
    outputs = fields.mapping(
        usage.get(completion_details), f"response.usage.{completion_details}", line, required=False
    )
    where = "response.usage."
    parsed = Usage(
        prompt_tokens=fields.token_count(usage.get(prompt), where + prompt, line),
        cached_tokens=fields.token_count(
            inputs.get("cached_tokens"), f"{where}{prompt_details}.cached_tokens", line
        ),
        cache_write_tokens=fields.token_count(
            inputs.get("cache_write_tokens"), f"{where}{prompt_details}.cache_write_tokens", line
        ),
        completion_tokens=fields.token_count(usage.get(completion), where + completion, line),
        reasoning_tokens=fields.token_count(
            outputs.get("reasoning_tokens"), f"{where}{completion_details}.reasoning_tokens", line
        ),
    )
    if parsed.cached_tokens + parsed.cache_write_tokens > parsed.prompt_tokens:
        raise TraceFormatError(
            "cached and written tokens exceed the input tokens", line=line, field=where + prompt
        )
    if parsed.reasoning_tokens > parsed.completion_tokens:
        raise TraceFormatError(
            "reasoning tokens exceed the output tokens", line=line, field=where + completion
        )
    return api, parsed


def _list(value: object, name: str, line: int) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TraceFormatError("must be a list", line=line, field=name)
    return value


def _chat_parts(
    request: dict, response: dict, line: int
) -> tuple[list, list, list[ToolUse], bool, list[str]]:
    messages = _list(request.get("messages"), "request.messages", line)
    choices = _list(response.get("choices"), "response.choices", line)
    reply = choices[0].get("message") if choices and isinstance(choices[0], dict) else None
    reply = reply if isinstance(reply, dict) else None
    uses = [
        ToolUse("function", str(call.get("function", {}).get("name", "")))
        for call in (reply or {}).get("tool_calls") or ()
        if isinstance(call, dict) and isinstance(call.get("function"), dict)
    ]
    last = messages[-1] if messages and isinstance(messages[-1], dict) else {}
    starts = last.get("role") == "user"  # a turn is a user message; anything else continues one
    system = []
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ("system", "developer"):
            break
        content = message.get("content")
        system.append(content if isinstance(content, str) else str(content))
    return messages, [reply] if reply else [], uses, starts, system


def _responses_parts(
    request: dict, response: dict, line: int
) -> tuple[list, list, list[ToolUse], bool, list[str]]:
    raw_input = request.get("input")
    items = (
        [{"role": "user", "content": raw_input}]
        if isinstance(raw_input, str)
        else _list(raw_input, "request.input", line)
    )
    output = _list(response.get("output"), "response.output", line)
    uses, hosted = [], []
    for item in output:
        if not isinstance(item, dict):
            continue
        if item.get("type") in ("function_call", "custom_tool_call"):
            uses.append(ToolUse("function", str(item.get("name", ""))))
        elif item.get("type") in HOSTED_KINDS:
            hosted.append(ToolUse(HOSTED_KINDS[item["type"]], item["type"]))
    last = items[-1] if items and isinstance(items[-1], dict) else {}
    starts = last.get("role") == "user" and last.get("type") in (None, "message")
    instructions = request.get("instructions")
    system = [instructions] if isinstance(instructions, str) and instructions else []
    leading = [{"type": "instructions", "id": instructions}] if system else []
    return leading + items, output, uses + hosted, starts, system


def _call(value: object, line: int, grouper: ConversationGrouper, keep_text: bool) -> TraceCall:
    record = fields.mapping(value, "record", line)
    request = fields.mapping(record.get("request"), "request", line)
    response = fields.mapping(record.get("response"), "response", line)
    api, usage = _usage(response, line)
    model = fields.text(request.get("model") or response.get("model"), "request.model", line, required=True)
    if api == "responses":
        items, reply, uses, starts, system = _responses_parts(request, response, line)
    else:
        items, reply, uses, starts, system = _chat_parts(request, response, line)
    given = record.get("conversation_id")
    raw_id = response.get("id")
    response_id = raw_id if isinstance(raw_id, str) else ""
    previous = request.get("previous_response_id")
    if given is not None:
        key = fields.text(
            str(given) if isinstance(given, int) else given, "conversation_id", line, required=True
        )
    elif isinstance(previous, str) and previous:
        key = grouper.by_previous_response(previous, response_id)
    else:
        key = grouper.by_messages(items, reply)
        grouper.remember_response(key, response_id)
    at = fields.timestamp(
        record.get("timestamp", response.get("created_at", response.get("created"))), "timestamp", line
    )
    latency = record.get("latency_ms")
    if latency is not None and (isinstance(latency, bool) or not isinstance(latency, (int, float))):
        raise TraceFormatError("must be a number of milliseconds", line=line, field="latency_ms")
    continued = api == "responses" and bool(previous)
    tier = response.get("service_tier") or request.get("service_tier")
    return TraceCall(
        line=line,
        conversation_key=key,
        model=model,
        usage=usage,
        api=api,
        at=at,
        latency_ms=None if latency is None else float(latency),
        service_tier=SERVICE_TIERS.get(tier, "standard") if isinstance(tier, str) else "standard",
        starts_turn=starts,
        tool_uses=tuple(use for use in uses if use.kind == "function"),
        hosted_uses=tuple(use for use in uses if use.kind != "function"),
        # A continued Responses call (previous_response_id) sends only what is new: the whole prompt
        # is not in the request, so its instructions and tools are not counted from it.
        system_tokens=None if continued else system_tokens(model, system),
        tools_tokens=None if continued else tools_tokens(model, request.get("tools")),
        text={"request": request, "response": response} if keep_text else None,
    )


def _failed(value: object) -> bool:
    """A logged call that failed (an error body, no usage): nothing was billed, nothing to fit."""
    response = value.get("response") if isinstance(value, dict) else None
    return isinstance(response, dict) and "error" in response and "usage" not in response


def openai_log_calls(stream: CountingReader, *, keep_text: bool = False) -> Iterator[TraceCall]:
    grouper = ConversationGrouper()
    failed = 0
    for line, value in json_lines(stream):
        if _failed(value):
            failed += 1
            continue
        yield _call(value, line, grouper, keep_text)
    if failed:
        stream.progress.notes.append(f"{failed} logged calls failed (an error, no usage): left out.")
    if grouper.orphans:
        stream.progress.notes.append(
            f"{grouper.orphans} Responses calls continue a response that is not in the file: "
            "each starts a conversation of its own."
        )
