"""Playwright driving Debian's Chromium (never a downloaded browser) against pytest-django's live server.

Without /usr/bin/chromium (or $CHROMIUM_PATH) these tests skip on a laptop and fail in CI (CI=true),
where `make test` installs it first (`make browser`).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from pricing.sync import sync_prices

# Debian's package; CHROMIUM_PATH points elsewhere (another distribution, or a check of the missing case).
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The live server runs in a thread of this process; Django refuses sync ORM calls from a thread that
# runs an event loop, and Playwright's sync API runs one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server hands its request threads one shared in-memory SQLite connection; a page's three
    chart images fetched at once then race on it (wrong rows, "bad parameter or other API misuse").
    Each request runs alone, its body read and closed under the lock; connections still run in threads,
    so a browser's idle keep-alive connection never blocks another. A real server has a connection per
    worker and needs none of this."""

    def set_app(self, application):
        lock = threading.Lock()

        def one_at_a_time(environ, start_response):
            with lock:
                response = application(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(one_at_a_time)


LiveServerThread.server_class = OneRequestAtATimeServer


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)"
        if _in_ci():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def seeded(transactional_db):
    sync_prices()
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


class ConsoleErrors(list):
    """Console errors and uncaught exceptions of every page opened through `open_page`."""

    def watch(self, page):
        page.on("console", lambda message: self.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.append(str(error)))
        return page


@pytest.fixture
def console_errors():
    errors = ConsoleErrors()
    yield errors
    assert list(errors) == [], f"console errors: {list(errors)}"


def settle(ctx) -> None:
    """Let every page finish its requests (charts are images fetched after the page) before the test's
    database goes away under them."""
    for open_page in ctx.pages:
        open_page.wait_for_load_state("networkidle")


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    settle(ctx)
    ctx.close()


@pytest.fixture
def page(context, console_errors, seeded, live_server):
    return console_errors.watch(context.new_page())
