"""Where conversations are kept: a small interface and two implementations for use without Django.

The loop calls `save` at every checkpoint: once the model has asked for tool calls (before running
them), once their results are in, and at the end of each turn. Each `save` must be one transaction:
the whole message list, the call records new or changed since the last save (upserted by their
`index`) and the turn counter land together or not at all.
On resume, a tool call whose result was never saved is not run again (see `Agent`).
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from agentloop.usage import CallRecord, ToolCallRecord, Usage


@dataclass(slots=True)
class Conversation:
    messages: list[dict] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    turns_completed: int = 0


class Storage(Protocol):
    def load(self, conversation_id: str) -> Conversation | None: ...

    def save(
        self, conversation_id: str, messages: list[dict], calls: list[CallRecord], turns_completed: int
    ) -> None: ...


def upsert_calls(stored: list[CallRecord], changed: list[CallRecord]) -> list[CallRecord]:
    by_index = {call.index: call for call in stored}
    by_index.update({call.index: copy.deepcopy(call) for call in changed})
    return [by_index[index] for index in sorted(by_index)]


class MemoryStorage:
    """Kept in a dict: for tests, and for a process that never needs to resume."""

    def __init__(self) -> None:
        self.conversations: dict[str, Conversation] = {}
        self.saves = 0

    def load(self, conversation_id: str) -> Conversation | None:
        stored = self.conversations.get(conversation_id)
        return copy.deepcopy(stored) if stored is not None else None

    def save(
        self, conversation_id: str, messages: list[dict], calls: list[CallRecord], turns_completed: int
    ) -> None:
        stored = self.conversations.setdefault(conversation_id, Conversation())
        stored.messages = copy.deepcopy(messages)
        stored.calls = upsert_calls(stored.calls, calls)
        stored.turns_completed = turns_completed
        self.saves += 1


def call_from_dict(data: dict) -> CallRecord:
    return CallRecord(
        **{
            **data,
            "usage": Usage(**data["usage"]),
            "cost_usd": None if data["cost_usd"] is None else Decimal(data["cost_usd"]),
            "tool_calls": [ToolCallRecord(**tc) for tc in data["tool_calls"]],
        }
    )


class JsonFileStorage:
    """One JSON file per conversation, replaced atomically (write then rename) at every save."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    def _path(self, conversation_id: str) -> Path:
        if not conversation_id.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"conversation_id must be letters, digits, - and _: {conversation_id!r}")
        return self.directory / f"{conversation_id}.json"

    def load(self, conversation_id: str) -> Conversation | None:
        path = self._path(conversation_id)
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return Conversation(
            messages=data["messages"],
            calls=[call_from_dict(call) for call in data["calls"]],
            turns_completed=data["turns_completed"],
        )

    def save(
        self, conversation_id: str, messages: list[dict], calls: list[CallRecord], turns_completed: int
    ) -> None:
        stored = self.load(conversation_id) or Conversation()
        body = {
            "messages": messages,
            "calls": [call.to_dict() for call in upsert_calls(stored.calls, calls)],
            "turns_completed": turns_completed,
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=self.directory, delete=False, suffix=".tmp") as handle:
            json.dump(body, handle)
        os.replace(handle.name, self._path(conversation_id))
