"""The estimator page, the How-we-calculate page and exports, through Django's test client."""

import csv
import io
import json
import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from estimator.money import usd
from pricing.models import LanguageModel
from pricing.sync import sync_prices
from pricing.workload import FIELDS, GROUPS
from tests.matching import first_group

pytestmark = pytest.mark.django_db

# The cost model's worked example: $0.011808 per conversation, the same for all three ways.
WORKED = {
    "model": "gpt-4.1",
    "turns_distribution": "fixed",
    "cache_hit_rate": "1",
    "system_prompt_tokens": "1500",
    "tool_schema_tokens": "600",
    "turns_per_session": "2",
    "user_message_tokens": "100",
    "assistant_reply_tokens": "200",
    "function_calls_per_turn": "1",
    "tool_call_tokens": "50",
    "tool_result_tokens": "400",
    "sessions_per_month": "1000",
}
APPROACHES = ("assistants", "responses", "chat_completions")


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


class FigureParser(HTMLParser):
    """Collects (data-approach, data-figure) -> [data-value, ...] from a page, in document order."""

    def __init__(self):
        super().__init__()
        self.figures: dict[tuple[str, str], list[str]] = {}

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if "data-figure" in found and "data-value" in found:
            key = (found.get("data-approach", ""), found["data-figure"])
            self.figures.setdefault(key, []).append(found["data-value"])


def figures(html: str) -> dict[tuple[str, str], list[str]]:
    parser = FigureParser()
    parser.feed(html)
    return parser.figures


def card_figure(html: str, approach: str, figure: str) -> str:
    """The figure as its way's card shows it (the verdict may repeat the cheapest one first)."""
    values = figures(html)[(approach, figure)]
    return values[-1] if figure in ("per_month_usd", "more_than_cheapest_usd") else values[0]


def api_figures(body: dict) -> dict[tuple[str, str], str]:
    """The same figures from the API body, keyed as the page keys them."""
    out = {}
    for key, approach in body["approaches"].items():
        for name in ("per_session_usd", "fixed_monthly_usd", "per_month_usd", "model_calls"):
            out[(key, name)] = str(approach[name])
        for name, value in approach["tokens"].items():
            out[(key, f"tokens.{name}")] = str(value)
        for line in approach["breakdown"]:
            out[(key, f"breakdown.{line['category']}.per_month_usd")] = line["per_month_usd"]
    for key, months in body["engineering"]["break_even_months"].items():
        out[(key, "break_even_months")] = "" if months is None else months
    out[("engineering", "build_usd")] = body["engineering"]["build_usd"]
    out[("engineering", "maintenance_monthly_usd")] = body["engineering"]["maintenance_monthly_usd"]
    return out


def page(client, params=None, **headers):
    return client.get("/?" + urlencode(params or {}), headers=headers)


class TestForm:
    def test_every_input_has_a_label_unit_default_and_help(self, client):
        html = page(client).content.decode()
        for spec in FIELDS:
            assert f'<label for="id_{spec.name}">{spec.label}' in html, spec.name
            assert f'id="help-{spec.name}"' in html
            assert spec.help.replace("'", "&#x27;") in html, spec.name
            if spec.unit:
                assert f"({spec.unit})" in html.replace("&#x27;", "'"), spec.name
        assert "How many conversations the agent has in a month. " in html
        assert "Default 10,000; 0 to 1,000,000,000." in html

    def test_groups_in_order_and_those_that_set_the_ways_apart_open(self, client):
        html = page(client, WORKED).content.decode()
        positions = [html.index(f'id="group-{key}"') for key, _ in GROUPS]
        assert positions == sorted(positions)
        # What every agent has, and the engineering that is in every verdict, always open; retrieval,
        # code and your own loop's hosting open when the workload uses them.
        for key in ("traffic", "conversation", "tools", "build"):
            assert f'<details class="group" id="group-{key}" open>' in html
        for key in ("retrieval", "code", "loop"):
            assert f'<details class="group" id="group-{key}">' in html
        analyst = page(client, {"preset": "data_analyst"}).content.decode()
        for key in ("code", "loop"):
            assert f'<details class="group" id="group-{key}" open>' in analyst
        assert '<details class="group" id="group-retrieval">' in analyst
        qa = page(client, {"preset": "document_qa"}).content.decode()
        assert '<details class="group" id="group-retrieval" open>' in qa

    def test_the_page_opens_on_a_realistic_agent_whose_ways_differ(self, client):
        html = page(client).content.decode()
        assert 'data-preset="support_bot" aria-current="true"' in html
        assert '<input type="text" name="file_search_calls_per_turn" value="0.5"' in html
        shown = {key: card_figure(html, key, "per_month_usd") for key in APPROACHES}
        assert len(set(shown.values())) == 3

    def test_model_picker_groups_models_with_their_prices(self, client):
        LanguageModel.objects.filter(pk="gpt-4").update(shutdown_date=date(2025, 6, 6))
        LanguageModel.objects.filter(pk="gpt-5").update(shutdown_date=date(2099, 1, 2))
        html = page(client, {"model": "gpt-5.4"}).content.decode()
        current = html.index('<optgroup label="Current models">')
        retiring = html.index('<optgroup label="Shutdown scheduled">')
        retired = html.index('<optgroup label="Shut down">')
        chosen = html.index('<option value="gpt-5.4" selected>gpt-5.4 · $2.50 in / $15 out</option>')
        assert current < chosen < retiring < retired
        assert '<option value="gpt-5">gpt-5 (shuts down 2099-01-02) · $1.25 in / $10 out</option>' in html
        assert (
            '<option value="gpt-4">gpt-4 (shut down 2025-06-06) · $30 in / $60 out</option>' in html[retired:]
        )
        # Dated snapshots wait behind "show older models".
        assert 'value="gpt-4o-2024-05-13"' not in html
        older = page(client, {"model": "gpt-5.4", "older_models": "1"}).content.decode()
        assert '<optgroup label="Older models">' in older and 'value="gpt-4o-2024-05-13"' in older

    def test_tiers_the_model_lacks_are_disabled_with_the_reason(self, client):
        html = page(client, {"model": "gpt-4.1"}).content.decode()
        assert (
            '<option value="flex" disabled>Flex (slower, cheaper): not offered for gpt-4.1</option>' in html
        )
        assert '<option value="fast">Fast (priority)</option>' in html

    def test_reasoning_on_a_model_that_does_not_reason_is_noted(self, client):
        html = page(client, {"model": "gpt-4.1", "reasoning_tokens_per_call": "400"}).content.decode()
        assert (
            '<p class="field-note" id="note-reasoning_tokens_per_call">gpt-4.1 does not reason: it writes no '
            "hidden reasoning tokens, so this is most likely 0 (priced as entered).</p>"
        ) in html
        reasoning = page(client, {"model": "gpt-5.4", "reasoning_tokens_per_call": "400"}).content.decode()
        assert '<p class="field-note" id="note-reasoning_tokens_per_call"></p>' in reasoning

    def test_presets_fill_the_form(self, client):
        html = page(client, {"preset": "coding_agent"}).content.decode()
        assert '<input type="text" name="function_calls_per_turn" value="8"' in html
        assert '<input type="text" name="reasoning_tokens_per_call" value="400"' in html
        assert 'data-preset="coding_agent" aria-current="true"' in html

    def test_typed_values_win_over_the_preset(self, client):
        html = page(client, {"preset": "coding_agent", "function_calls_per_turn": "3"}).content.decode()
        assert 'name="function_calls_per_turn" value="3"' in html

    def test_every_preset_prices(self, client):
        for key in ("support_bot", "document_qa", "data_analyst", "coding_agent"):
            response = page(client, {"preset": key})
            assert response.status_code == 200, key
            assert 'class="verdict"' in response.content.decode()


class TestResults:
    def test_worked_example_exact_figures(self, client):
        html = page(client, WORKED).content.decode()
        for approach in APPROACHES:
            assert card_figure(html, approach, "per_session_usd") == "0.011808"
            assert card_figure(html, approach, "per_month_usd") == "11.808"
            assert card_figure(html, approach, "model_calls") == "4"
            assert card_figure(html, approach, "tokens.input") == "11200"
            assert card_figure(html, approach, "tokens.input_cached") == "9728"
            assert card_figure(html, approach, "tokens.output") == "500"
        assert "$11.81" in html and "$0.01181" in html
        assert card_figure(html, "engineering", "build_usd") == "4000"
        # Against the live way that bills the same tokens, your loop never pays off; against a shut-down
        # way no break-even is shown (it is a baseline, not a choice).
        assert card_figure(html, "responses", "break_even_months") == ""
        assert "never: it saves nothing a month" in html
        assert ("assistants", "break_even_months") not in figures(html)
        # The same bill everywhere, but your loop carries $400 upkeep and $333.33 of build a month, and
        # the Assistants API is shut down: Responses is the cheapest live way.
        assert card_figure(html, "chat_completions", "per_month_with_engineering_usd") == (
            "745.141333333333333333333333333"
        )
        text = " ".join(re.sub(r"<[^>]+>", "", html).replace("&nbsp;", " ").split())
        assert (
            "The Responses API: $11.81 a month; your own loop costs $745.14 including $400.00 upkeep and "
            "$333.33 of build cost spread over 12 months (6,210.5 % more)."
        ) in text
        assert (
            "Tokens and tools cost the same both ways (no hosted tools: the same tokens everywhere): the "
            "difference is your loop's engineering."
        ) in text
        assert (
            "What the Assistants API cost before its shutdown on 2026-08-26: $11.81 a month, a baseline for "
            "migrating, not a choice."
        ) in text

    def test_every_figure_equals_the_api(self, client):
        params = {**WORKED, "file_search_calls_per_turn": "0.5", "code_interpreter_calls_per_turn": "1"}
        html = page(client, params).content.decode()
        api = client.get("/api/estimate?" + urlencode(params)).json()
        expected = api_figures(api)
        shown = figures(html)
        for key, value in expected.items():
            if key[1] in ("tokens.input_cache_write", "tokens.reasoning") and value == "0":
                continue  # shown only when the model writes to the cache / reasons
            if key[1] == "break_even_months" and key[0] not in api["verdict"]["live"]:
                assert key not in shown, key  # a shut-down way is a baseline: no break-even against it
                continue
            assert key in shown, key
            assert set(shown[key]) == {value}, key

    def test_cheapest_highlighted_with_difference_in_dollars_and_percent(self, client):
        params = {**WORKED, "file_search_calls_per_turn": "1", "sessions_per_month": "1000000"}
        html = page(client, params).content.decode()
        api = client.get("/api/estimate?" + urlencode(params)).json()
        cheapest = api["verdict"]["cheapest"][0]
        low = Decimal(api["approaches"][cheapest]["per_month_with_engineering_usd"])
        assert re.search(rf'class="card is-cheapest" id="way-{cheapest}"', html)
        for key in APPROACHES:
            if key == cheapest:
                continue
            if key not in api["verdict"]["live"]:
                # A shut-down way is a baseline: no "more than the cheapest" for it.
                assert (key, "more_usd") not in figures(html)
                assert "a baseline: what it cost before the shutdown" in html
                continue
            comparison = api["verdict"]["comparisons"][key]
            assert card_figure(html, key, "more_usd") == comparison["more_usd"]
            more = Decimal(api["approaches"][key]["per_month_with_engineering_usd"]) - low
            assert abs(Decimal(comparison["more_usd"]) - more) < Decimal("1e-20")
            percent = Decimal(comparison["more_pct"]).quantize(Decimal("0.1"))
            assert abs(percent - more / low * 100) < Decimal("0.05")
            assert f"({'+' if more >= 0 else ''}{percent:,.1f}&nbsp;%)" in html

    def test_a_shut_down_model_is_no_choice_and_says_so_first(self, client):
        html = page(client, {**WORKED, "model": "gpt-4"}).content.decode()
        verdict = html[html.index('id="verdict"') :]
        assert verdict.index('data-verdict="model-shut-down"') < verdict.index('data-verdict="cheapest"')
        assert "gpt-4 was shut down on 2026-10-23</strong>: no way can run it any more" in verdict
        assert 'class="badge">Cheapest' not in html and "is-cheapest" not in html
        assert "gpt-4 was shut down · see the results" in html

    def test_the_cheapest_way_is_named_inside_a_sentence_as_a_sentence_names_it(self, client):
        html = client.get("/?preset=coding_agent").content.decode()
        assert "With your own loop, half of conversations cost" in re.sub(r"\s+", " ", html)
        html = client.get("/?" + urlencode({**WORKED, "file_search_calls_per_turn": "1"})).content.decode()
        assert "With the Responses API, half of conversations cost" in re.sub(r"\s+", " ", html)

    def test_breakdown_notes_and_charts(self, client):
        html = page(client, {**WORKED, "code_interpreter_calls_per_turn": "1"}).content.decode()
        for label in (
            "Uncached input",
            "Cached input",
            "Cache writes",
            "Output",
            "Reasoning",
            "Tool and search fees",
            "Storage",
            "Your infrastructure",
        ):
            assert f'<th scope="row">{label}</th>' in html
        assert "Assistants API down on 2026-08-26" in html
        for key in ("cumulative", "monthly", "breakdown"):
            assert f'data-chart="{key}"' in html
        charts = re.findall(r'<img src="(/chart/(\w+)\.svg\?[^"]+)" alt="([^"]+)"', html)
        assert [key for _, key, _ in charts] == ["cumulative", "monthly", "breakdown"]
        bodies = [client.get(url.replace("&amp;", "&")).content.decode() for url, _, _ in charts]
        assert all(body.startswith("<svg") for body in bodies)
        assert all("USD" in body for body in bodies)  # axes carry their unit
        assert "Length in turns" in bodies[0]

    def test_htmx_request_gets_only_the_results_partial(self, client):
        response = page(client, WORKED, **{"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<section id="results"')
        assert "<html" not in html and 'id="estimate-form"' not in html
        assert card_figure(html, "chat_completions", "per_session_usd") == "0.011808"
        # Each field's error slot is refreshed out of band.
        assert '<p class="error" id="err-turns_per_session" hx-swap-oob="true"></p>' in html


class TestBadInput:
    def test_full_page_names_the_field_and_keeps_what_was_typed(self, client):
        response = page(client, {**WORKED, "turns_per_session": "two", "tool_call_tokens": "-5"})
        html = response.content.decode()
        assert response.status_code == 400
        assert 'name="turns_per_session" value="two"' in html
        assert 'name="tool_call_tokens" value="-5"' in html
        assert 'name="tool_result_tokens" value="400"' in html
        assert '<p class="error" id="err-turns_per_session">must be a whole number.</p>' in html
        assert "must be at least 0 and at most 2,000,000." in html
        assert "Please fix 2 inputs" in html
        assert "Fix the highlighted inputs" in html

    def test_htmx_errors_swap_in_next_to_the_field(self, client):
        response = page(client, {"turns_per_session": "0"}, **{"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200
        assert (
            '<p class="error" id="err-turns_per_session" hx-swap-oob="true">'
            "must be at least 1 and at most 1,000.</p>"
        ) in html

    def test_unknown_model_is_an_error_on_the_model_field(self, client):
        html = page(client, {"model": "gpt-nope"}).content.decode()
        assert "Unknown model &#x27;gpt-nope&#x27;" in html

    def test_unknown_keys_are_ignored_by_the_page(self, client):
        assert page(client, {"csrfmiddlewaretoken": "x", "utm_source": "mail"}).status_code == 200


class TestQuality:
    @pytest.mark.parametrize(
        "url", ["/", "/?preset=document_qa", "/how-we-calculate", "/?turns_per_session=x"]
    )
    def test_no_inline_script_style_or_handlers(self, client, url):
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, tag
        assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None
        assert " style=" not in html
        assert "<style" not in html
        assert re.search(r"\son[a-z]+=", html) is None

    def test_htmx_is_served_from_the_package_not_a_cdn(self, client):
        html = client.get("/").content.decode()
        assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
        assert "https://" not in re.sub(r'href="https://github.com/[^"]+"', "", html)

    def test_money_formatting(self):
        assert usd(Decimal("1234.5")) == "$1,234.50"
        assert usd(Decimal("1234567.891")) == "$1,234,567.89"
        assert usd(Decimal("0.011808")) == "$0.01181"
        assert usd(Decimal("0.5")) == "$0.50"
        assert usd(Decimal("0")) == "$0.00"
        assert usd(Decimal("-12.345")) == "-$12.35"

    def test_footer_shows_the_price_version_and_date(self, client):
        html = client.get("/").content.decode()
        prices = client.get("/api/prices").json()
        assert f'<span data-figure="price_version">{prices["version"]}</span>' in html
        assert f'in force on <time datetime="{prices["as_of"]}">{prices["as_of"]}</time>' in html

    def test_page_is_small(self, client):
        # Charts are images fetched on their own, so the page and each live update stay light (the form
        # has the 43 inputs of cost model v2).
        assert len(page(client, WORKED).content) < 70_000
        assert len(page(client, WORKED, **{"HX-Request": "true"}).content) < 30_000


class TestHowWeCalculate:
    def test_explains_every_input_and_the_assumptions(self, client):
        html = client.get("/how-we-calculate").content.decode()
        for spec in FIELDS:
            assert f"<code>{spec.name}</code>" in html, spec.name
        for phrase in (
            "A turn left out of one call comes back for a later call with room for it.",
            "costs about a third more than 8 turns every time",
            "272,000-token input limit",
            "floor(t·r + ½) − floor((t−1)·r + ½)",
            "Context overflow is priced as if the API accepted it",
            "we seed the 1,047,576 of OpenAI's model page (the table now holds 1,047,576 for gpt-4.1)",
            "floor(P / step) × step",
            "break-even months = build ÷",
            "community reports say they do",
        ):
            assert phrase in html, phrase

    def test_linked_from_the_results(self, client):
        assert 'href="/how-we-calculate">How we calculate these numbers' in page(client).content.decode()


class TestExports:
    def test_json_export_is_the_api_body(self, client):
        response = client.get("/export.json?" + urlencode(WORKED))
        assert response["Content-Disposition"] == 'attachment; filename="estimate.json"'
        assert response.json() == client.get("/api/estimate?" + urlencode(WORKED)).json()

    def test_csv_export_has_exact_figures(self, client):
        response = client.get("/export.csv?" + urlencode(WORKED))
        assert response["Content-Type"] == "text/csv"
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["section", "approach", "figure", "value"]
        assert ["total", "chat_completions", "per_session_usd", "0.011808"] in rows
        assert ["total", "responses", "per_month_usd", "11.808"] in rows
        assert ["tokens", "assistants", "input_cached", "9728"] in rows
        assert ["input", "", "turns_per_session", "2"] in rows
        assert ["engineering", "assistants", "break_even_months", ""] in rows

    def test_export_links_on_the_page_carry_the_inputs(self, client):
        html = page(client, WORKED).content.decode()
        link = first_group(r'href="(/export\.json\?[^"]+)"', html).replace("&amp;", "&")
        assert client.get(link).json()["approaches"]["assistants"]["per_session_usd"] == "0.011808"

    def test_bad_export_inputs_are_a_400_naming_the_field(self, client):
        response = client.get("/export.json?turns_per_session=0")
        assert response.status_code == 400
        assert "turns_per_session" in response.json()["errors"]
        assert client.get("/export.xml").status_code == 404


def test_api_body_unchanged_by_page_helpers(client):
    body = json.loads(client.get("/api/estimate?" + urlencode(WORKED)).content)
    assert body["approaches"]["chat_completions"]["per_session_usd"] == "0.011808"
