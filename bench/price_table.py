"""How fast the price table reads and imports at sizes an admin will never reach by hand.

1. Import: a 10 MB JSON export and a 10 MB CSV export (the admin's upload limit), each of new dated prices
   for the seeded models, checked and written in one transaction, as the admin's Import (in the
   background worker) and `manage.py import_prices` do it. Figures: CPU and wall time, medians of three.
2. `/api/prices` with 10,000 models in the table: the price list in a fixed number of queries.
   Target: under 2 s uncached, and the same query count as with the seeded 51 models.
3. The price-sheet memo under 600 distinct `as_of` dates: the hit rate of the common request stays 100 %.

Runs on a throwaway SQLite database (migrated and seeded with `sync_prices`).

    .venv/bin/python bench/price_table.py [import] [price_list] [memo]   (all three by default)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estimator.settings")
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".cache/tiktoken"))

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from pricing import memo  # noqa: E402
from pricing.catalog import price_list, price_sheet_for  # noqa: E402
from pricing.memo import forget_memoised_sheets  # noqa: E402
from pricing.models import LanguageModel, TokenPrice  # noqa: E402
from pricing.sync import sync_prices  # noqa: E402
from pricing.transfer import MAX_IMPORT_BYTES, export_csv, export_json, import_file  # noqa: E402
from pricing.transfer.files import write_csv  # noqa: E402

MODELS = ("gpt-4.1", "gpt-5.4", "o3", "gpt-4o-mini", "gpt-5.4-mini")


def price_rows(count: int) -> list[dict]:
    """New prices as an export writes them: every row made at its own moment, as rows entered one by one
    are (so no two `created_at` cells are alike)."""
    start = date(2031, 1, 1)
    made = datetime(2026, 11, 30, 12, tzinfo=UTC)
    return [
        {
            "model": MODELS[n % len(MODELS)],
            "service_tier": "standard",
            "effective_from": (start + timedelta(days=n // len(MODELS))).isoformat(),
            "input_per_mtok": f"{1 + n % 97 / 100:.2f}",
            "cached_input_per_mtok": "0.5",
            "cache_write_per_mtok": None,
            "output_per_mtok": "8",
            "long_context": None,
            "source": "admin",
            "source_version": "",
            "edited_by": None,
            "created_at": (made + timedelta(seconds=n)).isoformat(),
            "checked_at": "2026-11-30T12:00:00+00:00",
            "note": "A price change entered from OpenAI's pricing page on the day it was announced.",
        }
        for n in range(count)
    ]


def file_of_10_mb(kind: str) -> tuple[bytes, int]:
    """An export of the seeded table plus as many new price rows as fit in the 10 MB upload limit."""
    document = json.loads(export_json())
    seeded_prices = document["history"]["token_prices"]
    count = 40_000 if kind == "json" else 90_000
    while True:
        rows = price_rows(count)
        if kind == "json":
            document["history"]["token_prices"] = [*seeded_prices, *rows]
            content = json.dumps(document, indent=2).encode()
        else:
            flat = (("token_price", {k: v for k, v in row.items() if k != "long_context"}) for row in rows)
            content = (export_csv() + write_csv(flat).split("\n", 1)[1]).encode()
        if len(content) <= MAX_IMPORT_BYTES:
            return content, count
        count = int(count * 0.99)


def bench_import() -> list[str]:
    lines = []
    for kind in ("json", "csv"):
        content, count = file_of_10_mb(kind)
        timings, cpu_timings = [], []
        for _ in range(3):
            with transaction.atomic():
                started, cpu_started = time.perf_counter(), time.process_time()
                report = import_file(f"prices.{kind}", content)
                timings.append(time.perf_counter() - started)
                cpu_timings.append(time.process_time() - cpu_started)
                assert report.created["token_price"] == count, report.summary()
                transaction.set_rollback(True)
        wall, cpu = statistics.median(timings), statistics.median(cpu_timings)
        lines.append(
            f"import {kind.upper()}: {len(content) / 1e6:.1f} MB, {count:,} new price rows: median "
            f"{cpu:.2f} s CPU, {wall:.2f} s wall ({count / wall:,.0f} rows/s) "
            f"[wall runs: {', '.join(f'{t:.2f}' for t in timings)}; "
            f"CPU runs: {', '.join(f'{t:.2f}' for t in cpu_timings)}]"
        )
    return lines


def bench_price_list() -> list[str]:
    forget_memoised_sheets()
    with CaptureQueriesContext(connection) as small:
        price_list()
    with transaction.atomic():
        template = TokenPrice.objects.get(model_id="gpt-4.1", service_tier="standard")
        LanguageModel.objects.bulk_create(
            LanguageModel(id=f"bench-{n:05}", context_window=128_000, source="admin") for n in range(10_000)
        )
        TokenPrice.objects.bulk_create(
            TokenPrice(
                model_id=f"bench-{n:05}",
                input_per_mtok=template.input_per_mtok,
                cached_input_per_mtok=template.cached_input_per_mtok,
                output_per_mtok=template.output_per_mtok,
                source="admin",
            )
            for n in range(10_000)
        )
        timings = []
        large = CaptureQueriesContext(connection)  # the last of three runs
        body: dict[str, Any] = {}
        for _ in range(3):
            forget_memoised_sheets()
            with large:
                started = time.perf_counter()
                body = price_list()
                timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        price_list()
        memoised = time.perf_counter() - started
        transaction.set_rollback(True)
    return [
        f"/api/prices body: {len(body['models']):,} models in {len(large.captured_queries)} queries "
        f"(51 models: {len(small.captured_queries)} queries); uncached median "
        f"{statistics.median(timings):.2f} s, memoised {memoised * 1000:.2f} ms"
    ]


def bench_memo() -> list[str]:
    forget_memoised_sheets()
    hits = misses = 0
    today_sheet = price_sheet_for("gpt-4.1")
    for offset in range(600):
        price_sheet_for("gpt-4.1", date(2024, 1, 1) + timedelta(days=offset))
        if price_sheet_for("gpt-4.1") is today_sheet:
            hits += 1
        else:
            misses += 1
    return [
        f"memo: 600 distinct as_of dates interleaved with today's request: {hits} hits, {misses} misses "
        f"for today's sheet; memo holds {len(memo.memoized_keys())} of {memo.MEMO_LIMIT}"
    ]


def main() -> int:
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = ":memory:"  # a throwaway database, never the real one
    connection.creation.create_test_db(verbosity=0)
    sync_prices()
    benches = {"import": bench_import, "price_list": bench_price_list, "memo": bench_memo}
    for name in sys.argv[1:] or benches:
        for line in benches[name]():
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
