"""Charts: server-rendered SVG images with units on the axes, told apart without colour, small."""

import re
from urllib.parse import unquote

import pytest

from estimator import charts
from estimator.services import estimate_compute
from pricing.sync import sync_prices

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


def svg(chart: charts.Chart) -> str:
    prefix = "data:image/svg+xml;charset=utf-8,"
    assert chart.data_uri.startswith(prefix)
    body = chart.data_uri[len(prefix) :]
    assert "#" not in body and " " not in body  # escaped, or the data: URL would break
    return unquote(body)


def text(chart: charts.Chart) -> str:
    """The chart's words, tags removed (pygal wraps a long axis title over two lines)."""
    return " ".join(re.sub(r"<[^>]+>", " ", svg(chart)).split())


def test_three_charts_with_units_on_both_axes():
    result = estimate_compute({"file_search_calls_per_turn": "1"})
    cumulative, monthly, breakdown = charts.charts_for(result)
    assert "Length in turns · share of conversations that long or longer" in text(cumulative)
    assert "Cost of a conversation of that length (USD)" in text(cumulative)
    # Default inputs: half of conversations have 6 turns or fewer; 51 % get to turn 6, 10 % to turn
    # 18, 1 % to turn 35, the 99th percentile, where the chart ends.
    assert "6 · 51%" in text(cumulative) and "18 · 10%" in text(cumulative) and "35 · 1%" in text(cumulative)
    assert "Conversations per month" in text(monthly) and "Cost per month (USD)" in text(monthly)
    assert "Way to run the agent" in text(breakdown) and "Cost per month (USD)" in text(breakdown)
    assert "$" in text(monthly)  # dollar tick labels
    for chart in (cumulative, monthly, breakdown):
        assert "<script" not in svg(chart)  # an <img> never runs it: dead weight
        assert chart.description  # alt text says what the chart shows


def test_lines_differ_by_dash_and_bars_by_fill_pattern():
    result = estimate_compute({})
    line = svg(charts.cumulative_by_turn(result))
    for dash in charts.APPROACH_DASHES:
        assert f"stroke-dasharray:{dash}" in line
    bars = svg(charts.breakdown_bars(result))
    for index in range(len(charts.PATTERN_MARKS)):
        assert f'<pattern id="fill-{index}"' in bars
        assert f".color-{index}{{fill:url(#fill-{index}) !important}}" in bars


def test_long_conversations_are_sampled_so_the_page_stays_small():
    assert charts.sampled_turns(5) == [1, 2, 3, 4, 5]
    picked = charts.sampled_turns(1000)
    assert len(picked) == charts.MAX_POINTS and picked[0] == 1 and picked[-1] == 1000
    result = estimate_compute({"turns_per_session": "1000", "turns_distribution": "fixed"})
    assert len(charts.cumulative_by_turn(result).data_uri) < 60_000


def test_monthly_axis_ends_on_a_round_number():
    assert [charts._nice_ceiling(n) for n in (20, 246_912, 20_000, 3, 101)] == [20, 250_000, 20_000, 5, 200]
    assert charts._count(2500) == "2.5k" and charts._count(3_000_000) == "3M" and charts._count(40) == "40"
