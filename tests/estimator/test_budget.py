"""A compute budget per client: simulated model calls per minute, on every endpoint that estimates."""

import re

import pytest

from pricing.engine import planned_model_calls
from pricing.sync import sync_prices
from pricing.workload import parse_workload

pytestmark = pytest.mark.django_db

# The default workload (a geometric spread simulated to 160 turns, two calls a turn) costs 960 calls.
DEFAULT_CALLS = 960


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


@pytest.fixture
def budget(settings):
    """Room for two default estimates a minute and part of a third."""
    settings.RATELIMITS = {"compute": (2 * DEFAULT_CALLS + 500, 60)}


def test_what_an_estimate_costs_is_known_before_it_runs():
    assert planned_model_calls(parse_workload({})) == DEFAULT_CALLS


def test_over_the_budget_is_a_429_that_says_why(client, budget):
    for sessions in ("100", "200"):
        assert client.get("/api/estimate", {"sessions_per_month": sessions}).status_code == 200
    response = client.get("/api/estimate", {"sessions_per_month": "300"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json() == {
        "errors": {
            "__all__": [
                "This estimate simulates 960 model calls and your address has 500 of its 2,420 a minute "
                f"left: try again in {response['Retry-After']} seconds, or estimate fewer turns or tool "
                "calls."
            ]
        }
    }
    # A smaller estimate still fits what is left: two turns every time, 4 calls each way.
    small = {"turns_distribution": "fixed", "turns_per_session": "2"}
    assert client.get("/api/estimate", small).status_code == 200


def test_an_estimate_in_the_cache_costs_nothing(client, budget):
    for _ in range(5):
        assert client.get("/api/estimate", {"sessions_per_month": "100"}).status_code == 200


def test_every_endpoint_that_estimates_spends_from_one_budget(client, budget):
    html = client.get("/", {"sessions_per_month": "100"}).content.decode()  # the page: 960
    for url in re.findall(r'<img src="(/chart/\w+\.svg\?[^"]+)"', html):  # its charts: from the cache
        assert client.get(url.replace("&amp;", "&")).status_code == 200
    assert client.get("/export.csv", {"sessions_per_month": "200"}).status_code == 200  # 960 more
    assert client.get("/chart/monthly.svg", {"sessions_per_month": "300"}).status_code == 429
    assert (
        client.post("/api/estimate", {"sessions_per_month": 400}, content_type="application/json").status_code
        == 429
    )
    page = client.get("/", {"sessions_per_month": "500"})
    assert page.status_code == 429 and "Try again in a minute" in page.content.decode()
    # Nothing typed is lost: the page links to the same inputs.
    assert (
        '<a href="/?sessions_per_month=500" data-retry>Try again with the same inputs</a>'
        in page.content.decode()
    )
    partial = client.get("/", {"sessions_per_month": "500"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 429
    assert partial.content.decode().lstrip().startswith('<section id="results"')
    assert 'data-error="compute-budget"' in partial.content.decode()


def test_the_budget_is_per_client(client, budget):
    for sessions in ("100", "200"):
        client.get("/api/estimate", {"sessions_per_month": sessions})
    assert client.get("/api/estimate", {"sessions_per_month": "300"}).status_code == 429
    other = client.get("/api/estimate", {"sessions_per_month": "300"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200
