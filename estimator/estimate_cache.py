"""Identical estimates are computed once: the page, its three charts and its exports share one result.

The key is everything an estimate depends on: the price sheet (its numbers' fingerprint, its date and
version) and the normalised inputs (the `Workload`, defaults filled in), so a price change or any
different input is a different key and nothing ever needs invalidating.

Two levels. Every process keeps its most recent estimates (`LOCAL_SIZE`, least recently used first out):
a page and its charts usually reach the same worker, and a hit costs nothing. Estimates that are
expensive to compute (at least `SHARED_FROM_CALLS` simulated model calls, where unpickling is far cheaper
than simulating) also go to the shared cache, so another worker or another app server reuses them; a
cheap estimate is computed again, which is as fast as reading it back.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from django.core.cache import cache

from pricing.engine import Estimate
from pricing.sheet import PriceSheet
from pricing.workload import Workload

# Room for a page's estimate and a whole models table beside it (one estimate per listed model, 33 today).
LOCAL_SIZE = 128
SHARED_FROM_CALLS = 20_000  # about 50 ms of simulation; the default workload is 960 calls, 1.5 ms
SHARED_TIMEOUT = 3600  # seconds: the key never goes stale, this only bounds the cache's size
PREFIX = "estimate:v2:"

_local: OrderedDict[str, Estimate] = OrderedDict()
_lock = Lock()


def estimate_key(sheet: PriceSheet, workload: Workload) -> str:
    parts = (sheet.fingerprint(), sheet.as_of.isoformat(), sheet.version, workload.model_dump_json())
    return PREFIX + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _remember(key: str, result: Estimate) -> None:
    with _lock:
        _local[key] = result
        _local.move_to_end(key)
        while len(_local) > LOCAL_SIZE:
            _local.popitem(last=False)


def _recall(key: str) -> Estimate | None:
    with _lock:
        result = _local.get(key)
        if result is not None:
            _local.move_to_end(key)
        return result


def estimate_cached(key: str, calls: int, compute: Callable[[], Estimate]) -> tuple[Estimate, bool]:
    """(the estimate for `key`, whether it was computed now). `calls` is what computing it costs."""
    result = _recall(key)
    if result is not None:
        return result, False
    shared = calls >= SHARED_FROM_CALLS
    if shared:
        stored = cache.get(key)
        if stored is not None:
            # Written by this app (below) into its own cache, as Django's cache backends pickle anyway.
            result = pickle.loads(zlib.decompress(stored))
            _remember(key, result)
            return result, False
    result = compute()
    _remember(key, result)
    if shared:
        cache.set(key, zlib.compress(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)), SHARED_TIMEOUT)
    return result, True


def forget_estimates() -> None:
    """This process forgets its estimates (tests; the shared cache is cleared with the cache)."""
    with _lock:
        _local.clear()
