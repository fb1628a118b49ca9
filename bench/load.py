"""Load test: gunicorn on 127.0.0.1, bounded concurrent clients, bounded time, then it stops.

    .venv/bin/python bench/load.py                      # 8 clients, 10 s per endpoint
    .venv/bin/python bench/load.py --clients 16 --seconds 5 --workers 3

Starts gunicorn (gunicorn.conf.py, production settings: DJANGO_ENV=production, manifest static
files, DEBUG off) on a free port in 8800-8899 against a throwaway SQLite database seeded with
`sync_prices` (or --database-url, which must point at a migrated, seeded database), then drives each
endpoint in turn with stdlib threads + http.client:

    /healthz                        the floor: no database, no templates
    GET  /api/estimate?...          the JSON API, a typical workload
    POST /api/estimate              same workload as a JSON body
    GET  / (HX-Request: true)       the htmx results partial the form swaps in on every change

Prints requests, errors, throughput and p50/p95/p99 latency per endpoint, then the check that
matters: zero errors, and /api/estimate throughput >= 0.5 x /healthz on the same server. Exits 1
if a check fails. Only 127.0.0.1 is ever contacted. The client threads share one Python process
with the GIL, so on a small machine the /healthz figure is partly the client's own ceiling.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PORTS = range(8800, 8900)

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
    target: Target
    seconds: float
    latencies: list[float]
    errors: list[str]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 8800-8899")


def server_env(database_url: str, port: int, workers: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="estimator.settings",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        # Plain HTTP on the loopback: no TLS proxy here to redirect to.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="ERROR",
        GUNICORN_BIND=f"{HOST}:{port}",
        GUNICORN_WORKERS=str(workers),
        GUNICORN_ACCESSLOG="",
        GUNICORN_LOGLEVEL="warning",
        TIKTOKEN_CACHE_DIR=str(BASE_DIR / ".cache" / "tiktoken"),
    )
    env.pop("DJANGO_DEBUG", None)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


def drive(port: int, target: Target, clients: int, seconds: float) -> Result:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    stop_at = time.monotonic() + seconds
    start = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        mine = latencies[index]
        start.wait()
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            try:
                # gunicorn's sync workers close after each response: one connection per request.
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                conn.request(target.method, target.path, body=target.body, headers=target.headers)
                response = conn.getresponse()
                body = response.read()
                conn.close()
            except OSError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - began
            if response.status != target.expect or not body:
                errors.append(f"HTTP {response.status}: {body[:120]!r}")
                continue
            mine.append(elapsed)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - began
    return Result(target, elapsed, [x for per in latencies for x in per], errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (1-64, default 8)")
    parser.add_argument("--seconds", type=float, default=10, help="seconds per endpoint (1-60, default 10)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--database-url", help="a migrated, seeded database (default: a throwaway SQLite)")
    args = parser.parse_args()
    clients = max(1, min(args.clients, 64))
    seconds = max(1.0, min(args.seconds, 60.0))
    workers = args.workers or min((os.cpu_count() or 1) + 1, 9)  # gunicorn.conf.py's default

    with tempfile.TemporaryDirectory(prefix="estimator-load-") as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'load.sqlite3'}"
        port = free_port()
        env = server_env(database_url, port, workers)
        env["DJANGO_STATIC_ROOT"] = str(Path(tmp) / "static")
        if not args.database_url:
            manage(env, "migrate", "--noinput", "-v", "0")
            manage(env, "sync_prices", "--quiet")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
        )
        try:
            wait_ready(port, server)
            print(
                f"gunicorn on {HOST}:{port}, {workers} workers; {clients} clients x {seconds:g} s per "
                f"endpoint; {os.cpu_count()} CPUs shared by server and clients"
            )
            for target in TARGETS:  # warm every worker's caches and imports
                drive(port, target, clients, 0.5)
            results = [drive(port, target, clients, seconds) for target in TARGETS]
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()

    print(
        f"\n{'endpoint':<14}{'requests':>10}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    for r in results:
        print(
            f"{r.target.name:<14}{len(r.latencies):>10}{len(r.errors):>8}{r.throughput:>9.1f}"
            f"{r.percentile(50) * 1e3:>9.1f}{r.percentile(95) * 1e3:>9.1f}{r.percentile(99) * 1e3:>9.1f}"
        )
    by_name = {r.target.name: r for r in results}
    errors = sum(len(r.errors) for r in results)
    ratio = min(by_name["api GET"].throughput, by_name["api POST"].throughput) / by_name["healthz"].throughput
    print(f"\nerrors: {errors} (target 0) -> {'ok' if errors == 0 else 'FAIL'}")
    for r in results:
        for message in r.errors[:3]:
            print(f"  {r.target.name}: {message}")
    print(
        f"throughput /api/estimate : /healthz = {ratio:.2f} (target >= 0.5) -> "
        f"{'ok' if ratio >= 0.5 else 'FAIL'}"
    )
    return 0 if errors == 0 and ratio >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
