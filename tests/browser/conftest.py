"""Playwright driving Debian's Chromium (never a downloaded browser) against pytest-django's live server.

Without /usr/bin/chromium (or $CHROMIUM_PATH) these tests skip on a laptop and fail in CI (CI=true),
where `make test` installs it first (`make browser`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache

from pricing.catalog import sync_prices

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


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, console_errors, seeded, live_server):
    return console_errors.watch(context.new_page())
