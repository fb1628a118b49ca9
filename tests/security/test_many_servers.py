"""Several app servers behind one balancer: two gunicorn instances on one database and one Redis
(CACHE_URL=redis://...). A price edited through one is priced by the other within 2 s (the price
table's revision token is shared), and a rate limit spent on one holds on the other.

The database is PostgreSQL under `make test-postgres` (as production runs it) and a SQLite file
otherwise (two servers on one machine). Redis is Debian's redis-server, started here on a free
127.0.0.1 port; `make redis` installs it (`make test` and `make test-postgres` do so first).

A new shared limit (a compute budget, say) is one more SharedLimit in SHARED_LIMITS: how to spend one
unit of it on a server, and how many units it allows.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.servers import (
    BASE_DIR,
    REDIS_SERVER,
    Browser,
    Gunicorn,
    fresh_database,
    prepare_database,
    redis_server,
    server_env,
)

PROPAGATION_SECONDS = 2.0
MODEL = "gpt-4.1"
ESTIMATE = f"/api/estimate?model={MODEL}&turns_per_session=6"
ADMIN_PASSWORD = "a-long-admin-password-for-the-test"


@dataclass(frozen=True)
class Servers:
    one: Gunicorn
    other: Gunicorn
    cache_url: str

    def cache_keys(self, pattern: str) -> list[str]:
        import redis

        keys = redis.Redis.from_url(self.cache_url).keys(pattern)
        return sorted(key.decode() if isinstance(key, bytes) else key for key in keys)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    if not Path(REDIS_SERVER).is_file():
        message = f"no redis-server at {REDIS_SERVER}: `make redis` installs Debian's"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with redis_server() as cache_url, fresh_database() as database_url:
        prepare_database(database_url)
        subprocess.run(
            [sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", "admin"]
            + ["--email", "admin@example.com"],
            cwd=BASE_DIR,
            env={**server_env(database_url), "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
            check=True,
            capture_output=True,
        )
        with (
            Gunicorn(database_url, workers=2, CACHE_URL=cache_url) as one,
            Gunicorn(database_url, workers=2, CACHE_URL=cache_url) as other,
        ):
            yield Servers(one, other, cache_url)


def per_session_usd(browser: Browser) -> Decimal:
    status, _, body = browser.get(ESTIMATE)
    assert status == 200, body[:300]
    return Decimal(json.loads(body)["approaches"]["responses"]["per_session_usd"])


def logged_in_admin(server: Gunicorn) -> Browser:
    browser = Browser(server)
    status, headers, body = browser.post_form(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": ADMIN_PASSWORD, "next": "/admin/"},
        token_from="/admin/login/",
    )
    assert status == 302 and headers["Location"] == "/admin/", body[:300]
    return browser


def test_a_price_edited_through_one_server_is_priced_by_the_other_within_2_s(servers):
    reader = Browser(servers.other)
    before = {per_session_usd(reader) for _ in range(6)}  # every worker of the other server has read it
    assert len(before) == 1
    admin = logged_in_admin(servers.one)
    _, _, prices = admin.get(f"/api/prices/{MODEL}")
    standard = json.loads(prices)["service_tiers"]["standard"]
    status, _, body = admin.post_form(
        "/admin/pricing/tokenprice/add/",
        {
            "model": MODEL,
            "service_tier": "standard",
            "effective_from": datetime.now(UTC).date().isoformat(),  # the app's today (TIME_ZONE=UTC)
            "input_per_mtok": str(Decimal(standard["input_per_mtok"]) * 3),
            "cached_input_per_mtok": standard["cached_input_per_mtok"] or "",
            "cache_write_per_mtok": standard["cache_write_per_mtok"] or "",
            "output_per_mtok": standard["output_per_mtok"],
            "note": "three times the input price, to be seen on the other server",
            "_save": "Save",
        },
        token_from="/admin/pricing/tokenprice/add/",
    )
    assert status == 302, body.decode(errors="replace")[:2000]
    edited_at = time.monotonic()
    changed_at = None
    while time.monotonic() - edited_at < PROPAGATION_SECONDS + 1:
        if per_session_usd(reader) not in before:
            changed_at = time.monotonic()
            break
        time.sleep(0.05)
    assert changed_at is not None and changed_at - edited_at <= PROPAGATION_SECONDS
    # ... and every worker there prices with it from then on.
    time.sleep(max(0.0, edited_at + PROPAGATION_SECONDS - time.monotonic()))
    after = {per_session_usd(reader) for _ in range(6)}
    assert len(after) == 1 and after.isdisjoint(before)
    assert servers.cache_keys("*pricing:table-revision") == [":1:pricing:table-revision"]


@dataclass(frozen=True)
class SharedLimit:
    """A limit counted in the shared cache: `spend` uses one unit of it on a server and returns the
    HTTP status; `allowed` units pass in a window."""

    name: str
    spend: Callable[[Browser], int]
    allowed: int
    period: int  # seconds: the window the limit counts in


def create_share(browser: Browser) -> int:
    return browser.post_form("/share", {"turns_per_session": "3"}, token_from="/")[0]


def count_tokens(browser: Browser) -> int:
    return browser.post_form("/tokens/count", {"system_prompt": "You are a helpful agent."})[0]


SIZES = itertools.count(1)


def estimate_the_largest_workload(browser: Browser) -> int:
    """603,000 simulated model calls (the largest allowed workload, three ways); the conversations per
    month differ every time, so nothing comes from the estimate cache."""
    query = urlencode({**LARGEST, "sessions_per_month": str(next(SIZES))})
    return browser.get(f"/api/estimate?{query}")[0]


LARGEST = {
    "turns_per_session": "1000",
    **{
        f"{kind}_calls_per_turn": "50"
        for kind in ("function", "file_search", "web_search", "code_interpreter")
    },
}

SHARED_LIMITS = [
    SharedLimit("share links", create_share, allowed=20, period=600),
    SharedLimit("token counts", count_tokens, allowed=120, period=600),
    # 1,250,000 simulated calls a minute: two of the largest workloads (603,000 each), not three.
    SharedLimit("compute budget", estimate_the_largest_workload, allowed=2, period=60),
]


@pytest.mark.parametrize("limit", SHARED_LIMITS, ids=lambda limit: limit.name)
def test_a_limit_spent_on_one_server_holds_on_the_other(servers, limit):
    # Every limit gets a client of its own (one proxy hop is not trusted here, so the address is
    # 127.0.0.1 for all: the limits are told apart by name).
    on_one, on_other = Browser(servers.one), Browser(servers.other)
    # Windows are fixed: start well inside one, so that all of this is counted in the same window.
    left_in_window = limit.period - time.time() % limit.period
    if left_in_window < min(60, limit.period / 3):
        time.sleep(left_in_window + 0.5)
    statuses = [limit.spend(on_one) for _ in range(limit.allowed)]
    assert all(status in {200, 302} for status in statuses), statuses
    assert limit.spend(on_other) == 429
    assert limit.spend(on_one) == 429
    assert len(servers.cache_keys("*ratelimit:*")) >= 1  # counted in Redis, not in each server's database
