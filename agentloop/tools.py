"""Tool dispatch: name to handler, arguments parsed and checked against the tool's JSON schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonschema


class ToolError(Exception):
    """A tool call the loop could not run: unknown tool, bad arguments, or the handler failed."""

    def __init__(self, tool: str, message: str):
        super().__init__(f"{tool}: {message}")
        self.tool = tool
        self.message = message


class UnknownToolError(ToolError):
    pass


class ToolArgumentsError(ToolError):
    pass


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    parameters: dict
    handler: Callable[..., Any]

    def definition(self) -> dict:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}
        self._validators: dict[str, jsonschema.protocols.Validator] = {}

    def register(
        self, name: str, handler: Callable[..., Any], *, description: str = "", parameters: dict | None = None
    ) -> Callable[..., Any]:
        parameters = parameters or {"type": "object", "properties": {}}
        validator_class = jsonschema.validators.validator_for(parameters)
        validator_class.check_schema(parameters)  # a broken schema fails at registration, not mid-run
        self._tools[name] = Tool(name, description, parameters, handler)
        self._validators[name] = validator_class(parameters)
        return handler

    def __contains__(self, name: str) -> bool:
        return name in self._tools

    def definitions(self) -> list[dict]:
        return [tool.definition() for tool in self._tools.values()]

    def parse_arguments(self, name: str, arguments: str) -> dict[str, Any]:
        if name not in self._tools:
            raise UnknownToolError(name, f"no such tool; known tools: {', '.join(self._tools) or 'none'}")
        try:
            parsed = json.loads(arguments or "{}")
        except json.JSONDecodeError as exc:
            raise ToolArgumentsError(name, f"arguments are not valid JSON ({exc.msg} at {exc.pos})") from None
        errors = sorted(self._validators[name].iter_errors(parsed), key=lambda e: list(e.path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "arguments"
            raise ToolArgumentsError(name, f"{where}: {first.message}")
        if not isinstance(parsed, dict):  # a schema without "type": "object" lets a list or number by
            raise ToolArgumentsError(name, "arguments: must be a JSON object")
        return parsed

    def dispatch(self, name: str, arguments: str) -> str:
        """Run a tool call; the result as the text fed back to the model (JSON unless already a string)."""
        parsed = self.parse_arguments(name, arguments)
        try:
            result = self._tools[name].handler(**parsed)
        except ToolError:
            raise
        except Exception as exc:
            raise ToolError(name, f"handler failed: {type(exc).__name__}: {exc}") from exc
        return result if isinstance(result, str) else json.dumps(result, separators=(",", ":"))
