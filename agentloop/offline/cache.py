"""The offline server's prompt cache, by cost model v2's rules.

A call reads the longest common token prefix P of its rendered prompt with a prefix still in the cache:
`cached = floor(P / step) * step` when P >= 1,024, else 0; the step is 128 tokens, or 1 for models billed
for cache writes (gpt-5.6 and later cache token by token). What a prompt leaves in the cache is its
cacheable part (`agentloop.offline.prefix`: the prompt without the reply's priming and the last message's
end, or up to an explicit breakpoint), C tokens. A model billed for writes writes, on every call, what of
that part it did not read: `floor(C / step) * step - cached` when input >= 1,024.
A prefix expires after the model's cache TTL of idle time: 30 minutes for models billed for writes, 24 hours
otherwise; reading a prefix keeps it warm. The clock is injectable (tests move time by hand).
"""

from __future__ import annotations

import re
import threading
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MIN_CACHED = 1024
STEP = 128
TTL_SECONDS = 24 * 3600
WRITE_BILLED_TTL_SECONDS = 30 * 60
MAX_ENTRIES = 256  # prompts kept per model; the least recently used go first


def billed_for_cache_writes(model: str) -> bool:
    """gpt-5.6 and later are billed for cache writes (and cache token by token)."""
    match = re.match(r"gpt-(\d+)(?:\.(\d+))?", model.rsplit("/", 1)[-1])
    if match is None:
        return False
    major, minor = int(match[1]), int(match[2] or 0)
    return (major, minor) >= (5, 6)


@dataclass(slots=True)
class Entry:
    tokens: bytes  # uint32 token ids, 4 bytes each
    last_used: float


@dataclass(frozen=True, slots=True)
class CacheUse:
    cached: int
    written: int


def _common_prefix(a: bytes, b: bytes) -> int:
    """Length in tokens of the longest common prefix of two uint32 token strings (binary search on
    slice equality: each comparison runs in C)."""
    low, high = 0, min(len(a), len(b)) // 4
    while low < high:
        middle = (low + high + 1) // 2
        if a[: middle * 4] == b[: middle * 4]:
            low = middle
        else:
            high = middle - 1
    return low


class PromptCache:
    def __init__(self, cache_write_models: Iterable[str] = (), clock: Callable[[], float] = time.monotonic):
        self.cache_write_models = frozenset(cache_write_models)
        self.clock = clock
        self._entries: dict[str, list[Entry]] = {}
        self._lock = threading.Lock()

    def bills_writes(self, model: str) -> bool:
        """Whether `model` reports cache writes (and caches in 1-token steps)."""
        return model in self.cache_write_models or billed_for_cache_writes(model)

    def use(self, model: str, tokens: list[int], cacheable: int | None = None) -> CacheUse:
        """Read this prompt's cached prefix, then keep its first `cacheable` tokens (default: all of it)
        for later calls."""
        writes = self.bills_writes(model)
        step = 1 if writes else STEP
        ttl = WRITE_BILLED_TTL_SECONDS if writes else TTL_SECONDS
        kept = len(tokens) if cacheable is None else min(cacheable, len(tokens))
        prompt = array("I", tokens[:kept]).tobytes()
        with self._lock:
            now = self.clock()
            entries = [e for e in self._entries.get(model, []) if now - e.last_used <= ttl]
            best, shared = None, 0
            for entry in entries:
                length = _common_prefix(entry.tokens, prompt)
                if length > shared:
                    best, shared = entry, length
            if best is not None and shared >= MIN_CACHED:
                best.last_used = now
            cached = shared // step * step if shared >= MIN_CACHED else 0
            if len(tokens) >= MIN_CACHED:
                # A kept prompt that this one extends is superseded by it.
                entries = [e for e in entries if not prompt.startswith(e.tokens)]
                entries.append(Entry(prompt, now))
                entries.sort(key=lambda e: e.last_used)
                del entries[:-MAX_ENTRIES]
            self._entries[model] = entries
        written = 0
        if writes and len(tokens) >= MIN_CACHED:
            written = max(0, kept // step * step - cached)
        return CacheUse(cached, written)
