"""Real server processes on 127.0.0.1 for tests (and `bench/load.py`): a database of their own, gunicorn
with production settings, Redis. Each starts, answers and is stopped again however the test ends.

    with fresh_database() as database_url:            # SQLite file, or a new PostgreSQL database
        prepare_database(database_url)                 # migrate + sync_prices + createcachetable
        with Gunicorn(database_url) as server:         # production settings, its own port
            server.request("GET", "/healthz")

On PostgreSQL (DATABASE_URL=postgres://..., as under `make test-postgres`) the new database lives on
the same server as the test database and is dropped afterwards; otherwise it is a SQLite file.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REDIS_SERVER = os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _postgres_url(config: Mapping[str, Any], name: str) -> str:
    user = quote(config.get("USER") or "", safe="")
    password = config.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
    host = quote(config.get("HOST") or "", safe="")
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{name}"


@contextmanager
def fresh_database(url: str | None = None) -> Iterator[str]:
    """An empty database URL for server processes, removed afterwards."""
    url = url if url is not None else os.environ.get("DATABASE_URL", "")
    if not urlsplit(url).scheme.startswith("postgres"):
        with tempfile.TemporaryDirectory(prefix="estimator-db-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'server.sqlite3'}"
        return
    import psycopg

    config = dj_database_url.parse(url)
    name = f"estimator_servers_{secrets.token_hex(4)}"
    admin = psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _postgres_url(config, name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings on plain HTTP over the loopback, quiet logs."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_", "DATABASE_URL", "CACHE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="estimator.settings",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="ERROR",
        DJANGO_STATIC_ROOT=str(Path(tempfile.gettempdir()) / f"estimator-static-{os.getuid()}"),
        GUNICORN_ACCESSLOG="",
        GUNICORN_LOGLEVEL="warning",
        TIKTOKEN_CACHE_DIR=str(BASE_DIR / ".cache" / "tiktoken"),
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def prepare_database(database_url: str) -> None:
    """Migrate, seed the price table (as `make prices` does) and create the cache table."""
    env = server_env(database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "sync_prices", "--quiet")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v", "0")


def big_price_table(env: dict[str, str], path: Path, models: int) -> int:
    """Write the seeded table's export plus `models` new models with a price each, for
    `manage.py import_prices`; returns how many models it adds."""
    manage(env, "export_prices", "-o", str(path))
    table = json.loads(path.read_text())
    history = table["history"]
    model = next(m for m in history["models"] if not m["is_default"])
    price = next(p for p in history["token_prices"] if p["model"] == model["model"])
    for n in range(models):
        model_id = f"load-test-{n:05d}"
        history["models"].append({**model, "model": model_id, "name": f"Load test {n}", "successor": None})
        history["token_prices"].append({**price, "model": model_id})
    path.write_text(json.dumps(table))
    return models


class Gunicorn:
    """gunicorn with gunicorn.conf.py and production settings on a free 127.0.0.1 port."""

    def __init__(self, database_url: str, workers: int | None = 2, port: int | None = None, **env: str):
        """`workers=None`: gunicorn.conf.py's default (CPUs + 1)."""
        self.port = port or free_port()
        self.workers = workers
        self.env = server_env(
            database_url,
            GUNICORN_BIND=f"{HOST}:{self.port}",
            # The database is prepared (prepare_database): no collectstatic per server.
            DJANGO_COLLECTSTATIC="0",
            **({"GUNICORN_WORKERS": str(workers)} if workers else {}),
            **env,
        )
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=self.env,
            start_new_session=True,
        )
        try:
            wait_until_answers(self.port, self.process)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is None:
            return
        stop_group(self.process)
        self.process = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


class Browser:
    """A client of one server that keeps its cookies (even Secure ones: the loopback has no TLS) and
    sends forms with their CSRF token, as a browser would."""

    def __init__(self, server: Gunicorn, address: str | None = None):
        self.server = server
        self.cookies: dict[str, str] = {}
        # With DJANGO_PROXY_COUNT=1 the server takes this as the client's address.
        self.address = address

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if self.address:
            headers["X-Forwarded-For"] = self.address
        conn = http.client.HTTPConnection(HOST, self.server.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def get(self, path: str, **headers: str):
        return self.request("GET", path, headers=headers)

    def csrf_token(self, page: str) -> str:
        _, _, body = self.get(page)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert match is not None, f"no CSRF token on {page}"
        return match.group(1).decode()

    def post_form(self, path: str, fields: dict[str, str], token_from: str | None = None):
        """POST a form; with `token_from`, first read that page for the CSRF token, as a browser would."""
        data = dict(fields)
        if token_from is not None:
            data["csrfmiddlewaretoken"] = self.csrf_token(token_from)
        return self.request(
            "POST", path, urlencode(data).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )


def wait_until_answers(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        conn = http.client.HTTPConnection(HOST, port, timeout=2)  # connects on the request
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
    raise RuntimeError(f"the server on port {port} did not answer /healthz within {timeout:g} s")


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process group (gunicorn's workers too), SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def redis_server() -> Iterator[str]:
    """Debian's redis-server on a free 127.0.0.1 port, nothing kept on disk; yields its redis:// URL."""
    if not Path(REDIS_SERVER).is_file():
        raise FileNotFoundError(f"no redis-server at {REDIS_SERVER} (make redis installs Debian's)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="estimator-redis-") as tmp:
        process = subprocess.Popen(
            [REDIS_SERVER, "--bind", HOST, "--port", str(port), "--save", "", "--appendonly", "no"]
            + ["--dir", tmp, "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with socket.create_connection((HOST, port), timeout=1) as sock:
                        sock.sendall(b"PING\r\n")
                        if sock.recv(16).startswith(b"+PONG"):
                            break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.1)
            yield f"redis://{HOST}:{port}/0"
        finally:
            stop_group(process)
