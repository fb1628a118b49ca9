"""The readable price table (/prices) and every model for one workload (/compare)."""

import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from estimator.compare import models_compare, planned_estimates
from pricing.catalog import today
from pricing.sync import sync_prices
from tests.estimator.test_pages import WORKED, figures

pytestmark = pytest.mark.django_db


def found(pattern: str, text: str, group: int = 0) -> str:
    """The first match of `pattern` in `text` (failing the test when there is none)."""
    match = re.search(pattern, text, re.S)
    assert match, pattern
    return match.group(group)


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


def rates_by_model(html: str) -> dict[tuple[str, str, str], str]:
    """(model, tier, rate) -> data-value, from the price table's rows."""
    found = {}
    for model, tier, row in re.findall(
        r'<tr data-model="([^"]+)" data-tier="([^"]+)"[^>]*>(.*?)</tr>', html, re.S
    ):
        for rate, value in re.findall(r'data-rate="([^"]+)" data-value="([^"]*)"', row):
            found[(model, tier, rate)] = value
    return found


class TestPriceTable:
    def test_every_rate_shown_equals_the_api(self, client):
        html = client.get("/prices?status=all&older_models=1").content.decode()
        shown = rates_by_model(html)
        api = client.get("/api/prices").json()
        expected = {}
        for sheet in api["models"]:
            for tier, rates in sheet["service_tiers"].items():
                for rate in (
                    "input_per_mtok",
                    "cached_input_per_mtok",
                    "cache_write_per_mtok",
                    "output_per_mtok",
                ):
                    expected[(sheet["model"], tier, rate)] = rates[rate] or ""
        assert shown == expected

    def test_current_models_by_default_with_limits_and_lifecycle(self, client):
        html = client.get("/prices").content.decode()
        assert 'data-model="gpt-5.4" data-tier="standard"' in html
        assert 'data-model="o1"' not in html  # shut down on 2026-10-23
        assert 'data-model="gpt-4o-2024-05-13"' not in html  # an older snapshot
        row = found(r'<tr data-model="gpt-5" data-tier="standard".*?</tr>', html)
        assert "shuts down 2026-12-11, successor gpt-5.4" in row
        assert '<td data-label="Input limit">272,000</td>' in row
        assert '<td data-label="Context window">400,000</td>' in row

    def test_filters_by_text_and_lifecycle(self, client):
        html = client.get("/prices?q=mini&status=shut_down").content.decode()
        models = set(re.findall(r'<tr data-model="([^"]+)"', html))
        assert models == {"o3-mini", "o4-mini"}

    def test_htmx_gets_the_table_alone_and_head_works(self, client):
        fragment = client.get("/prices?q=gpt-6", headers={"HX-Request": "true"}).content.decode()
        assert fragment.lstrip().startswith('<div id="price-table"') and "<html" not in fragment
        assert client.head("/prices").status_code == 200

    def test_the_nav_links_the_table_not_the_json(self, client):
        html = client.get("/prices").content.decode()
        assert '<a href="/prices">Price table</a>' in html and "Prices (JSON)" not in html


class TestEveryModel:
    def test_rows_are_sorted_by_the_cheapest_live_way_and_each_equals_the_api(self, client):
        html = client.get("/compare?" + urlencode(WORKED)).content.decode()
        rows = re.findall(r'<tr data-model="([^"]+)"', html)
        best = []
        for model in rows:
            body = client.get("/api/estimate?" + urlencode({**WORKED, "model": model})).json()
            cheapest = body["verdict"]["cheapest"][0]
            best.append(Decimal(body["approaches"][cheapest]["per_month_with_engineering_usd"]))
        assert best == sorted(best)
        first = client.get("/api/estimate?" + urlencode({**WORKED, "model": rows[0]})).json()
        shown = figures(html)[("responses", "per_month_with_engineering_usd")][0]
        assert shown == first["approaches"]["responses"]["per_month_with_engineering_usd"]

    def test_each_row_opens_the_estimate_on_that_model(self, client):
        html = client.get("/compare?" + urlencode(WORKED)).content.decode()
        link = found(r'<tr data-model="gpt-5.4".*?<a href="([^"]+)"', html, 1).replace("&amp;", "&")
        page = client.get(link).content.decode()
        assert '<option value="gpt-5.4" selected>' in page
        assert 'name="tool_result_tokens" value="400"' in page

    def test_one_table_costs_one_estimate_per_model_listed(self):
        table = models_compare(dict(WORKED))
        assert table.estimates == planned_estimates(today()) == len(table.rows) + len(table.left_out)
        assert all(
            not row.estimate.sheet.model_shutdown_date or row.estimate.sheet.model_shutdown_date > today()
            for row in table.rows
        )

    def test_bad_inputs_name_the_field(self, client):
        response = client.get("/compare?turns_per_session=0")
        assert response.status_code == 400
        assert "turns_per_session: must be at least 1 and at most 1,000." in response.content.decode()

    def test_the_results_load_it_as_a_fragment_with_a_plain_link_beside(self, client):
        html = client.get("/?" + urlencode(WORKED)).content.decode()
        placeholder = found(r'<section class="models-table" id="models-table"[^>]*>', html)
        assert 'hx-trigger="intersect once"' in placeholder and 'hx-get="/compare?' in placeholder
        assert re.search(r'<a href="/compare\?[^"]+" id="compare-link">', html)
        fragment = client.get(
            "/compare?" + urlencode(WORKED), headers={"HX-Request": "true"}
        ).content.decode()
        assert fragment.lstrip().startswith('<section class="models-table"')
