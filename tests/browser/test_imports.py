"""Trace imports in a real browser: log in as staff, upload, read the result; phone width without
sideways scrolling."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests.runs.traces.builders import support_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-browser-imports-2026"


@pytest.fixture
def staff_page(page, context, live_server):
    user = User.objects.create_user("importer", password=PASSWORD, is_staff=True)
    codenames = ("view_traceimport", "add_traceimport", "delete_traceimport")
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)  # a staff session, without the admin's login page (it has no favicon)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/runs/imports/")
    return page


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_upload_a_log_and_read_its_three_answers(staff_page, tmp_path, live_server):
    log = tmp_path / "traffic.jsonl"
    lines = support_conversation("a", 3) + support_conversation("b", 1, start_minute=10)
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    page = staff_page
    page.set_input_files("#id_file", str(log))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(f"{live_server.url}/runs/imports/*/")
    assert page.locator('[data-figure="status"]').inner_text() == "Completed"
    assert page.locator('[data-figure="actual_cost_usd"]').inner_text() == "0.028960"
    assert page.locator('[data-figure="fitted_turns_histogram"]').inner_text() == "1:1, 3:1"
    for heading in ("What it cost", "What workload it is", "What it would cost three ways"):
        assert page.get_by_role("heading", name=heading).is_visible()
    assert no_sideways_scrolling(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scrolling(page)
    page.click("text=Every call")
    assert page.locator('[data-figure="prompt_tokens"]').count() == 8
    assert no_sideways_scrolling(page)
    page.goto(f"{live_server.url}/runs/imports/")
    assert no_sideways_scrolling(page)
