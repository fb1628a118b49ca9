"""Which conversation a logged call belongs to, when the log does not say.

A call whose messages extend another call's messages (that call's request, with or without its
reply) continues that call's conversation; a Responses call with `previous_response_id` continues
its parent's. Messages are compared by what the model reads (role, text, tool calls and results),
so an SDK that drops empty fields when it resends a reply still matches. Only each conversation's
latest state is indexed: memory grows with the number of conversations, not of calls.
"""

from __future__ import annotations

import json

ROOT = 0


def _text(content: object) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            else:
                parts.append(json.dumps(part, sort_keys=True, default=str))
        return "".join(parts)
    return json.dumps(content, sort_keys=True, default=str)


def _calls(calls: object) -> tuple:
    if not isinstance(calls, list):
        return ()
    return tuple(
        (str(call["function"].get("name")), str(call["function"].get("arguments")))
        for call in calls
        if isinstance(call, dict) and isinstance(call.get("function"), dict)
    )


def message_key(item: object) -> tuple:
    """What the model reads of one chat message or Responses input/output item, as a hashable value
    (cheap for text messages: a million-call log has tens of millions of them)."""
    if not isinstance(item, dict):
        return ("value", json.dumps(item, default=str))
    kind = item.get("type")
    if kind in (None, "message") and "role" in item:
        content = item.get("content")
        text = content if isinstance(content, str) else _text(content)
        return ("m", item.get("role"), text, item.get("tool_call_id"), _calls(item.get("tool_calls")))
    if kind == "function_call":
        return ("function_call", item.get("call_id"), item.get("name"), item.get("arguments"))
    if kind == "function_call_output":
        return ("function_call_output", item.get("call_id"), _text(item.get("output")))
    return ("item", kind, str(item.get("id") or json.dumps(item, sort_keys=True, default=str)))


def _hash(previous: int, key: tuple) -> int:
    # Python's own hash of a tuple: 64 bits, fast, stable within one process (all a grouping needs).
    return hash((previous, key))


class ConversationGrouper:
    def __init__(self) -> None:
        self._by_state: dict[int, str] = {}
        self._states: dict[str, tuple[int, int]] = {}
        self._by_response: dict[str, str] = {}
        self._response_of: dict[str, str] = {}
        self.conversations = 0
        self.orphans = 0  # calls continuing a response that is not in the file

    def _new(self) -> str:
        self.conversations += 1
        return f"conversation {self.conversations}"

    def by_messages(self, items: list, reply_items: list) -> str:
        """The conversation of a call that sends `items` and received `reply_items`."""
        hashes = []
        state = ROOT
        for item in items:
            state = _hash(state, message_key(item))
            hashes.append(state)
        key = None
        # Proper prefixes only, longest first: an identical request is a new conversation (a replay).
        for prefix in reversed([ROOT, *hashes[:-1]]):
            key = self._by_state.get(prefix)
            if key is not None:
                break
        key = key or self._new()
        after = state
        for item in reply_items:
            after = _hash(after, message_key(item))
        self._remember(key, state, after)
        return key

    def _remember(self, key: str, state: int, after: int) -> None:
        for old in self._states.get(key, ()):
            if self._by_state.get(old) == key:
                del self._by_state[old]
        for new in (state, after):
            if new != ROOT:  # a call that sent nothing extends nothing
                self._by_state[new] = key
        self._states[key] = (state, after)

    def by_previous_response(self, previous_id: str, response_id: str) -> str:
        key = self._by_response.pop(previous_id, None)
        if key is None:
            self.orphans += 1
            key = self._new()
        self.remember_response(key, response_id)
        return key

    def remember_response(self, key: str, response_id: str) -> None:
        if not response_id:
            return
        old = self._response_of.get(key)
        if old is not None:
            self._by_response.pop(old, None)
        self._by_response[response_id] = key
        self._response_of[key] = response_id
