"""The API's page, /api/docs: Swagger UI from the app's own static files, under the site's CSP."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_page_lists_every_operation_without_a_csp_violation(page, live_server, console_errors):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_server.url + "/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_text_contents()
    assert {"/api/estimate", "/api/prices", "/api/prices/{model}"} <= {path.strip() for path in paths}
    assert page.locator(".opblock-summary-method").all_text_contents().count("POST") == 1
    # Every asset from this server: no CDN.
    assert all(url.startswith(live_server.url) for url in requests), requests
    # `page` fails the test on any console error, a Content Security Policy violation included.
