"""The conversation in Chat Completions format, and the window of it each call may send.

The full history is kept; `window()` chooses what fits a token budget, counted the way OpenAI bills it
(per-message overhead, tool definitions, the reply's priming). Units of truncation are whole turns, a
turn being a user message and everything after it up to the next one, so an assistant message with
`tool_calls` always travels with its tool results. The system prompt and the current turn are never
dropped; when they alone exceed the budget they are sent anyway and the model endpoint decides.
"""

from __future__ import annotations

from agentloop.tokens import TOKENS_PRIMING_REPLY, count_message


class History:
    def __init__(self, encoding: str, messages: list[dict] | None = None):
        self.encoding = encoding
        self.messages: list[dict] = []
        # Per message, counted on first need (a window with a budget), so each call counts only what is new.
        self._tokens: list[int] = []
        for message in messages or ():
            self.append(message)

    def append(self, message: dict) -> None:
        self.messages.append(message)

    def _counts(self) -> list[int]:
        for message in self.messages[len(self._tokens) :]:
            self._tokens.append(count_message(message, self.encoding))
        return self._tokens

    def _turn_starts(self) -> list[int]:
        return [i for i, message in enumerate(self.messages) if message.get("role") == "user"]

    def window(self, budget: int | None, tool_tokens: int = 0) -> tuple[list[dict], int]:
        """(messages to send, the earlier turns dropped) so that the prompt fits `budget` tokens."""
        if budget is None:
            return list(self.messages), 0
        starts = self._turn_starts()
        if not starts:
            return list(self.messages), 0
        # Leading messages before the first user message (the system prompt) are always kept.
        head = starts[0]
        tokens = self._counts()
        total = sum(tokens) + tool_tokens + TOKENS_PRIMING_REPLY
        dropped = 0
        cut = head
        # Drop whole earlier turns, oldest first; the last turn (the current one) always stays.
        while total > budget and dropped < len(starts) - 1:
            turn_end = starts[dropped + 1]
            total -= sum(tokens[cut:turn_end])
            cut = turn_end
            dropped += 1
        return self.messages[:head] + self.messages[cut:], dropped

    def prompt_tokens(self, messages: list[dict], tool_tokens: int = 0) -> int:
        return sum(count_message(m, self.encoding) for m in messages) + tool_tokens + TOKENS_PRIMING_REPLY
