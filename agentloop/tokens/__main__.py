"""python -m agentloop.tokens provision | count-requests FILE"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from agentloop.tokens import count_request
from agentloop.tokens.encodings import ProvisionError, provision_all


def count_lines(lines: Iterable[str]) -> Iterator[dict]:
    """One result per input line: `{"prompt_tokens": N[, "not_counted": [...]]}` or `{"error": "..."}`."""
    for number, line in enumerate(lines, 1):
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("must be a JSON object with api, model and request")
            yield count_request(item.get("api", ""), item.get("model", ""), item.get("request")).to_dict()
        except (ValueError, TypeError, RecursionError) as exc:
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            yield {"error": f"line {number}: {message}"}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m agentloop.tokens")
    sub = parser.add_subparsers(dest="command", required=True)
    provision = sub.add_parser("provision", help="seed tiktoken's cache with o200k_base and cl100k_base")
    provision.add_argument("--cache-dir", type=Path, default=None)
    counter = sub.add_parser(
        "count-requests",
        help="prompt tokens of each request in a JSONL file of {api, model, request} lines",
    )
    counter.add_argument("file", help="a JSONL file, or - for standard input")
    args = parser.parse_args()
    if args.command == "provision":
        try:
            paths = provision_all(args.cache_dir)
        except ProvisionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        for path in paths:
            print(f"tiktoken encoding ready: {path}")
        return 0
    try:
        source = (
            sys.stdin if args.file == "-" else open(args.file, encoding="utf-8", errors="surrogateescape")
        )
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    with source:
        for result in count_lines(source):
            print(json.dumps(result, ensure_ascii=False), flush=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
