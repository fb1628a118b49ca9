"""Where conversations are kept: a small interface and two implementations for use without Django.

The loop saves once the model has asked for tool calls (before running them) and once more when the
turn ends, however it ends. Each `save` must be one transaction: the whole message list, the call
records that may have changed since the last save (upserted by their `index`) and the turn counter
land together or not at all. On resume, a tool call whose result was never saved is not run again.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from agentloop.usage import CallRecord, ToolCallRecord, Usage


@dataclass(slots=True)
class Conversation:
    messages: list[dict] = field(default_factory=list)
    calls: list[CallRecord] = field(default_factory=list)
    turns_completed: int = 0

    def update(self, messages: list[dict], calls: list[CallRecord], turns_completed: int) -> None:
        """What a save writes: `calls` replace the stored records with the same index, or are added."""
        by_index = {call.index: call for call in self.calls}
        by_index.update({call.index: copy.deepcopy(call) for call in calls})
        self.messages = copy.deepcopy(messages)
        self.calls = [by_index[index] for index in sorted(by_index)]
        self.turns_completed = turns_completed


class Storage(Protocol):
    def load(self, conversation_id: str) -> Conversation | None: ...

    def save(
        self, conversation_id: str, messages: list[dict], calls: list[CallRecord], turns_completed: int
    ) -> None: ...


class MemoryStorage:
    """Kept in a dict: for tests, and for a process that never needs to resume."""

    def __init__(self) -> None:
        self.conversations: dict[str, Conversation] = {}

    def load(self, conversation_id: str) -> Conversation | None:
        return copy.deepcopy(self.conversations.get(conversation_id))

    def save(
        self, conversation_id: str, messages: list[dict], calls: list[CallRecord], turns_completed: int
    ) -> None:
        stored = self.conversations.setdefault(conversation_id, Conversation())
        stored.update(messages, calls, turns_completed)


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
        for call in data["calls"]:  # the records as `save` wrote them, back into dataclasses
            call["usage"] = Usage(**call["usage"])
            call["cost_usd"] = None if call["cost_usd"] is None else Decimal(call["cost_usd"])
            call["tool_calls"] = [ToolCallRecord(**tool_call) for tool_call in call["tool_calls"]]
        calls = [CallRecord(**call) for call in data["calls"]]
        return Conversation(data["messages"], calls, data["turns_completed"])

    def save(
        self, conversation_id: str, messages: list[dict], calls: list[CallRecord], turns_completed: int
    ) -> None:
        stored = self.load(conversation_id) or Conversation()
        stored.update(messages, calls, turns_completed)
        self.directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=self.directory, delete=False, suffix=".tmp") as handle:
            json.dump(asdict(stored), handle, default=str)  # str: a cost is a Decimal
        os.replace(handle.name, self._path(conversation_id))
