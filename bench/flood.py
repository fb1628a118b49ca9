"""The largest workload from many clients, and a default estimate from one more beside them.

    .venv/bin/python bench/flood.py                     # 8 flooding clients, 20 s, the compute budget on
    .venv/bin/python bench/flood.py --budget 0          # the same with no budget (what it was before)

gunicorn on 127.0.0.1 (gunicorn.conf.py, production settings) against a throwaway SQLite database seeded
with `sync_prices`, and Locust headless, as a library (bench/load.py's recorder and table):

- `--clients` flooding users (default 8), each from its own address, ask `/api/estimate` for the largest
  allowed workload (1,000 turns, 50 tool calls of each kind per turn: 603,000 simulated model calls, about
  half a second of CPU) with no wait; the conversations per month differ on every request, so no estimate
  comes from the cache. Over its budget a client gets HTTP 429 (counted, not an error).
- one more user, from an address of its own, asks for the default workload five times a second, its
  conversations per month differing too (every estimate computed).

Prints each user's requests, answers by status and latency percentiles; the check is the issue's: the
default client's median under 50 ms. Exits 1 if it is not, or on any answer other than 200 and 429.
`--budget N` sets DJANGO_COMPUTE_BUDGET (simulated calls per client per minute; 0: no budget).
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter
from urllib.parse import urlencode

import gevent
from load import BASE_DIR, Recorder, Result, print_table
from locust import FastHttpUser, constant, constant_throughput, events, task
from locust.env import Environment

sys.path.insert(0, str(BASE_DIR))
from tests.servers import Gunicorn, fresh_database, prepare_database  # noqa: E402

LARGEST = {
    "turns_per_session": "1000",
    **{
        f"{kind}_calls_per_turn": "50"
        for kind in ("function", "file_search", "web_search", "code_interpreter")
    },
}
NO_BUDGET = 10**12  # simulated calls a minute: far more than two cores can compute
SIZES = itertools.count(1)
STATUSES: dict[str, Counter[int]] = {"largest": Counter(), "default": Counter()}


class Estimating(FastHttpUser):
    abstract = True
    kind = ""
    inputs: dict[str, str] = {}
    address = ""

    @task
    def estimate(self) -> None:
        query = urlencode({**self.inputs, "sessions_per_month": str(next(SIZES))})
        with self.client.get(
            f"/api/estimate?{query}",
            headers={"X-Forwarded-For": self.address},
            name=self.kind,
            catch_response=True,
        ) as response:
            STATUSES[self.kind][response.status_code] += 1
            if response.status_code in (200, 429):
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {(response.content or b'')[:120]!r}")


class Flooder(Estimating):
    fixed_count = 8
    kind, inputs = "largest", LARGEST
    wait_time = constant(0)
    number = 0

    def on_start(self) -> None:
        Flooder.number += 1
        self.address = f"203.0.113.{Flooder.number}"


class DefaultClient(Estimating):
    fixed_count = 1
    kind = "default"
    wait_time = constant_throughput(5)
    address = "198.51.100.9"


class ByName(Recorder):
    """Recorder's request times, kept per request name."""

    def __init__(self, names: list[str], seconds: float) -> None:
        super().__init__()
        self.by_name = {name: Result(name, seconds) for name in names}
        self.recording = False

    def on_request(
        self, name: str, response_time: float, exception: BaseException | None, **kwargs: object
    ) -> None:
        if self.recording and name in self.by_name:
            self.result = self.by_name[name]
            super().on_request(name, response_time, exception, **kwargs)
            self.result = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="flooding users (1-32, default 8)")
    parser.add_argument("--seconds", type=float, default=20, help="seconds recorded (5-120, default 20)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument(
        "--budget", type=int, default=-1, help="DJANGO_COMPUTE_BUDGET (0: none; default: settings)"
    )
    args = parser.parse_args()
    Flooder.fixed_count = max(1, min(args.clients, 32))
    seconds = max(5.0, min(args.seconds, 120.0))
    env = {"DJANGO_PROXY_COUNT": "1"}
    if args.budget >= 0:
        env["DJANGO_COMPUTE_BUDGET"] = str(args.budget or NO_BUDGET)
    budget = "settings' default" if args.budget < 0 else f"{args.budget:,}" if args.budget else "none"
    recorder = ByName(["largest", "default"], seconds)

    with fresh_database("") as url:
        prepare_database(url)
        with Gunicorn(url, args.workers or None, None, **env) as server:
            host = f"http://127.0.0.1:{server.port}"
            print(
                f"gunicorn on {host}, {args.workers or 'gunicorn.conf.py default'} workers; "
                f"{Flooder.fixed_count} clients flood the largest workload, one asks for the default "
                f"5 times a second, {seconds:g} s; compute budget: {budget}"
            )
            environment = Environment(user_classes=[Flooder, DefaultClient], host=host, events=events)
            runner = environment.create_local_runner()
            runner.start(Flooder.fixed_count + 1, spawn_rate=Flooder.fixed_count + 1)
            gevent.sleep(2.0)  # every flooder has its first estimate in flight
            for counter in STATUSES.values():
                counter.clear()
            recorder.recording = True
            gevent.sleep(seconds)
            recorder.recording = False
            runner.quit()

    results = list(recorder.by_name.values())
    print_table(results)
    for kind, counter in STATUSES.items():
        print(f"{kind}: " + ", ".join(f"HTTP {status} x {n:,}" for status, n in sorted(counter.items())))
    default = recorder.by_name["default"]
    median_ms = default.percentile(50) * 1e3
    unexpected = sum(
        n for counter in STATUSES.values() for status, n in counter.items() if status not in (200, 429)
    )
    refused = STATUSES["default"][429]
    verdict = "ok" if median_ms < 50 and not refused else "FAIL"
    print(
        f"default estimate beside the flood: median {median_ms:.1f} ms, {refused} refused "
        f"(target < 50 ms) -> {verdict}"
    )
    print(f"answers other than 200 and 429: {unexpected} (target 0) -> {'ok' if not unexpected else 'FAIL'}")
    return 0 if verdict == "ok" and not unexpected else 1


if __name__ == "__main__":
    sys.exit(main())
