"""Price sheets memoised per process, forgotten whenever the price table changes.

Reading a sheet is most of an /api/estimate request, and the table changes a few times a year. Every
write to it changes a revision token kept in the shared cache (signals for saves and deletes,
`price_table_changed()` after bulk writes); a process re-reads the token at most every REVISION_TTL
seconds, so its own writes show at once and other workers' within that time. The memo is a bounded LRU:
a burst of distinct `as_of` dates evicts the least recently used sheets, never the whole memo.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

REVISION_KEY = "pricing:table-revision"
REVISION_TTL = 2.0
MEMO_LIMIT = 512


class _Memo:
    """An LRU of computed values under the table revision they were read at."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.values: OrderedDict[Hashable, Any] = OrderedDict()
        self.revision: str | None = None
        self.read_at = 0.0

    def forget(self) -> None:
        self.values.clear()

    def current_revision(self) -> str:
        now = time.monotonic()
        if self.revision is None or now - self.read_at > REVISION_TTL:
            token = cache.get(REVISION_KEY)
            if token is None:
                cache.add(REVISION_KEY, uuid4().hex, timeout=None)
                token = cache.get(REVISION_KEY)
            if token != self.revision:
                self.values.clear()
            self.revision, self.read_at = token, now
        return self.revision

    def get[T](self, key: Hashable, compute: Callable[[], T]) -> T:
        self.current_revision()
        try:
            self.values.move_to_end(key)
            known: T = self.values[key]  # stored by `compute` under the same key
            return known
        except KeyError:
            pass
        value = compute()
        self.values[key] = value
        if len(self.values) > self.limit:
            self.values.popitem(last=False)
        return value


_memo = _Memo(MEMO_LIMIT)


def memoized[T](key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s value, read once per table revision (an exception is not remembered)."""
    return _memo.get(key, compute)


def memoized_keys() -> list[Hashable]:
    """What the memo holds now, least recently used first (for tests and the bench)."""
    return list(_memo.values)


def price_table_revision() -> str:
    return _memo.current_revision()


def _new_revision() -> None:
    token = uuid4().hex
    cache.set(REVISION_KEY, token, timeout=None)
    _memo.forget()
    _memo.revision, _memo.read_at = token, time.monotonic()


def price_table_changed(**_signal_kwargs: Any) -> None:
    """Forget memoised sheets everywhere: now (this process, this transaction) and again on commit, so no
    worker keeps a sheet it read while the change was not yet committed."""
    _new_revision()
    transaction.on_commit(_new_revision)


def forget_memoised_sheets() -> None:
    """This process forgets its sheets and re-reads the revision token: no database, no cache write."""
    _memo.forget()
    _memo.revision, _memo.read_at = None, 0.0
