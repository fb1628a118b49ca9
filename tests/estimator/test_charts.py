"""Charts: server-rendered SVG images with units on the axes, told apart without colour, small, and
readable on a phone; their titles and alt text are plain data (nothing drawn to read them)."""

import re
from unittest import mock

import pytest

from estimator import chart_axes, charts
from estimator.services import estimate_compute
from pricing.sync import sync_prices

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


def text(svg: str) -> str:
    """The chart's words, tags removed (pygal wraps a long axis title over two lines)."""
    return " ".join(re.sub(r"<[^>]+>", " ", svg).split())


def legend(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]+)</text>\s*</g>\s*</g>", svg) or re.findall(
        r'class="legend[^"]*"[^>]*>.*?<text[^>]*>([^<]+)</text>', svg, re.DOTALL
    )


def test_three_charts_with_units_on_both_axes():
    result = estimate_compute({"file_search_calls_per_turn": "1"})
    cumulative, monthly, breakdown = (charts.chart_svg(result, key) for key in charts.CHART_KEYS)
    assert "Length in turns · share of conversations that long or longer" in text(cumulative)
    assert "Cost of a conversation of that length (USD)" in text(cumulative)
    # Default inputs: half of conversations have 6 turns or fewer; 51 % get to turn 6, 10 % to turn
    # 18, 1 % to turn 35, the 99th percentile, where the chart ends.
    assert "6 · 51%" in text(cumulative) and "18 · 10%" in text(cumulative) and "35 · 1%" in text(cumulative)
    assert "Conversations per month" in text(monthly) and "Cost per month (USD)" in text(monthly)
    assert "Way to run the agent" in text(breakdown) and "Cost per month (USD)" in text(breakdown)
    assert "$" in text(monthly)  # dollar tick labels
    for svg in (cumulative, monthly, breakdown):
        assert "<script" not in svg  # an <img> never runs it: dead weight
    assert [chart.key for chart in charts.charts_for(result)] == ["cumulative", "monthly", "breakdown"]
    assert all(chart.description for chart in charts.charts_for(result))  # alt text says what it shows


def test_titles_and_alt_text_need_no_drawing():
    result = estimate_compute({})
    with mock.patch("pygal.XY") as xy, mock.patch("pygal.StackedBar") as bar:
        listed = charts.charts_for(result)
    assert not xy.called and not bar.called
    assert listed[1].title == "Cost per month against conversations per month"
    assert listed[1].description == (
        "Line chart of the monthly cost of the three ways from 0 to 20,000 conversations per month; "
        "your workload is 10,000."
    )


def test_lines_differ_by_dash_and_bars_by_fill_pattern():
    line = charts.chart_svg(estimate_compute({}), "cumulative")
    for dash in charts.APPROACH_DASHES:
        assert f"stroke-dasharray:{dash}" in line
    # Nearly every cost category has a cost: cache writes (gpt-5.6 bills them, so no input goes uncached),
    # reasoning, file-search fees, storage above the free GB and your retrieval hosting.
    everything = {
        "model": "gpt-5.6-terra",
        "reasoning_tokens_per_call": "100",
        "file_search_calls_per_turn": "1",
        "vector_store_gb": "5",
        "retrieval_infra_usd_per_month": "50",
    }
    result = estimate_compute(everything)
    bars = charts.chart_svg(result, "breakdown")
    drawn = charts._drawn_categories(result)
    assert drawn == [1, 2, 3, 4, 5, 6, 7]
    for series, index in enumerate(drawn):
        assert f'<pattern id="fill-{index}"' in bars
        assert f".color-{series}{{fill:url(#fill-{index}) !important}}" in bars


def test_one_legend_entry_per_drawn_series():
    # The default workload has no cache writes, reasoning, tool fees, storage or infrastructure: the bars
    # draw four categories, and the legend lists those four, each keeping its own pattern.
    bars = charts.chart_svg(estimate_compute({}), "breakdown")
    names = ["Uncached input", "Cached input", "Output"]
    for name in names:
        assert f">{name}<" in bars
    for absent in ("Cache writes", "Reasoning", "Tool and search fees", "Storage", "Your infrastructure"):
        assert f">{absent}<" not in bars
    assert '<pattern id="fill-3"' in bars and ".color-2{fill:url(#fill-3) !important}" in bars


def test_axes_label_every_tick_with_the_same_decimals():
    ticks, label = chart_axes.usd_axis(0.83)
    assert [label(tick) for tick in ticks] == ["$0.00", "$0.20", "$0.40", "$0.60", "$0.80", "$1.00"]
    ticks, label = chart_axes.usd_axis(3.2)
    assert [label(tick) for tick in ticks] == ["$0", "$1", "$2", "$3", "$4"]
    ticks, label = chart_axes.usd_axis(11.5)
    assert [label(tick) for tick in ticks] == ["$0.00", "$2.50", "$5.00", "$7.50", "$10.00", "$12.50"]
    assert [chart_axes.count_axis([0, 2500, 5000])(n) for n in (0, 2500, 5000)] == ["0", "2.5k", "5.0k"]
    assert [chart_axes.count_axis([0, 4000, 8000])(n) for n in (0, 4000, 8000)] == ["0", "4k", "8k"]


def test_the_small_size_keeps_text_readable_on_a_phone():
    # Shown about 350 px wide at 390 px: 14 px text in a 400 px drawing is 12 px on screen.
    svg = charts.chart_svg(estimate_compute({}), "monthly", "small")
    assert 'viewBox="0 0 400 400"' in svg[:300]
    sizes = [int(size) for size in re.findall(r"font-size:(\d+)px", svg)]
    assert sizes and min(sizes) * 350 / 400 >= 11


def test_long_conversations_are_sampled_so_the_page_stays_small():
    assert chart_axes.sampled_turns(5) == [1, 2, 3, 4, 5]
    picked = chart_axes.sampled_turns(1000)
    assert len(picked) == chart_axes.MAX_POINTS and picked[0] == 1 and picked[-1] == 1000
    result = estimate_compute({"turns_per_session": "1000", "turns_distribution": "fixed"})
    assert len(charts.chart_svg(result, "cumulative")) < 45_000


def test_monthly_axis_ends_on_a_round_number():
    assert [chart_axes.nice_ceiling(n) for n in (20, 246_912, 20_000, 3, 101)] == [
        20,
        250_000,
        20_000,
        5,
        200,
    ]
    assert (
        chart_axes.count_words(2500) == "2.5k"
        and chart_axes.count_words(3_000_000) == "3M"
        and chart_axes.count_words(40) == "40"
    )


@pytest.mark.parametrize("size", list(charts.SIZES))
@pytest.mark.parametrize("key", ["cumulative", "monthly", "breakdown"])
def test_every_legend_entry_is_inside_the_drawing(key, size):
    # pygal left room for one legend row under the line charts: on a phone the third approach fell off.
    result = estimate_compute({"file_search_calls_per_turn": "1", "code_interpreter_calls_per_turn": "1"})
    svg = charts.chart_svg(result, key, size)
    view_box = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    placed = re.search(r'translate\(([\d.]+), ([\d.]+)\)" class="legends"', svg)
    assert view_box and placed
    width, height = (int(n) for n in view_box.groups())
    x, y = (float(n) for n in placed.groups())
    block = svg[svg.index('class="legends"') :]
    entries = re.findall(r'<text x="([\d.]+)" y="([\d.]+)">([^<]+)</text>', block)
    assert len(entries) == block.count('class="legend reactive') >= 3
    longest_line = 0.62 * charts.SIZES[size].legend  # a generous width per character
    for left, baseline, label in entries:
        descent = 0.15 * charts.SIZES[size].legend
        assert y + float(baseline) + descent <= height, (label, y + float(baseline))
        assert x + float(left) + longest_line * len(label) <= width + 20, label
