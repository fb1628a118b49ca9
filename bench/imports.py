"""Trace import throughput (calls per second) and peak memory on a generated OpenAI request/response log.

The log (default 1,000,000 calls) is written to a temp folder first: support-agent conversations of
8 turns (one tool round and a reply each: 16 calls), 64 of them open at a time and interleaved, no
conversation ids (so every call is grouped by its messages, the costlier path), timestamps over 30 days.
The import then runs exactly as `manage.py import_traces` runs it, into a throwaway SQLite database
seeded with the price table: read, group, price, fit, store every call. Figures: calls per second
over the whole import (wall clock, and per second of this process's CPU, which other work on a shared
machine does not inflate), the file's size, and the process's peak resident memory before and after.

    .venv/bin/python bench/imports.py [--calls N] [--keep-file]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(ROOT / ".cache" / "tiktoken"))
WORK = Path(tempfile.mkdtemp(prefix="bench-imports-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estimator.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

TURNS = 8
OPEN = 64
SYSTEM = {"role": "system", "content": "You are the support agent of a bicycle shop. " * 10}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Find an order by its id.",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}},
        },
    }
]


def _line(messages: list, reply: dict, prompt: int, completion: int, cached: int, at: int) -> str:
    return json.dumps(
        {
            "request": {"model": "gpt-4.1", "messages": messages, "tools": TOOLS},
            "response": {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": at,
                "model": "gpt-4.1-2025-04-14",
                "choices": [{"index": 0, "message": reply, "finish_reason": "stop"}],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "prompt_tokens_details": {"cached_tokens": cached},
                },
            },
        }
    )


def conversation(number: int, start: int) -> list[str]:
    messages: list[dict[str, Any]] = [SYSTEM]
    lines: list[str] = []
    prompt = 1250
    for turn in range(1, TURNS + 1):
        messages = [*messages, {"role": "user", "content": f"Where is order {number}-{turn}?"}]
        call = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": f"c{number}_{turn}", "type": "function",
                 "function": {"name": "lookup_order", "arguments": f'{{"order_id":"{number}-{turn}"}}'}}
            ],
        }  # fmt: skip
        at = start + turn * 60
        lines.append(_line(messages, call, prompt, 18, (prompt - 60) // 128 * 128, at))
        messages = [
            *messages,
            call,
            {"role": "tool", "tool_call_id": f"c{number}_{turn}", "content": "Shipped."},
        ]
        prompt += 18 + 14
        reply = {"role": "assistant", "content": f"Order {number}-{turn} has shipped and arrives tomorrow."}
        lines.append(_line(messages, reply, prompt, 16, (prompt - 40) // 128 * 128, at + 5))
        messages = [*messages, reply]
        prompt += 16 + 17
    return lines


def write_log(path: Path, calls: int) -> None:
    per = 2 * TURNS
    conversations = -(-calls // per)
    month = 30 * 86400
    written = 0
    with path.open("w") as handle:
        for first in range(0, conversations, OPEN):
            group = [
                conversation(n, 1_793_000_000 + n * month // conversations)
                for n in range(first, min(first + OPEN, conversations))
            ]
            for position in range(per):
                for lines in group:
                    if written < calls:
                        handle.write(lines[position] + "\n")
                        written += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--keep-file", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("sync_prices", quiet=True)
    log = WORK / "traffic.jsonl"
    started = time.perf_counter()
    write_log(log, args.calls)
    print(
        f"generated {args.calls:,} calls, {log.stat().st_size / 1e6:,.0f} MB, "
        f"in {time.perf_counter() - started:.1f} s"
    )
    from runs.imports import trace_import_create_file, trace_import_process

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    trace_import = trace_import_create_file(log, fmt="", keep_text=False)
    started, cpu = time.perf_counter(), time.process_time()
    trace_import_process(trace_import.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    trace_import.refresh_from_db()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert trace_import.status == "completed", trace_import.error
    print(
        f"imported {trace_import.calls_count:,} calls in {trace_import.conversations_count:,} conversations"
    )
    print(f"  {seconds:.1f} s: {trace_import.calls_count / seconds:,.0f} calls per second")
    # On a shared machine the wall clock includes other work; this process's own CPU time does not.
    print(f"  {cpu:.1f} s of CPU: {trace_import.calls_count / cpu:,.0f} calls per CPU second")
    print(f"  peak resident memory {peak:,.0f} MB (before the import: {before:,.0f} MB)")
    assert trace_import.actual_cost_usd is not None  # a completed import has its cost
    print(
        f"  actual cost {trace_import.actual_cost_usd.normalize():f} USD; "
        f"fitted {json.dumps(trace_import.fitted_inputs)}"
    )
    if not args.keep_file:
        log.unlink()


if __name__ == "__main__":
    main()
