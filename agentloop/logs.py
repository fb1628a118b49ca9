"""Structured log records on the `agentloop` logger: one per model call and per tool call.

Each record's `agentloop` attribute holds the fields (event, conversation, and the call's own), ready
for a JSON log formatter.
"""

from __future__ import annotations

import logging
from typing import Any

from agentloop.usage import CallRecord, ToolCallRecord

log = logging.getLogger("agentloop")


def _log(level: int, event: str, conversation: str, **fields: Any) -> None:
    log.log(
        level,
        event.replace("_", " "),
        extra={"agentloop": {"event": event, "conversation": conversation, **fields}},
    )


def log_model_call(conversation: str, record: CallRecord, dropped_turns: int) -> None:
    """A model call: its usage, cost, latency, retries, request id, error, the tools it asked for."""
    level = logging.ERROR if record.error else logging.INFO
    if log.isEnabledFor(level):  # building the record costs more than the rest of the loop's work
        fields = {k: v for k, v in record.to_dict().items() if k not in ("tool_calls", "reply")}
        names = [tool_call.name for tool_call in record.tool_calls]
        _log(level, "model_call", conversation, dropped_turns=dropped_turns, **fields, tool_calls=names)


def log_tool_call(conversation: str, tool_call: ToolCallRecord, turn: int, latency_ms: float) -> None:
    """A tool call: its name, arguments, error and latency (a warning when it failed)."""
    level = logging.WARNING if tool_call.error else logging.INFO
    fields = {"id": tool_call.id, "name": tool_call.name, "arguments": tool_call.arguments}
    _log(level, "tool_call", conversation, turn=turn, **fields, error=tool_call.error, latency_ms=latency_ms)
