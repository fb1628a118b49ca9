"""The conversation in Chat Completions format, and the window of it each call may send.

The full history is kept; `window()` chooses what fits a token budget, counted the way OpenAI bills it
(`agentloop.tokens`). Units of truncation are whole turns, a turn being a user message and everything
after it up to the next one, so an assistant message with `tool_calls` always travels with its tool
results. The system prompt and the current turn are never dropped; when they alone exceed the budget
they are sent anyway and the model endpoint decides.
"""

from __future__ import annotations

from agentloop.tokens import count_message, count_messages


class History:
    def __init__(self, model: str, messages: list[dict]):
        self.model = model
        self.messages = list(messages)
        self._tokens: list[int] = []  # per message, counted on first need: each call counts what is new
        self._tool_names: dict[str, str] = {}  # a tool result is rendered with the name of its call
        self._priming = count_messages([], model)  # the reply's priming: 3 tokens, 2 on harmony models

    def window(self, budget: int | None, tool_tokens: int = 0) -> tuple[list[dict], int]:
        """(messages to send, the earlier turns dropped) so that the prompt fits `budget` tokens."""
        starts = [i for i, message in enumerate(self.messages) if message.get("role") == "user"]
        if budget is None or not starts:
            return list(self.messages), 0
        for message in self.messages[len(self._tokens) :]:
            for call in message.get("tool_calls") or ():
                self._tool_names[call.get("id", "")] = (call.get("function") or {}).get("name", "")
            self._tokens.append(count_message(message, self.model, self._tool_names))
        total = sum(self._tokens) + tool_tokens + self._priming
        dropped = 0
        while total > budget and dropped < len(starts) - 1:  # oldest turns first; the current one stays
            total -= sum(self._tokens[starts[dropped] : starts[dropped + 1]])
            dropped += 1
        # The leading messages (the system prompt) always stay.
        return self.messages[: starts[0]] + self.messages[starts[dropped] :], dropped
