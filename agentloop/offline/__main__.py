"""python -m agentloop.offline: serve the offline OpenAI-compatible server until interrupted."""

from __future__ import annotations

import argparse
import sys

from agentloop.offline.scripts import ScriptError, bundled_scripts, load_script
from agentloop.offline.server import FAULTS, OfflineServer


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agentloop.offline",
        description="Serve /v1/chat/completions on 127.0.0.1, replaying workload scripts (default: bundled).",
    )
    parser.add_argument("--port", type=int, default=8500)
    parser.add_argument("--script", action="append", default=[], help="a script JSON file (repeatable)")
    parser.add_argument(
        "--cache-write-model",
        action="append",
        default=[],
        help="report prompt_tokens_details.cache_write_tokens for this model (repeatable; gpt-5.6+ always)",
    )
    args = parser.parse_args()
    if not 0 < args.port < 65536:
        parser.error("--port: must be between 1 and 65535")
    try:
        scripts = [load_script(path) for path in args.script] or bundled_scripts()
    except ScriptError as exc:
        parser.error(str(exc))
    try:
        server = OfflineServer(scripts, port=args.port, cache_write_models=args.cache_write_model)
    except OSError as exc:
        parser.error(f"--port: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}")
    print(f"Offline OpenAI-compatible server on {server.base_url} ({len(scripts)} scripts).", flush=True)
    print(f"Faults on request: header x-fake-fault: {' | '.join(FAULTS)}[:N]. Ctrl-C stops.", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
