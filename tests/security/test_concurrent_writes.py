"""Concurrent writers through real server processes: share links created while a price table is
imported, on the configured database (SQLite in WAL with IMMEDIATE transactions, or PostgreSQL under
`make test-postgres`). Nobody sees a 5xx, the import lands whole, every 302 is a stored share.

The import goes through its public command (`manage.py import_prices`), so how it writes is its own
business; only what a user sees is checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

from pricing.memo import REVISION_TTL
from tests.servers import (
    BASE_DIR,
    Browser,
    Gunicorn,
    big_price_table,
    fresh_database,
    prepare_database,
    server_env,
)

SYNTHETIC_MODELS = 1500
SHARE_CLIENTS = 3


class ShareClient(threading.Thread):
    """Creates share links until told to stop; each request from its own documentation-range address
    (the server trusts one proxy hop), so the per-client share limit never trips."""

    def __init__(self, server: Gunicorn, number: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.server, self.number, self.stop = server, number, stop
        self.statuses: list[int] = []
        self.failures: list[str] = []

    def run(self) -> None:
        browser = Browser(self.server)
        token = browser.csrf_token("/")
        sent = 0
        while not self.stop.is_set():
            browser.address = f"198.51.{100 + self.number}.{sent // 15 % 250 + 1}"
            fields = {"csrfmiddlewaretoken": token, "turns_per_session": str(sent % 40 + 1)}
            status, _, body = browser.post_form("/share", fields)
            self.statuses.append(status)
            if status != 302:
                self.failures.append(f"HTTP {status}: {body[:200]!r}")
            sent += 1


def stored_shares(env: dict[str, str]) -> int:
    script = (
        "import django; django.setup(); from estimator.models import Scenario; "
        "print(Scenario.objects.count())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return int(result.stdout)


def test_share_links_during_a_price_import_never_fail(tmp_path):
    with fresh_database() as url:
        prepare_database(url)
        env = server_env(url)
        added = big_price_table(env, tmp_path / "table.json", SYNTHETIC_MODELS)
        with Gunicorn(url, workers=2, DJANGO_PROXY_COUNT="1") as server:
            stop = threading.Event()
            clients = [ShareClient(server, n, stop) for n in range(SHARE_CLIENTS)]
            for client in clients:
                client.start()
            time.sleep(0.5)  # shares are flowing before the import starts
            started = time.monotonic()
            imported = subprocess.run(
                [sys.executable, "manage.py", "import_prices", str(tmp_path / "table.json")],
                cwd=BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            import_seconds = time.monotonic() - started
            time.sleep(0.5)  # and go on after it
            stop.set()
            for client in clients:
                client.join(120)
            # Another process's write shows within REVISION_TTL (each worker re-reads the table's revision
            # at most that often): a worker that read it during the import still serves the old table.
            time.sleep(REVISION_TTL)
            models = json.loads(server.request("GET", "/api/prices")[2])["models"]
        shares = stored_shares(env)

    assert imported.returncode == 0, imported.stdout + imported.stderr
    statuses = [status for client in clients for status in client.statuses]
    failures = [failure for client in clients for failure in client.failures]
    assert failures == [], f"{len(failures)} of {len(statuses)} failed during a {import_seconds:.1f} s import"
    assert len(statuses) >= SHARE_CLIENTS * 2
    assert shares == len(statuses)
    assert sum(1 for model in models if model["model"].startswith("load-test-")) == added
