"""What one model call answered: from a Chat Completions response, or assembled from its stream.

A stream is read to its end: text deltas are joined (and handed to `on_text` as they arrive), tool-call
deltas are merged by index, the finish reason is the choice's last, and the usage is the last chunk's
(the request asks for it with `stream_options.include_usage`). Only the first choice is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentloop.usage import Usage

OnText = Callable[[str], Any]  # receives the reply's text as it streams in


@dataclass
class Reply:
    content: str | None = None
    tool_calls: list[dict] = field(default_factory=list)  # Chat Completions shape, ready for the history
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)

    def message(self) -> dict:
        """The assistant message to append to the history."""
        message: dict = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        return message


def _call(call_id: str, name: str, arguments: str) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def read_completion(completion: Any) -> Reply:
    """The first choice of a `ChatCompletion`."""
    choice = completion.choices[0]
    calls = [_call(c.id, c.function.name, c.function.arguments) for c in choice.message.tool_calls or ()]
    return Reply(choice.message.content, calls, choice.finish_reason, Usage.from_api(completion.usage))


def read_stream(stream: Any, on_text: OnText) -> Reply:
    """The first choice assembled from a stream of `ChatCompletionChunk`s."""
    reply, usage = Reply(), None
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}  # by the tool call's index in the reply
    for chunk in stream:
        usage = chunk.usage or usage
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            reply.finish_reason = choice.finish_reason or reply.finish_reason
            if choice.delta.content:
                text.append(choice.delta.content)
                on_text(choice.delta.content)
            for delta in choice.delta.tool_calls or ():
                call = calls.setdefault(delta.index, _call("", "", ""))
                call["id"] = delta.id or call["id"]
                if delta.function is not None:
                    call["function"]["name"] += delta.function.name or ""
                    call["function"]["arguments"] += delta.function.arguments or ""
    reply.content = "".join(text) if text or not calls else None
    reply.tool_calls = [calls[index] for index in sorted(calls)]
    reply.usage = Usage.from_api(usage)
    return reply
