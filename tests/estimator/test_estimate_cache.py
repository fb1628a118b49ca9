"""Identical estimates are computed once: a page view, its charts and its exports share one result."""

import re

import pytest

from estimator import services
from estimator.estimate_cache import SHARED_FROM_CALLS, forget_estimates
from pricing import engine
from pricing.engine import planned_model_calls
from pricing.sync import sync_prices
from pricing.workload import parse_workload
from tests.estimator.test_share import raise_gpt41_input_price

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


@pytest.fixture
def computed(monkeypatch):
    """Every estimate the engine computes, as (model, turns) pairs."""
    calls = []
    real = engine.estimate

    def counting(sheet, workload):
        calls.append((sheet.model, workload.turns_per_session))
        return real(sheet, workload)

    monkeypatch.setattr(services, "estimate", counting)
    return calls


def test_a_page_view_and_its_charts_cost_one_estimate(client, computed):
    html = client.get("/", {"model": "gpt-4.1", "turns_per_session": "5"}).content.decode()
    for url in re.findall(r'<img src="(/chart/\w+\.svg\?[^"]+)"', html):
        assert client.get(url.replace("&amp;", "&")).status_code == 200
    client.get("/export.csv?model=gpt-4.1&turns_per_session=5")
    client.get("/api/estimate", {"turns_per_session": "5", "model": "gpt-4.1"})
    assert computed == [("gpt-4.1", 5)]


def test_other_inputs_or_other_prices_are_another_estimate(client, computed):
    client.get("/api/estimate", {"model": "gpt-4.1"})
    client.get("/api/estimate", {"model": "gpt-4.1", "turns_per_session": "9"})
    raise_gpt41_input_price()
    client.get("/api/estimate", {"model": "gpt-4.1"})
    assert computed == [("gpt-4.1", 8), ("gpt-4.1", 9), ("gpt-4.1", 8)]


def test_an_expensive_estimate_is_shared_with_other_workers(client, computed):
    big = {
        "model": "gpt-4.1",
        "turns_per_session": "1000",
        "turns_distribution": "fixed",
        "function_calls_per_turn": "10",
    }
    cheap = {"model": "gpt-4.1"}
    assert planned_model_calls(parse_workload(big)) >= SHARED_FROM_CALLS
    assert planned_model_calls(parse_workload(cheap)) < SHARED_FROM_CALLS
    first = client.get("/api/estimate", big).json()
    client.get("/api/estimate", cheap)
    forget_estimates()  # another worker: nothing in its own memory, the same shared cache
    assert client.get("/api/estimate", big).json() == first
    client.get("/api/estimate", cheap)
    # The big one came back from the shared cache; the cheap one was computed again (as fast as reading).
    assert computed == [("gpt-4.1", 1000), ("gpt-4.1", 8), ("gpt-4.1", 8)]
