"""What of a rendered prompt the prompt cache can hold: the prompt up to the end of its last message's
content, or up to the end of a content part marked `prompt_cache_breakpoint`.

OpenAI's bills show both: gpt-5.6-sol writes 1,217 tokens of a 1,220-token prompt, leaving out the last
message's `<|end|>` and the reply's priming `<|start|>assistant` (dd-trace-py's cache-write cassettes,
Chat Completions and Responses alike); with an explicit breakpoint on the first of two text parts it writes
4,012 of 4,020 and a repeat reads 4,012 (pydantic-ai's prompt-cache cassettes): the second part's 5 tokens
and those 3 are left out. The reply's priming is never cached, so a later call that continues the
conversation reads no more than the earlier call's messages.
"""

from __future__ import annotations

from agentloop.tokens.chat import render_chat
from agentloop.tokens.rendered import (
    END,
    HARMONY_PRIMING_REPLY,
    TOKENS_PRIMING_REPLY,
    Rendered,
    bills_text_only,
    primes_like_harmony,
    rendered_tokens,
)


def trailing_tokens(rendered: Rendered) -> int:
    """Tokens after the last message's content: its end token, what follows the last message (a forced
    tool choice) and the reply's priming."""
    if bills_text_only(rendered.model):
        return 0
    priming = HARMONY_PRIMING_REPLY if primes_like_harmony(rendered.model) else TOKENS_PRIMING_REPLY
    return 1 + max(0, rendered.extras.get(END, 0)) + priming


def cacheable_length(body: dict, rendered: Rendered, tokens: list[int]) -> int:
    """How many leading tokens of this prompt the cache may store and read."""
    length = max(0, len(tokens) - trailing_tokens(rendered))
    breakpoint = _breakpoint(body)
    if breakpoint is None:
        return length
    # The tokens up to the end of the marked part, as the part alone renders them (the bill counts 4,012
    # where the parts joined tokenize one token shorter across the seam).
    head = render_chat({**body, "messages": breakpoint})
    return min(length, len(rendered_tokens(head)) - trailing_tokens(head))


def _breakpoint(body: dict) -> list[dict] | None:
    """The messages up to the last content part marked `prompt_cache_breakpoint`, that part included."""
    messages = body["messages"]
    for i in range(len(messages) - 1, -1, -1):
        content = messages[i].get("content")
        if not isinstance(content, list):
            continue
        for j in range(len(content) - 1, -1, -1):
            if isinstance(content[j], dict) and content[j].get("prompt_cache_breakpoint"):
                return [*messages[:i], {**messages[i], "content": content[: j + 1]}]
    return None
