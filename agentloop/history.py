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
    def __init__(self, model: str, messages: list[dict] | None = None):
        self.model = model
        self.messages: list[dict] = list(messages or ())
        self._tokens: list[
            int
        ] = []  # per message, counted on first need, so each call counts only what is new
        self._tool_names: dict[str, str] = {}
        self._priming = count_messages([], model)  # the reply's priming: 3 tokens, 2 on harmony models

    def append(self, message: dict) -> None:
        self.messages.append(message)

    def _counts(self) -> list[int]:
        for message in self.messages[len(self._tokens) :]:
            for call in message.get("tool_calls") or ():
                self._tool_names[call.get("id", "")] = (call.get("function") or {}).get("name", "")
            self._tokens.append(count_message(message, self.model, self._tool_names))
        return self._tokens

    def window(self, budget: int | None, tool_tokens: int = 0) -> tuple[list[dict], int]:
        """(messages to send, the earlier turns dropped) so that the prompt fits `budget` tokens."""
        starts = [i for i, message in enumerate(self.messages) if message.get("role") == "user"]
        if budget is None or not starts:
            return list(self.messages), 0
        head, cut, dropped = starts[0], starts[0], 0  # leading messages (the system prompt) always stay
        tokens = self._counts()
        total = sum(tokens) + tool_tokens + self._priming
        while total > budget and dropped < len(starts) - 1:  # oldest turns first; the current one stays
            total -= sum(tokens[cut : starts[dropped + 1]])
            cut = starts[dropped + 1]
            dropped += 1
        return self.messages[:head] + self.messages[cut:], dropped

    def prompt_tokens(self, messages: list[dict], tool_tokens: int = 0) -> int:
        """What a window costs, message by message as `window()` sums it."""
        names = {
            c.get("id", ""): (c.get("function") or {}).get("name", "")
            for m in messages
            for c in m.get("tool_calls") or ()
        }
        return sum(count_message(m, self.model, names) for m in messages) + tool_tokens + self._priming
