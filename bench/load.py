"""Load test on Locust: gunicorn on 127.0.0.1, a bounded number of clients for a bounded time, then stop.

    .venv/bin/python bench/load.py                      # 8 clients, 10 s per endpoint, then the import
    .venv/bin/python bench/load.py --clients 16 --seconds 5 --workers 3 --import-models 3000

Starts gunicorn (gunicorn.conf.py, production settings: DJANGO_ENV=production, manifest static files,
DEBUG off) on a free 127.0.0.1 port against a throwaway database seeded with `sync_prices` (a SQLite
file, or a new database on the PostgreSQL server of --database-url), then runs Locust headless, as a
library (no web UI, no other host), two scenarios:

1. Each endpoint in turn, `--clients` users with no wait between requests, for `--seconds`:

       /healthz                        the floor: no database, no templates
       GET  /api/estimate?...          the JSON API, a typical workload
       POST /api/estimate              same workload as a JSON body
       GET  / (HX-Request: true)       the htmx results partial the form swaps in on every change

   requests, errors, requests/s and p50/p95/p99 latency per endpoint (from every request's own time,
   not Locust's rounded buckets), and the ratio of /api/estimate's throughput to /healthz's.
2. Shares during an import: `--clients` users create share links (the form post, CSRF token and all)
   while `manage.py import_prices` loads the seeded table plus `--import-models` new models; share
   creations per second and errors, during the import and in all, and the import's own time.

Checks: zero errors everywhere, the import succeeds, and /api/estimate >= 0.5 x /healthz. Exits 1 if
one fails. Locust sends `Accept-Encoding: gzip, deflate, br`, as a browser does, so responses are
compressed as users get them. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.servers import (  # noqa: E402  (the checkout's root, put on the path above)
    Gunicorn,
    big_price_table,
    fresh_database,
    prepare_database,
    server_env,
)

WORKLOAD = {
    "sessions_per_month": 20000,
    "turns_per_session": 8,
    "function_calls_per_turn": "1.5",
    "file_search_calls_per_turn": "0.5",
    "code_interpreter_calls_per_turn": "0.25",
    "vector_store_gb": "2",
}


@dataclass
class Target:
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


TARGETS = [
    Target("healthz", "GET", "/healthz"),
    Target("api GET", "GET", "/api/estimate?" + urlencode(WORKLOAD)),
    Target(
        "api POST",
        "POST",
        "/api/estimate",
        json.dumps(WORKLOAD).encode(),
        {"Content-Type": "application/json"},
    ),
    Target("htmx results", "GET", "/?" + urlencode(WORKLOAD), headers={"HX-Request": "true"}),
]


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


class Recorder:
    """Every request's own time and outcome, from Locust's request event, while `active`."""

    def __init__(self) -> None:
        self.result: Result | None = None
        events.request.add_listener(self.on_request)

    def on_request(
        self, name: str, response_time: float, exception: BaseException | None, **_kwargs: Any
    ) -> None:
        if self.result is None:
            return
        if exception is not None:
            self.result.errors.append(f"{type(exception).__name__}: {str(exception)[:120]}")
        else:
            self.result.latencies.append(response_time / 1000)


def run_users(
    user_class: type, host: str, clients: int, seconds: float, recorder: Recorder, name: str
) -> Result:
    """`clients` users of `user_class` for a 0.5 s warm-up, then `seconds` recorded."""
    environment = Environment(user_classes=[user_class], host=host, events=events)
    runner = environment.create_local_runner()
    runner.start(clients, spawn_rate=clients)
    gevent.sleep(0.5)
    recorder.result = result = Result(name, seconds)
    began = time.monotonic()
    gevent.sleep(seconds)
    result.seconds = time.monotonic() - began
    recorder.result = None
    runner.quit()
    return result


def endpoint_user(target: Target) -> type:
    class EndpointUser(FastHttpUser):
        wait_time = constant(0)

        @task
        def hit(self) -> None:
            with self.client.request(
                target.method,
                target.path,
                data=target.body,  # type: ignore[arg-type]  # bytes are sent as they are (its docstring); its annotation says str
                headers=target.headers,
                name=target.name,
                catch_response=True,
            ) as response:
                if response.status_code != target.expect or not response.content:
                    response.failure(f"HTTP {response.status_code}: {(response.content or b'')[:120]!r}")

    return EndpointUser


class ShareUser(FastHttpUser):
    """Creates share links as the form does; each its own documentation-range address (the server
    trusts one proxy hop for this run) so the per-client share limit never trips."""

    wait_time = constant(0)
    count = 0

    def on_start(self) -> None:
        ShareUser.count += 1
        self.number, self.sent = ShareUser.count, 0
        page = self.client.get("/", name="share form")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content or b"")
        # The cookie is Secure (production settings) and this is plain HTTP: send it back by hand.
        set_cookie = page.headers["Set-Cookie"] if page.headers is not None else None
        cookie = re.search(r"csrftoken=([^;]+)", set_cookie) if isinstance(set_cookie, str) else None
        if token is None or cookie is None:
            raise RuntimeError(f"the share form answered HTTP {page.status_code} without a CSRF token")
        self.token, self.cookie = token.group(1).decode(), cookie.group(1)

    @task
    def share(self) -> None:
        self.sent += 1
        address = f"198.51.{100 + self.number % 100}.{self.sent // 15 % 250 + 1}"
        with self.client.post(
            "/share",
            data=urlencode({"csrfmiddlewaretoken": self.token, "turns_per_session": str(self.sent % 40 + 1)}),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={self.cookie}",
                "X-Forwarded-For": address,
            },
            name="share",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}: {(response.content or b'')[:120]!r}")


def shares_during_import(
    server: Gunicorn, table: Path, clients: int, recorder: Recorder
) -> tuple[Result, Result, float, int]:
    """Share creations while `manage.py import_prices table` runs: (during, whole run, import s, exit)."""
    environment = Environment(user_classes=[ShareUser], host=f"http://127.0.0.1:{server.port}", events=events)
    runner = environment.create_local_runner()
    runner.start(clients, spawn_rate=clients)
    gevent.sleep(0.5)
    recorder.result = whole = Result("shares, whole run", 0)
    began = time.monotonic()
    gevent.sleep(1.0)
    before = len(whole.latencies), len(whole.errors)
    started = time.monotonic()
    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import_prices", str(table)],
        cwd=BASE_DIR,
        env=server_env(server.env["DATABASE_URL"]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    while importer.poll() is None:
        gevent.sleep(0.05)
    import_seconds = time.monotonic() - started
    during = Result(
        "shares during import", import_seconds, whole.latencies[before[0] :], whole.errors[before[1] :]
    )
    gevent.sleep(1.0)
    whole.seconds = time.monotonic() - began
    recorder.result = None
    runner.quit()
    if importer.returncode and importer.stderr is not None:
        print(importer.stderr.read()[-2000:])
    return during, whole, import_seconds, importer.returncode


def print_table(results: list[Result]) -> None:
    print(
        f"\n{'endpoint':<22}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    for r in results:
        print(
            f"{r.name:<22}{len(r.latencies):>10}{len(r.errors):>8}{r.throughput:>9.1f}"
            f"{r.percentile(50) * 1e3:>9.1f}{r.percentile(95) * 1e3:>9.1f}{r.percentile(99) * 1e3:>9.1f}"
        )
    for r in results:
        for message in r.errors[:3]:
            print(f"  {r.name}: {message}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent users (1-64, default 8)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds per endpoint (1-60, default 10)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument(
        "--import-models", type=int, default=3000, help="new models in the import (default 3000)"
    )
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL server to make the throwaway database on"
    )
    args = parser.parse_args()
    clients = max(1, min(args.clients, 64))
    seconds = max(1.0, min(args.seconds, 60.0))
    recorder = Recorder()

    with (
        tempfile.TemporaryDirectory(prefix="estimator-load-") as tmp,
        fresh_database(args.database_url) as url,
    ):
        prepare_database(url)
        table = Path(tmp) / "table.json"
        big_price_table(server_env(url), table, max(1, args.import_models))
        with Gunicorn(url, workers=args.workers or None, DJANGO_PROXY_COUNT="1") as server:
            host = f"http://127.0.0.1:{server.port}"
            print(
                f"gunicorn on {host}, {args.workers or 'gunicorn.conf.py default'} workers; {clients} Locust "
                f"users x {seconds:g} s per endpoint; {url.split(':', 1)[0]}"
            )
            results = [run_users(endpoint_user(t), host, clients, seconds, recorder, t.name) for t in TARGETS]
            during, whole, import_seconds, import_status = shares_during_import(
                server, table, clients, recorder
            )

    print_table(results)
    by_name = {r.name: r for r in results}
    ratio = min(by_name["api GET"].throughput, by_name["api POST"].throughput) / by_name["healthz"].throughput
    print_table([during, whole])
    print(
        f"\nimport of {args.import_models:,} new models: {import_seconds:.1f} s, exit {import_status} "
        f"-> {'ok' if import_status == 0 else 'FAIL'}; {during.throughput:.1f} shares created per second "
        f"during it, {len(during.errors)} errors"
    )
    errors = sum(len(r.errors) for r in [*results, whole])
    print(f"errors: {errors} (target 0) -> {'ok' if errors == 0 else 'FAIL'}")
    verdict = "ok" if ratio >= 0.5 else "FAIL"
    print(f"throughput /api/estimate : /healthz = {ratio:.2f} (target >= 0.5) -> {verdict}")
    return 0 if errors == 0 and ratio >= 0.5 and import_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
