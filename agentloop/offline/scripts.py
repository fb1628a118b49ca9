"""Workload scripts: a conversation to replay, with what the offline server answers.

    {"name": "...", "model": "gpt-4.1", "system": "...",
     "tools": [{"type": "function", "function": {...}, "result": <canned result>}],
     "turns": [{"user": "...", "tool_calls": [{"name": "...", "arguments": {...}}], "reply": "...",
                "reasoning_tokens": 0}]}

Each entry of a turn's `tool_calls` is one tool round (one model call that asks for that tool); an entry
that is itself a list asks for those tools in parallel in one round. The tools' canned `result` is what
their handler returns, against the offline server and against a real model alike; `tool_calls`, `reply`
and `reasoning_tokens` (per model call of the turn; default: the model family's) are only what the offline
server answers.

A script is checked whole before anything runs: every field's type, tool names unique, each tool's
`parameters` a valid JSON Schema, every text valid Unicode (no lone surrogates). Errors name the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from openai.types.chat import ChatCompletionFunctionToolParam

from agentloop.tools import ToolRegistry


class ScriptError(ValueError):
    """A workload script that does not follow the format; the message names the field at fault."""


@dataclass(frozen=True, slots=True)
class ScriptTurn:
    user: str
    rounds: tuple[tuple[dict, ...], ...]  # per round, the calls: {"name", "arguments" (a dict)}
    reply: str
    reasoning_tokens: int | None = None  # per model call; None: the model family's default


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    model: str
    system: str
    tools: tuple[dict, ...]  # {"type": "function", "function": {...}, "result": ...}
    turns: tuple[ScriptTurn, ...]

    def tool_definitions(self) -> list[ChatCompletionFunctionToolParam]:
        """The tools as a request sends them (without the canned results)."""
        return [{"type": tool["type"], "function": tool["function"]} for tool in self.tools]

    def registry(self) -> ToolRegistry:
        """Handlers that return each tool's canned result, whatever the (valid) arguments."""
        registry = ToolRegistry()
        for tool in self.tools:
            function = tool["function"]
            result = tool["result"]
            registry.register(
                function["name"],
                lambda _result=result, **_arguments: _result,
                description=function.get("description", ""),
                parameters=function.get("parameters"),
            )
        return registry


def _require[T](data: dict, key: str, kind: type[T], where: str) -> T:
    if key not in data:
        raise ScriptError(f"{where}.{key}: is required")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise ScriptError(f"{where}.{key}: must be a non-empty {kind.__name__}")
    return value


def _check_unicode(value: Any, where: str) -> None:
    """Every string (keys too) must be encodable: a lone surrogate is a clear error, not a crash later."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ScriptError(
                f"{where}: is not valid Unicode (a lone surrogate {value[exc.start]!r} at {exc.start})"
            ) from None
    elif isinstance(value, dict):
        for key, child in value.items():
            _check_unicode(key, where)
            # The path names identifier-like keys only, so the message stays `field.path: problem`.
            _check_unicode(child, f"{where}.{key}" if key.isidentifier() and key.isascii() else where)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            _check_unicode(child, f"{where}[{i}]")


def _parse_tool(tool: Any, where: str) -> str:
    if not isinstance(tool, dict) or tool.get("type") != "function":
        raise ScriptError(f"{where}.type: must be 'function'")
    function = _require(tool, "function", dict, where)
    name = _require(function, "name", str, f"{where}.function")
    parameters = function.get("parameters")
    if parameters is not None:
        if not isinstance(parameters, dict):
            raise ScriptError(f"{where}.function.parameters: must be a JSON Schema object")
        try:
            jsonschema.validators.validator_for(parameters).check_schema(parameters)
        except jsonschema.SchemaError as exc:
            path = "/".join(str(p) for p in exc.path)
            raise ScriptError(
                f"{where}.function.parameters: not a valid JSON Schema ({exc.message}"
                + (f" at {path})" if path else ")")
            ) from None
    if "result" not in tool:
        raise ScriptError(f"{where}.result: is required (the canned result)")
    return name


def _parse_call(call: Any, known: set[str], where: str) -> dict:
    if not isinstance(call, dict):
        raise ScriptError(f"{where}: must be an object with name and arguments")
    name = _require(call, "name", str, where)
    if name not in known:
        raise ScriptError(f"{where}.name: {name!r} is not one of the script's tools")
    arguments = call.get("arguments", {})
    if not isinstance(arguments, dict):
        raise ScriptError(f"{where}.arguments: must be an object")
    return {"name": name, "arguments": arguments}


def _parse_turn(turn: Any, known: set[str], where: str) -> ScriptTurn:
    if not isinstance(turn, dict):
        raise ScriptError(f"{where}: must be an object")
    tool_calls = turn.get("tool_calls", [])
    if not isinstance(tool_calls, list):
        raise ScriptError(f"{where}.tool_calls: must be a list of tool rounds")
    rounds = []
    for j, entry in enumerate(tool_calls):
        calls = entry if isinstance(entry, list) else [entry]
        if not calls:
            raise ScriptError(f"{where}.tool_calls[{j}]: an empty round")
        rounds.append(tuple(_parse_call(c, known, f"{where}.tool_calls[{j}]") for c in calls))
    reasoning = turn.get("reasoning_tokens")
    if reasoning is not None and (
        isinstance(reasoning, bool) or not isinstance(reasoning, int) or reasoning < 0
    ):
        raise ScriptError(f"{where}.reasoning_tokens: must be a whole number of tokens, 0 or more")
    user, reply = _require(turn, "user", str, where), _require(turn, "reply", str, where)
    return ScriptTurn(user, tuple(rounds), reply, reasoning)


def parse_script(data: Any) -> Script:
    """A Script from parsed JSON, checked whole; ScriptError names the first field at fault."""
    if not isinstance(data, dict):
        raise ScriptError("script: must be a JSON object")
    for key, value in data.items():
        _check_unicode(key, "script")
        _check_unicode(value, key if key.isidentifier() and key.isascii() else "script")
    tools = data.get("tools", [])
    if not isinstance(tools, list):
        raise ScriptError("tools: must be a list")
    known: set[str] = set()
    for i, tool in enumerate(tools):
        name = _parse_tool(tool, f"tools[{i}]")
        if name in known:
            raise ScriptError(f"tools[{i}].function.name: {name!r} is already the name of an earlier tool")
        known.add(name)
    turns = [
        _parse_turn(turn, known, f"turns[{i}]")
        for i, turn in enumerate(_require(data, "turns", list, "script"))
    ]
    if not turns:
        raise ScriptError("script.turns: needs at least one turn")
    return Script(
        name=_require(data, "name", str, "script"),
        model=_require(data, "model", str, "script"),
        system=_require(data, "system", str, "script"),
        tools=tuple(tools),
        turns=tuple(turns),
    )


def load_script(path: Path | str) -> Script:
    """Read and check a script file; ScriptError for an unreadable, non-UTF-8 or invalid one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScriptError(f"script: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ScriptError(f"script: {path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ScriptError(f"script: {path} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise ScriptError(f"script: {path} nests JSON too deeply") from None
    return parse_script(data)


BUNDLED = ("support_agent", "document_qa", "coding_agent")


def bundled_script_path(name: str) -> Path:
    """The file of a bundled script, by name."""
    if name not in BUNDLED:
        raise ScriptError(f"script: no bundled script {name!r}; bundled: {', '.join(BUNDLED)}")
    return Path(str(resources.files("agentloop.offline") / "bundled" / f"{name}.json"))


def bundled_scripts() -> list[Script]:
    """Every bundled script, loaded."""
    return [load_script(bundled_script_path(name)) for name in BUNDLED]
