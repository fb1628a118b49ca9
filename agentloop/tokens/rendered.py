"""The rendered prompt: each message's header pieces and content, the tokens that are not text, and its
count (and token ids, for the offline server's prefix cache).

Each message is `<|im_start|>{header}<|im_sep|>{content}<|im_end|>`: 3 tokens of framing, the header's
pieces (each tokenized on its own) and the content; the reply is primed with 3 more
(`<|im_start|>assistant<|im_sep|>`; 2 on the gpt-5 family and the o-series, whose harmony format primes
`<|start|>assistant`). The search-preview models bill the messages' text alone (`bills_text_only`).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from agentloop.tokens.encodings import count_text, encoding_for_model, get_encoding

TOKENS_PER_MESSAGE = 3
TOKENS_PRIMING_REPLY = 3
HARMONY_PRIMING_REPLY = 2
SPECIAL = "\x00"  # a header piece that is one special token (harmony's <|channel|>)

SYSTEM = -2  # `Rendered.extras` key while rendering: the system message that receives the sections
END = -1  # `Rendered.extras` key for tokens after the last message (a forced tool choice)


@dataclass
class Rendered:
    """The rendered prompt: per message its header pieces and content, plus what is not text."""

    model: str
    messages: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    # Tokens that are not the messages' text, by message index (END: after the last one): images by
    # formula, a forced tool choice, the measured costs of tool and format blocks.
    extras: dict[int, int] = field(default_factory=dict)
    not_counted: list[str] = field(default_factory=list)

    def add(self, tokens: int, at: int | None = None) -> None:
        """Extra tokens in message `at` (default: the next message to be rendered)."""
        index = len(self.messages) if at is None else at
        self.extras[index] = self.extras.get(index, 0) + tokens

    @property
    def extra_tokens(self) -> int:
        return sum(self.extras.values())


def family(model: str) -> str:
    """`cl100k` (gpt-4, gpt-3.5), `harmony` (gpt-5 and later) or `o200k` (gpt-4o, gpt-4.1, o-series)."""
    if encoding_for_model(model) == "cl100k_base":
        return "cl100k"
    name = model.rsplit("/", 1)[-1]
    return "harmony" if name.startswith(("gpt-5", "gpt-6")) else "o200k"


def primes_like_harmony(model: str) -> bool:
    """The gpt-5 family and the o-series reasoning models prime the reply with 2 tokens, not 3."""
    name = model.rsplit("/", 1)[-1]
    return family(model) == "harmony" or (len(name) > 1 and name[0] == "o" and name[1].isdigit())


def bills_text_only(model: str) -> bool:
    """The search-preview models (gpt-4o-search-preview, gpt-4o-mini-search-preview) bill the messages'
    text and nothing else: no framing, no priming (measured: pydantic-ai's two gpt-4o-search-preview
    requests billed 11 and 12, their system and user texts' 6 + 5 and 6 + 6 tokens)."""
    return "search-preview" in model.rsplit("/", 1)[-1]


def _framing(rendered: Rendered) -> tuple[int, int]:
    """Tokens of framing per message, and of the reply's priming."""
    if bills_text_only(rendered.model):
        return 0, 0
    priming = HARMONY_PRIMING_REPLY if primes_like_harmony(rendered.model) else TOKENS_PRIMING_REPLY
    return TOKENS_PER_MESSAGE, priming


# Ids outside every vocabulary for the framing tokens and for extras, so they never equal a text token.
IM_START, IM_SEP, IM_END, CHANNEL = 1 << 30, (1 << 30) + 1, (1 << 30) + 2, (1 << 30) + 3
PLACEHOLDER = (1 << 30) + 16


def rendered_tokens(rendered: Rendered) -> list[int]:
    """The prompt as token ids, for the prefix cache: framing and extras as ids no text can produce,
    an extra's ids derived from its message so identical prompts give identical sequences.
    `len(rendered_tokens(r)) == count_rendered(r)`."""
    encoding = encoding_for_model(rendered.model)
    framed, priming = _framing(rendered)
    tokens: list[int] = []
    for index, (header, content) in enumerate(rendered.messages):
        if framed:
            tokens.append(IM_START)
            for piece in header:
                tokens.extend([CHANNEL] if piece == SPECIAL else _encode(piece, encoding))
            tokens.append(IM_SEP)
        body = list(_encode(content, encoding))
        extra = rendered.extras.get(index, 0)
        if extra < 0:
            del body[max(0, len(body) + extra) :]
        tokens.extend(body)
        tokens.extend(_placeholders(extra, index, content))
        if framed:
            tokens.append(IM_END)
    tokens.extend(_placeholders(rendered.extras.get(END, 0), END, ""))
    return tokens + [IM_START, *_encode("assistant", encoding), IM_SEP][:priming]


@lru_cache(maxsize=1024)
def _encode(text: str, encoding: str) -> tuple[int, ...]:
    """A text's token ids; memoised, since a conversation re-sends the same system prompt and tools."""
    tokenizer = get_encoding(encoding)
    try:
        return tuple(tokenizer.encode_ordinary(text))
    except UnicodeEncodeError:  # a lone surrogate: counted as the replacement character it becomes
        return tuple(tokenizer.encode_ordinary(text.encode("utf-8", "replace").decode()))


def _placeholders(count: int, index: int, content: str) -> list[int]:
    seed = zlib.crc32(f"{index}:{content[:64]}".encode("utf-8", "replace")) & 0xFFFF
    return [PLACEHOLDER + seed + i for i in range(max(0, count))]


def count_rendered(rendered: Rendered) -> int:
    """Prompt tokens of a rendered request."""
    encoding = encoding_for_model(rendered.model)
    framed, tokens = _framing(rendered)
    tokens += rendered.extra_tokens
    for header, content in rendered.messages:
        tokens += count_text(content, encoding)
        if framed:
            tokens += framed + sum(1 if piece == SPECIAL else count_text(piece, encoding) for piece in header)
    return tokens
