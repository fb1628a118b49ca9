"""Workload scripts: a conversation to replay, with what the offline server answers.

    {"name": "...", "model": "gpt-4.1", "system": "...",
     "tools": [{"type": "function", "function": {...}, "result": <canned result>}],
     "turns": [{"user": "...", "tool_calls": [{"name": "...", "arguments": {...}}], "reply": "..."}]}

Each entry of a turn's `tool_calls` is one tool round (one model call that asks for that tool); an entry
that is itself a list asks for those tools in parallel in one round. The tools' canned `result` is what
their handler returns, against the offline server and against a real model alike; `tool_calls` and
`reply` are only what the offline server answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from agentloop.tools import ToolRegistry


class ScriptError(ValueError):
    """A workload script that does not follow the format; the message names the field at fault."""


@dataclass(frozen=True, slots=True)
class ScriptTurn:
    user: str
    rounds: tuple[tuple[dict, ...], ...]  # per round, the calls: {"name", "arguments" (a dict)}
    reply: str


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    model: str
    system: str
    tools: tuple[dict, ...]  # {"type": "function", "function": {...}, "result": ...}
    turns: tuple[ScriptTurn, ...]

    def tool_definitions(self) -> list[dict]:
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


def _require(data: dict, key: str, kind: type, where: str):
    if key not in data:
        raise ScriptError(f"{where}.{key}: is required")
    value = data[key]
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise ScriptError(f"{where}.{key}: must be a non-empty {kind.__name__}")
    return value


def _parse_call(call, known: set[str], where: str) -> dict:
    if not isinstance(call, dict):
        raise ScriptError(f"{where}: must be an object with name and arguments")
    name = _require(call, "name", str, where)
    if name not in known:
        raise ScriptError(f"{where}.name: {name!r} is not one of the script's tools")
    arguments = call.get("arguments", {})
    if not isinstance(arguments, dict):
        raise ScriptError(f"{where}.arguments: must be an object")
    return {"name": name, "arguments": arguments}


def parse_script(data) -> Script:
    if not isinstance(data, dict):
        raise ScriptError("script: must be a JSON object")
    tools = data.get("tools", [])
    if not isinstance(tools, list):
        raise ScriptError("tools: must be a list")
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise ScriptError(f"{where}.type: must be 'function'")
        _require(_require(tool, "function", dict, where), "name", str, f"{where}.function")
        if "result" not in tool:
            raise ScriptError(f"{where}.result: is required (the canned result)")
    known = {tool["function"]["name"] for tool in tools}
    turns = []
    for i, turn in enumerate(_require(data, "turns", list, "script")):
        where = f"turns[{i}]"
        if not isinstance(turn, dict):
            raise ScriptError(f"{where}: must be an object")
        rounds = []
        tool_calls = turn.get("tool_calls", [])
        if not isinstance(tool_calls, list):
            raise ScriptError(f"{where}.tool_calls: must be a list of tool rounds")
        for j, entry in enumerate(tool_calls):
            calls = entry if isinstance(entry, list) else [entry]
            if not calls:
                raise ScriptError(f"{where}.tool_calls[{j}]: an empty round")
            rounds.append(tuple(_parse_call(c, known, f"{where}.tool_calls[{j}]") for c in calls))
        turns.append(
            ScriptTurn(_require(turn, "user", str, where), tuple(rounds), _require(turn, "reply", str, where))
        )
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
    if name not in BUNDLED:
        raise ScriptError(f"script: no bundled script {name!r}; bundled: {', '.join(BUNDLED)}")
    return Path(str(resources.files("agentloop") / "scripts" / f"{name}.json"))


def bundled_scripts() -> list[Script]:
    return [load_script(bundled_script_path(name)) for name in BUNDLED]
