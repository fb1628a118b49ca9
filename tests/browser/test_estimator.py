"""The estimator in a real browser: live updates, figures equal to the API, share links, token counts."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from agentloop import tokens
from estimator.presets import PRESETS
from pricing.engine import planned_model_calls
from pricing.workload import parse_workload
from tests.browser.conftest import settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPROACHES = ("assistants", "responses", "chat_completions")
CARD_FIGURES = "#way-{approach} [data-figure][data-value]"


def card_figures(page) -> dict[tuple[str, str], str]:
    """Every figure the three cards show, keyed by (approach, figure), read from data-value."""
    out = {}
    for approach in APPROACHES:
        for element in page.locator(CARD_FIGURES.format(approach=approach)).all():
            out[(approach, element.get_attribute("data-figure"))] = element.get_attribute("data-value")
    return out


def figure(page, approach: str, name: str) -> str:
    return page.locator(f'#way-{approach} [data-figure="{name}"]').first.get_attribute("data-value")


def api(live_server, inputs: dict) -> dict:
    with urlopen(f"{live_server.url}/api/estimate?{urlencode(inputs)}") as response:  # noqa: S310 - local
        return json.load(response)


def expected_card_figures(body: dict) -> dict[tuple[str, str], str]:
    out = {}
    for key in APPROACHES:
        approach = body["approaches"][key]
        for name in ("per_session_usd", "fixed_monthly_usd", "per_month_usd"):
            out[(key, name)] = approach[name]
        if key == "chat_completions":
            out[(key, "per_month_with_engineering_usd")] = approach["per_month_with_engineering_usd"]
        out[(key, "model_calls")] = approach["model_calls"]
        for name in ("input", "input_cached", "output"):
            out[(key, f"tokens.{name}")] = approach["tokens"][name]
        for name in ("input_cache_write", "reasoning"):
            if Decimal(approach["tokens"][name]):
                out[(key, f"tokens.{name}")] = approach["tokens"][name]
        if key not in body["verdict"]["cheapest"] and key in body["verdict"]["live"]:
            out[(key, "more_usd")] = body["verdict"]["comparisons"][key]["more_usd"]
        # A break-even against a shut-down way is not shown: that way is a baseline, not a choice.
        if key in body["engineering"]["break_even_months"] and key in body["verdict"]["live"]:
            months = body["engineering"]["break_even_months"][key]
            out[(key, "break_even_months")] = "" if months is None else months
    return out


def wait_for_figure_change(page, approach: str, name: str, old: str) -> str:
    selector = f'#way-{approach} [data-figure="{name}"]'
    page.wait_for_function(
        "([selector, old]) => { const e = document.querySelector(selector);"
        " return e && e.getAttribute('data-value') !== old; }",
        arg=[selector, old],
        timeout=10_000,
    )
    return figure(page, approach, name)


def charts_drawn(page) -> list[str]:
    """Wait for the chart images and return their keys; each must have drawn (a broken one is 0 wide)."""
    page.wait_for_function("[...document.querySelectorAll('figure.chart img')].every(img => img.complete)")
    widths = page.eval_on_selector_all(
        "figure.chart", "figures => figures.map(f => [f.dataset.chart, f.querySelector('img').naturalWidth])"
    )
    assert all(width > 0 for _, width in widths), widths
    return [key for key, _ in widths]


def calls(live_server, **inputs) -> str:
    return api(live_server, inputs)["approaches"]["chat_completions"]["model_calls"]


def test_editing_a_field_updates_the_results_without_a_page_load(page, live_server):
    page.goto(live_server.url + "/?model=gpt-4.1")
    page.evaluate("window.__sameDocument = true")
    before = figure(page, "chat_completions", "model_calls")
    # Conversations of 8 turns on average, 2 calls a turn: just under 16 calls (the geometric tail is
    # cut at 160 turns).
    assert before == calls(live_server, model="gpt-4.1") and round(Decimal(before)) == 16
    page.fill("#id_turns_per_session", "3")
    after = wait_for_figure_change(page, "chat_completions", "model_calls", before)
    assert after == calls(live_server, model="gpt-4.1", turns_per_session=3) and round(Decimal(after)) == 6
    assert page.evaluate("window.__sameDocument") is True
    assert "turns_per_session=3" in page.url  # the address bar follows, so reload and bookmarks keep it


def test_figures_shown_equal_the_api_for_the_same_inputs(page, live_server):
    page.goto(live_server.url + "/?preset=document_qa")
    old = figure(page, "responses", "per_session_usd")
    page.locator("#group-code > summary").click()
    page.fill("#id_code_interpreter_calls_per_turn", "0.5")
    wait_for_figure_change(page, "responses", "per_session_usd", old)
    inputs = dict(
        pair.split("=", 1) for pair in page.url.split("?", 1)[1].split("&") if not pair.startswith("preset=")
    )
    from urllib.parse import unquote_plus

    inputs = {key: unquote_plus(value) for key, value in inputs.items()}
    assert inputs["code_interpreter_calls_per_turn"] == "0.5"
    expected = expected_card_figures(api(live_server, inputs))
    assert card_figures(page) == expected


def test_share_then_open_the_link_in_a_fresh_browser_context(page, browser, live_server, console_errors):
    page.goto(live_server.url + "/?preset=support_bot")
    page.fill("#id_sessions_per_month", "12345")
    wait_for_figure_change(page, "assistants", "per_month_usd", figure(page, "assistants", "per_month_usd"))
    shown = card_figures(page)
    page.click("#share-button")
    page.wait_for_url("**/s/*")
    link = page.url
    assert card_figures(page) == shown
    assert charts_drawn(page) == ["cumulative", "monthly", "breakdown"]

    fresh = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        other = console_errors.watch(fresh.new_page())
        other.goto(link)
        assert card_figures(other) == shown
        assert charts_drawn(other) == ["cumulative", "monthly", "breakdown"]
        assert other.locator("#estimate-form").count() == 0  # read-only
        other.click("#edit-copy")
        other.wait_for_load_state()
        assert other.input_value("#id_sessions_per_month") == "12345"
        assert card_figures(other) == shown
        assert charts_drawn(other) == ["cumulative", "monthly", "breakdown"]
    finally:
        settle(fresh)
        fresh.close()


def test_paste_a_prompt_and_see_its_tokens_counted(page, live_server):
    prompt = "You are a meticulous travel agent. Always confirm dates and budgets before booking. " * 20
    # gpt-4.1 renders a system message as the plain chat format counts it (the gpt-5 family adds its own).
    expected = tokens.count_messages([{"role": "system", "content": prompt}], "o200k_base")
    page.goto(live_server.url + "/?model=gpt-4.1")
    before = figure(page, "chat_completions", "per_session_usd")
    page.locator(".token-counter > summary").click()
    page.fill("#id_system_prompt", prompt)
    page.click("#token-form button[type=submit]")
    page.wait_for_function(
        "expected => document.querySelector('#id_system_prompt_tokens').value === expected",
        arg=str(expected),
        timeout=10_000,
    )
    assert page.locator('#token-result [data-figure="system_prompt_tokens"]').get_attribute(
        "data-value"
    ) == str(expected)
    # The counted field feeds the estimate: the results follow without a page load.
    after = wait_for_figure_change(page, "chat_completions", "per_session_usd", before)
    body = api(live_server, {"model": "gpt-4.1", "system_prompt_tokens": expected})
    assert after == body["approaches"]["chat_completions"]["per_session_usd"]


def test_the_token_counter_sends_the_form_as_it_is_now(page, live_server):
    page.goto(live_server.url + "/?model=gpt-4.1")
    page.fill("#id_turns_per_session", "2")
    page.locator(".token-counter > summary").click()
    page.fill("#id_user_message", "How far is the moon?")
    with page.expect_response("**/tokens/count") as response_info:
        page.click("#token-form button[type=submit]")
    assert response_info.value.status == 200
    request_body = response_info.value.request.post_data or ""
    assert "turns_per_session=2" in request_body
    assert "turns_per_session=8" not in request_body  # the no-JavaScript copy was removed


def test_bad_input_shows_the_error_next_to_the_field_and_keeps_the_text(page, live_server):
    page.goto(live_server.url + "/?model=gpt-4.1")
    page.fill("#id_turns_per_session", "lots")
    page.wait_for_function("() => document.querySelector('#err-turns_per_session').textContent.length > 0")
    assert page.text_content("#err-turns_per_session") == "must be a whole number."
    assert page.input_value("#id_turns_per_session") == "lots"
    page.fill("#id_turns_per_session", "4")
    page.wait_for_function("() => document.querySelector('#err-turns_per_session').textContent === ''")
    assert figure(page, "assistants", "model_calls") == calls(
        live_server, model="gpt-4.1", turns_per_session=4
    )


def test_with_javascript_off_the_form_submits_and_renders_results(browser, live_server, seeded):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/?model=gpt-4.1")
        page.fill("#id_turns_per_session", "3")
        page.fill("#id_function_calls_per_turn", "2")
        page.click("#estimate-form button[type=submit]")
        page.wait_for_url("**/?*turns_per_session=3*")
        assert figure(page, "chat_completions", "model_calls") == calls(
            live_server, model="gpt-4.1", turns_per_session=3, function_calls_per_turn=2
        )
        # The token counter works too: the page comes back with the count filled in.
        page.locator(".token-counter > summary").click()
        page.fill("#id_user_message", "Hello there")
        page.click("#token-form button[type=submit]")
        page.wait_for_url("**/tokens/count")
        expected = tokens.count_message({"role": "user", "content": "Hello there"}, "o200k_base")
        assert page.input_value("#id_user_message_tokens") == str(expected)
        assert page.input_value("#id_turns_per_session") == "3"
    finally:
        context.close()


def test_phone_width_has_no_sideways_scrolling_and_keyboard_reaches_the_form(browser, live_server, seeded):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/?preset=coding_agent")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        table = page.locator(".breakdown .table-scroll")
        assert table.evaluate("node => node.scrollWidth <= node.clientWidth")  # four columns fit
        page.keyboard.press("Tab")  # skip link first
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.focus("#id_sessions_per_month")
        page.keyboard.press("Control+A")
        page.keyboard.type("500")
        page.keyboard.press("Enter")  # submits the form (htmx)
        # Functions, not expression strings: the page's CSP forbids the eval Playwright would need.
        page.wait_for_function("() => location.search.includes('sessions_per_month=500')")
        preset = {"preset": "coding_agent", "sessions_per_month": "500"}
        shown = figure(page, "assistants", "model_calls")
        with urlopen(f"{live_server.url}/?{urlencode(preset)}") as response:  # noqa: S310 - local
            assert f'data-figure="model_calls" data-value="{shown}"' in response.read().decode()
    finally:
        context.close()


def test_how_we_calculate_is_reachable_from_the_results(page, live_server):
    page.goto(live_server.url + "/")
    page.click("text=How we calculate these numbers")
    page.wait_for_url("**/how-we-calculate")
    assert page.locator("h1").text_content() == "How we calculate"


def test_over_the_compute_budget_the_results_pane_says_why(page, live_server, settings, console_errors):
    # Room for the first estimate (the page's default agent) and not the next.
    calls = planned_model_calls(parse_workload(dict(PRESETS[0].inputs)))
    settings.RATELIMITS = {"compute": (calls + 100, 60)}
    page.goto(live_server.url + "/")
    page.fill("#id_sessions_per_month", "12345")
    page.wait_for_selector('[data-error="compute-budget"]', timeout=10_000)
    assert (
        f"This estimate simulates {calls:,} model calls and your address has 100 of its {calls + 100:,} "
        "a minute left"
    ) in page.text_content("#results")
    # Chrome logs every 4xx response; this one is expected.
    console_errors[:] = [error for error in console_errors if "status of 429" not in error]
