"""Responses API requests, counted as the same rendered prompt as Chat Completions.

`instructions` are the system message; input items map onto messages: a `message` item is a message of its
role, a `function_call` is an assistant tool call, a `function_call_output` its result. Reasoning items of
earlier turns are not part of the prompt (OpenAI drops them); the current turn's are, encrypted. A
`compaction` item stands for every item before it (its summary is encrypted). What the
counter cannot see (a `previous_response_id`'s conversation, encrypted reasoning and compaction items,
hosted tools' definitions and results) is reported as not counted, never as zero.

One hosted tool is counted: on the o200k models (gpt-4o, gpt-4.1, their minis) `web_search` and
`web_search_preview` add a fixed `WEB_SEARCH_TOKENS` to the prompt, and the pages the model reads are not
input tokens there (measured: the same 294 on every such request in ../shared/data, from four projects,
May 2025 to January 2026, with or without a search in the response, with or without a user location).
On the gpt-5 family the pages read during the response are billed as input: not counted.
"""

from __future__ import annotations

from typing import Any

WEB_SEARCH_TOKENS = 294  # the hosted web search tool's definition on the o200k models (measured)
WEB_SEARCH_TOOLS = ("web_search", "web_search_preview")


def _message(item: dict) -> dict:
    return {"role": item.get("role", "user"), "content": item.get("content")}


def _after_compaction(items: list) -> int:
    """Where the prompt starts: at the last compaction item, whose summary replaces every item before it
    (measured: counting those items overcounts by their size, 690 and 705 tokens in ../shared/data)."""
    compactions = [
        i for i, item in enumerate(items) if isinstance(item, dict) and item.get("type") == "compaction"
    ]
    return compactions[-1] if compactions else 0


def chat_request(request: dict, harmony: bool = False) -> tuple[dict, list[str], int]:
    """The Chat Completions request whose prompt is the same, what it leaves out, and the tokens of
    hosted tools' definitions it counts (`harmony`: the model is of the gpt-5 family)."""
    if not isinstance(request, dict):
        raise ValueError("request: must be a JSON object")
    chat, not_counted, hosted = _convert(request, harmony)
    return chat, not_counted, hosted


def _convert(request: dict, harmony: bool) -> tuple[dict, list[str], int]:
    not_counted: list[str] = []
    messages: list[dict] = []
    if request.get("instructions"):
        messages.append({"role": "developer", "content": request["instructions"]})
    items: Any = request.get("input")
    if isinstance(items, str):
        items = [{"type": "message", "role": "user", "content": items}]
    if not isinstance(items, list):
        raise ValueError("input: must be a string or a list of items")
    if request.get("previous_response_id"):
        not_counted.append("previous_response_id: the earlier response's conversation is not in the request")
    messages += _item_messages(items, not_counted)
    chat: dict = {"model": request.get("model"), "messages": messages}
    tools, hosted = _tools(request, harmony, not_counted)
    if tools:
        chat["tools"] = tools
    return {**chat, **_options(request)}, not_counted, hosted


def _item_messages(items: list, not_counted: list[str]) -> list[dict]:
    """The input items as Chat Completions messages; what the body cannot show goes to `not_counted`."""
    messages: list[dict] = []
    pending: list[dict] = []  # consecutive function calls form one assistant message

    def flush() -> None:
        if pending:
            messages.append({"role": "assistant", "content": None, "tool_calls": list(pending)})
            pending.clear()

    last_user = max(
        (i for i, item in enumerate(items) if isinstance(item, dict) and item.get("role") == "user"),
        default=-1,
    )
    start = _after_compaction(items)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"input[{i}]: must be an object")
        if i < start:
            continue
        kind = item.get("type", "message")
        if kind == "function_call":
            pending.append(
                {
                    "id": item.get("call_id", ""),
                    "type": "function",
                    "function": {"name": item.get("name", ""), "arguments": item.get("arguments", "")},
                }
            )
            continue
        flush()
        if kind == "message":
            messages.append(_message(item))
        elif kind == "function_call_output":
            output = item.get("output")
            messages.append({"role": "tool", "tool_call_id": item.get("call_id", ""), "content": output})
        elif kind == "reasoning":
            # Reasoning of earlier turns is dropped; the current turn's is in the prompt, but encrypted.
            if i > last_user:
                not_counted.append(f"input[{i}]: the current turn's reasoning (encrypted)")
        elif kind == "compaction":
            not_counted.append(
                f"input[{i}]: a compaction item (the encrypted summary of the items before it)"
            )
        else:
            not_counted.append(f"input[{i}]: a {kind} item")
    flush()
    return messages


def _tools(request: dict, harmony: bool, not_counted: list[str]) -> tuple[list[dict], int]:
    """Function and custom tools in Chat Completions' shape, and the tokens of hosted tools counted."""
    tools = []
    hosted = 0
    for i, tool in enumerate(request.get("tools") or ()):
        if not isinstance(tool, dict):
            raise ValueError(f"tools[{i}]: must be an object")
        kind = tool.get("type")
        if kind == "function":
            function = {key: tool[key] for key in ("name", "description", "parameters") if key in tool}
            tools.append({"type": "function", "function": function})
        elif kind == "custom":
            tools.append({"type": "custom", "custom": tool})
        elif kind in WEB_SEARCH_TOOLS and not harmony:
            hosted += WEB_SEARCH_TOKENS
        else:
            not_counted.append(f"tools[{i}]: the hosted {kind} tool (its definition and results)")
    return tools, hosted


def _options(request: dict) -> dict:
    """A Structured Outputs `text.format` and the `tool_choice`, in Chat Completions' shape."""
    options: dict = {}
    text_format = (request.get("text") or {}).get("format") if isinstance(request.get("text"), dict) else None
    if isinstance(text_format, dict) and text_format.get("type") == "json_schema":
        spec = {
            key: text_format[key] for key in ("name", "description", "schema", "strict") if key in text_format
        }
        options["response_format"] = {"type": "json_schema", "json_schema": spec}
    if request.get("tool_choice") is not None:
        choice = request["tool_choice"]
        if isinstance(choice, dict) and choice.get("type") == "function" and "name" in choice:
            choice = {"type": "function", "function": {"name": choice["name"]}}
        options["tool_choice"] = choice
    return options
