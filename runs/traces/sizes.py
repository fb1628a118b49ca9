"""Token sizes of the parts of a request that fitting separates: instructions and tool definitions.

Recorded usage is what a call cost; counting is needed only to split a prompt into system prompt,
tool definitions and the rest. Counts follow `agentloop.tokens` (the cookbook's rules); the same
instructions recur on every call of a conversation, so counts are memoised by text.
"""

from __future__ import annotations

import json
from functools import lru_cache

from agentloop.tokens import TOKENS_PRIMING_REPLY, count_message, count_tools, encoding_for_model


@lru_cache(maxsize=4096)
def _system_tokens(encoding: str, texts: tuple[str, ...]) -> int:
    return sum(count_message({"role": "system", "content": text}, encoding) for text in texts)


def system_tokens(model: str, texts: list[str]) -> int:
    """Instructions as the cost model's `system_prompt_tokens`: the system messages and the 3 tokens
    that prime every reply (they are in every call's input, like the instructions)."""
    return _system_tokens(encoding_for_model(model), tuple(texts)) + TOKENS_PRIMING_REPLY


@lru_cache(maxsize=1024)
def _tools_tokens(encoding: str, blob: str) -> int:
    return count_tools(json.loads(blob), encoding)


# The same definitions come with every call: their count is found by what they look like (repr is
# several times cheaper than a canonical JSON dump) before anything is rebuilt or counted.
_BY_REPR: dict[tuple[str, str], int | None] = {}
_BY_REPR_LIMIT = 1024


def as_chat_function(tool: object) -> dict | None:
    """A Chat Completions function definition from either API's tool entry; None for hosted tools."""
    if not isinstance(tool, dict):
        return None
    if isinstance(tool.get("function"), dict):
        function = tool["function"]
    elif tool.get("type") == "function":
        function = tool
    else:
        return None
    if not isinstance(function.get("name"), str):
        return None
    return {
        "type": "function",
        "function": {
            "name": function["name"],
            "description": function.get("description")
            if isinstance(function.get("description"), str)
            else "",
            "parameters": function.get("parameters") if isinstance(function.get("parameters"), dict) else {},
        },
    }


def tools_tokens(model: str, tools: object) -> int | None:
    """Tokens of the function definitions sent with a call; None when they cannot be read."""
    if tools is None:
        return 0
    if not isinstance(tools, list):
        return None
    key = (model, repr(tools))
    if key not in _BY_REPR:
        if len(_BY_REPR) >= _BY_REPR_LIMIT:
            _BY_REPR.clear()
        _BY_REPR[key] = _count_tools(model, tools)
    return _BY_REPR[key]


def _count_tools(model: str, tools: list) -> int | None:
    functions = [function for function in map(as_chat_function, tools) if function is not None]
    try:
        blob = json.dumps(functions, sort_keys=True)
        return _tools_tokens(encoding_for_model(model), blob)
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
