"""The reference loop's own overhead per model call, next to a bare openai SDK call to the same server,
without streaming and with it.

Both send the same request (the support script's system prompt and tools, one user message) to the
offline server, started here in its own process on 127.0.0.1 (a port in 8500-8599), so the server's work
is the same on both sides and not competing for this process's GIL. The loop's side is `Agent.send`
with the history reset to the system prompt before each call (outside the timing): token counting of
the new messages, the history window, the call, usage, cost and the structured log record; no storage.
Streamed, the bare side iterates the SDK's stream to its last chunk; the loop's side also assembles the
reply and hands each piece to a callback. Target (issue 5): at most 10% or 1 ms added per call.

    .venv/bin/python bench/loop.py [--calls N]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(ROOT / ".cache" / "tiktoken"))

import openai  # noqa: E402

from agentloop.history import History  # noqa: E402
from agentloop.loop import Agent  # noqa: E402
from agentloop.offline import bundled_scripts, free_port  # noqa: E402


class Rates:  # gpt-4.1 standard
    input, cached_input, cache_write, output = Decimal("2"), Decimal("0.5"), None, Decimal("8")


class Prices:
    def rates_for_input(self, input_tokens: int) -> Rates:
        return Rates()


def wait_for(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the offline server did not start on port {port}")


USER = "Do you ship to Norway?"  # no scripted turn: the server answers with a plain reply, one call
Times = dict[tuple[str, bool], list[float]]


def time_calls(base_url: str, calls: int) -> Times:
    """Seconds per call, bare SDK and loop, not streamed and streamed, interleaved."""
    script = bundled_scripts()[0]
    bare_client = openai.OpenAI(api_key="offline", base_url=base_url, max_retries=2, timeout=60)
    agent = Agent(
        openai.OpenAI(api_key="offline", base_url=base_url),
        script.model,
        system=script.system,
        tools=script.registry(),
        prices=Prices(),
    )
    system = [{"role": "system", "content": script.system}]
    # The request as the loop sends it: a JSON body, not the SDK's typed parameters.
    request: dict[str, Any] = {
        "model": script.model,
        "messages": [*system, {"role": "user", "content": USER}],
        "tools": agent.tool_definitions,
    }

    def bare(stream: bool) -> float:
        began = time.perf_counter()
        if stream:
            streamed = {**request, "stream": True, "stream_options": {"include_usage": True}}
            for _ in bare_client.chat.completions.create(**streamed):
                pass
        else:
            bare_client.chat.completions.create(**request)
        return time.perf_counter() - began

    def loop(stream: bool) -> float:
        agent.history = History(agent.model, system)
        agent.turns_completed = 0
        agent.calls.clear()
        began = time.perf_counter()
        agent.send(USER, on_text=(lambda piece: None) if stream else None)
        return time.perf_counter() - began

    times: Times = {}
    for stream in (False, True):
        for _ in range(30):  # warm up connections, tiktoken, the server's cache
            bare(stream)
            loop(stream)
        for _ in range(calls):  # interleaved, so drift hits both sides alike
            times.setdefault(("bare", stream), []).append(bare(stream))
            times.setdefault(("loop", stream), []).append(loop(stream))
    return times


def report(times: Times, calls: int) -> bool:
    """Print the medians; whether the loop stays within 10 % or 1 ms of the bare call, both ways."""
    print(f"offline server, {calls} calls each, medians:")
    within = True
    for stream in (False, True):
        bare_ms = statistics.median(times[("bare", stream)]) * 1000
        loop_ms = statistics.median(times[("loop", stream)]) * 1000
        added = loop_ms - bare_ms
        label = "streamed" if stream else "not streamed"
        print(f"  {label}:")
        print(f"    bare SDK call        {bare_ms:8.3f} ms")
        print(f"    loop (Agent.send)    {loop_ms:8.3f} ms")
        print(f"    added by the loop    {added:8.3f} ms ({added / bare_ms:+.1%})")
        within = within and (added <= 1.0 or added / bare_ms <= 0.10)
    print(f"  target (<= 10% or <= 1 ms, both): {'met' if within else 'NOT met'}")
    return within


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "agentloop.offline", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_for(port)
        times = time_calls(f"http://127.0.0.1:{port}/v1", args.calls)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0 if report(times, args.calls) else 1


if __name__ == "__main__":
    sys.exit(main())
