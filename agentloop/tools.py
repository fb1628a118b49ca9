"""Tool dispatch: name to handler, arguments parsed and checked against the tool's JSON schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema


class ToolError(Exception):
    """A tool call the loop could not run: unknown tool, bad arguments, or the handler failed."""

    def __init__(self, tool: str, message: str):
        super().__init__(f"{tool}: {message}")
        self.message = message  # without the tool's name: what the model is told


class UnknownToolError(ToolError):
    pass


class ToolArgumentsError(ToolError):
    pass


class ToolRegistry:
    def __init__(self) -> None:
        self._definitions: dict[str, dict] = {}  # as a request sends them
        self._handlers: dict[str, tuple[Callable[..., Any], jsonschema.protocols.Validator]] = {}

    def register(
        self, name: str, handler: Callable[..., Any], *, description: str = "", parameters: dict | None = None
    ) -> None:
        parameters = parameters or {"type": "object", "properties": {}}
        validator = jsonschema.validators.validator_for(parameters)
        validator.check_schema(parameters)  # a broken schema fails at registration, not mid-run
        function = {"name": name, "description": description, "parameters": parameters}
        self._definitions[name] = {"type": "function", "function": function}
        self._handlers[name] = (handler, validator(parameters))

    def definitions(self) -> list[dict]:
        return list(self._definitions.values())

    def dispatch(self, name: str, arguments: str) -> str:
        """Run a tool call; the result as the text fed back to the model (JSON unless already a string)."""
        if name not in self._handlers:
            raise UnknownToolError(name, f"no such tool; known tools: {', '.join(self._handlers) or 'none'}")
        handler, validator = self._handlers[name]
        try:
            parsed = json.loads(arguments or "{}")
        except json.JSONDecodeError as exc:
            raise ToolArgumentsError(name, f"arguments are not valid JSON ({exc.msg} at {exc.pos})") from None
        errors = sorted(validator.iter_errors(parsed), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].path) or "arguments"
            raise ToolArgumentsError(name, f"{where}: {errors[0].message}")
        if not isinstance(parsed, dict):  # a schema without "type": "object" lets a list or number by
            raise ToolArgumentsError(name, "arguments: must be a JSON object")
        try:
            result = handler(**parsed)
        except ToolError:
            raise
        except Exception as exc:
            raise ToolError(name, f"handler failed: {type(exc).__name__}: {exc}") from exc
        return result if isinstance(result, str) else json.dumps(result, separators=(",", ":"))
