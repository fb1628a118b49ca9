"""Server-rendered SVG charts of an estimate, drawn with pygal.

The page needs only each chart's words (`charts_for`: key, title, alt text, plain data, no pygal) and
points an <img> at the chart's own URL (`/chart/<key>.svg?<inputs>`, or `/s/<slug>/chart/<key>.svg` for
a shared scenario, drawn from its stored snapshot), so the results arrive without waiting for pygal and
the browser fetches the charts in parallel. Each chart comes in two sizes: `large` for a desktop column
and `small`, drawn narrower so its text stays at least 11 px on a 390 px phone (the page picks one with
<picture>). The page stays free of inline <style>/<script>: pygal's <style> lives inside the image.
Every series differs by more than colour: its own dash pattern for lines, its own fill pattern (shown
in the legend too) for stacked bars, and the numbers are also in the tables next to the charts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pygal
from pygal.style import Style

from estimator.chart_axes import count_axis, nice_ceiling, sampled_turns, usd_axis, usd_words
from pricing.engine import APPROACHES, BREAKDOWN_CATEGORIES, Estimate
from pricing.engine.approaches import short_label

# Colour-blind-safe (Okabe-Ito) colours; dashes tell the lines apart without colour.
APPROACH_COLOURS = ("#0072B2", "#D55E00", "#009E73")
APPROACH_DASHES = ("0", "14,6", "4,5")
BREAKDOWN_COLOURS = (
    "#0072B2",
    "#56B4E9",
    "#009E73",
    "#E69F00",
    "#D55E00",
    "#CC79A7",
    "#F0E442",
    "#000000",
)
# One fill pattern per breakdown category (drawn over its colour), so the stacked bars and their legend
# swatches can be told apart without colour: (marks as an SVG path on an 8x8 tile, mark colour).
PATTERN_MARKS = (
    ("", "#ffffff"),  # uncached input: plain
    ("M0,8 L8,0", "#ffffff"),  # cached input: diagonal lines
    ("M2,2 h1 v1 h-1 Z M6,6 h1 v1 h-1 Z", "#ffffff"),  # cache writes: dots
    ("M0,8 L8,0 M0,0 L8,8", "#ffffff"),  # output: cross-hatch
    ("M0,4 H8", "#ffffff"),  # reasoning: horizontal lines
    ("M4,0 V8", "#ffffff"),  # tool fees: vertical lines
    ("M0,0 L8,8", "#000000"),  # storage: reverse diagonal, dark on yellow
    ("M0,4 H8 M4,0 V8", "#ffffff"),  # your infrastructure: grid
)
SESSION_STEPS = 10
# pygal gives every .line a 1px stroke, which beats the per-series width: lines need their own rule.
LINE_CSS = ["file://style.css", "file://graph.css", "inline:.series .line { stroke-width: 4px !important; }"]
# A long conversation is drawn from this many turns at most: the shape is the same, the page stays small.


@dataclass(frozen=True, slots=True)
class ChartSize:
    """How big a chart is drawn, and its text: shown at about its own width, so text keeps its size."""

    width: int
    height: int
    text: int  # axis labels and values, px
    legend: int
    title: int


# The small size is shown about 350 px wide on a 390 px phone: 14 px text shows at 12 px there.
SIZES = {
    "large": ChartSize(640, 420, text=15, legend=16, title=17),
    "small": ChartSize(400, 400, text=14, legend=14, title=14),
}


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart as the page shows it, before anything is drawn: its key, title and alt text."""

    key: str
    title: str
    description: str  # alt text: what the chart shows, in words


def _style(colours: Iterable[str], size: ChartSize) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1f2328",
        foreground_strong="#1f2328",
        foreground_subtle="#d0d7de",
        colors=tuple(colours),
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        label_font_size=size.text,
        major_label_font_size=size.text,
        legend_font_size=size.legend,
        title_font_size=size.title,
        value_font_size=size.text,
        value_label_font_size=size.text,
        tooltip_font_size=size.text,
        no_data_font_size=size.title,
        opacity="0.9",
        opacity_hover="0.9",
    )


def _config(size: ChartSize, legend_rows: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "js": [],
        "disable_xml_declaration": True,
        "width": size.width,
        "height": size.height,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3 if size.width >= 600 else 2,
        "truncate_legend": -1,
        "show_minor_x_labels": False,
        "x_label_rotation": 0,
        # pygal leaves room for one row of legend below the plot: make room for the rest (22 px a row).
        "margin_bottom": 10 + 24 * (legend_rows - 1),
        **extra,
    }


# Tooltip data pygal writes for its (disabled) JavaScript: dead weight in an <img>.
TOOLTIP_DESC = re.compile(r"<desc class=\"[^\"]*\">[^<]*</desc>")
RANDOM_CHART_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# pygal's config <script> for its tooltips: an <img> never runs it.
CONFIG_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _reach_label(result: Estimate, turn: float) -> str:
    """An x label: the length, and the share of conversations at least that long."""
    share = result.population.reach[round(turn) - 1] * 100
    shown = f"{share:.0f}" if share >= 1 else f"{share:.1g}"
    return f"{turn:,.0f} · {shown}%"


def _describe_cumulative(result: Estimate) -> str:
    turns = result.population.p99_turns
    percentiles = result.population.percentiles
    p = result.approaches[result.cheapest()].per_session_percentiles_usd
    return (
        f"Line chart of the cost of a conversation of 1 to {turns:,} turns (the 99th percentile); half of "
        f"conversations have {percentiles['p50']:,} turns or fewer ({usd_words(float(p['p50']))} with the "
        f"cheapest way), one in ten {percentiles['p90']:,} or more ({usd_words(float(p['p90']))}), one in a "
        f"hundred {percentiles['p99']:,} or more ({usd_words(float(p['p99']))})."
    )


def _monthly_top(result: Estimate) -> int:
    return nice_ceiling(max(result.workload.sessions_per_month, 10) * 2)


def _describe_monthly(result: Estimate) -> str:
    return (
        f"Line chart of the monthly cost of the three ways from 0 to {_monthly_top(result):,} conversations "
        f"per month; your workload is {result.workload.sessions_per_month:,}."
    )


def _drawn_categories(result: Estimate) -> list[int]:
    """The breakdown categories with a cost in at least one way: only those are drawn and in the legend."""
    return [
        index
        for index in range(len(BREAKDOWN_CATEGORIES))
        if any(result.approaches[key].breakdown[index].per_month_usd for key in APPROACHES)
    ] or [0]


def _describe_breakdown(result: Estimate) -> str:
    labels = [BREAKDOWN_CATEGORIES[index][1].lower() for index in _drawn_categories(result)]
    return (
        "Stacked bar chart of the monthly cost per way, split into "
        + ", ".join(labels)
        + "; the breakdown table lists the same figures."
    )


def _approach_legend_rows(size: ChartSize) -> int:
    """The three approaches fit one legend row on the large size, two rows (of two) on the small one."""
    return 1 if size.width >= 600 else 2


def cumulative_by_turn(result: Estimate, size: ChartSize) -> pygal.XY:
    """cost(n) for n up to the 99th-percentile length; the x labels say how many conversations get there."""
    turns = result.population.p99_turns
    picked = sampled_turns(turns)
    percentiles = result.population.percentiles
    series = {
        key: [(t, float(result.approaches[key].turns[t - 1].cumulative_usd)) for t in picked]
        for key in APPROACHES
    }
    y_ticks, y_label = usd_axis(max(value for points in series.values() for _, value in points))
    chart = pygal.XY(
        **_config(
            size,
            legend_rows=_approach_legend_rows(size),
            style=_style(APPROACH_COLOURS, size),
            x_title="Length in turns · share of conversations that long or longer",
            y_title="Cost of a conversation of that length (USD)",
            value_formatter=y_label,
            y_labels=y_ticks,
            x_value_formatter=lambda x: _reach_label(result, x),
            dots_size=4 if len(picked) <= 20 else 0,
            show_dots=len(picked) <= 20,
            x_labels=sorted({percentiles["p50"], percentiles["p90"], turns}),
            show_minor_x_labels=True,
            xrange=(1, max(turns, 2)),
            css=LINE_CSS,
        )
    )
    for key, dash in zip(APPROACHES, APPROACH_DASHES, strict=True):
        chart.add(short_label(key), series[key], stroke_style={"width": 4, "dasharray": dash})
    return chart


def monthly_by_sessions(result: Estimate, size: ChartSize) -> pygal.XY:
    """Per-month cost is linear in conversations: sessions x per-conversation + fixed monthly."""
    top = _monthly_top(result)
    points = [top * i // SESSION_STEPS for i in range(SESSION_STEPS + 1)]
    series = {}
    for key in APPROACHES:
        approach = result.approaches[key]
        series[key] = [(n, float(n * approach.per_session_usd + approach.fixed_monthly_usd)) for n in points]
    y_ticks, y_label = usd_axis(max(value for line in series.values() for _, value in line))
    x_ticks = points[:: 2 if size.width >= 600 else 5]
    chart = pygal.XY(
        **_config(
            size,
            legend_rows=_approach_legend_rows(size),
            style=_style(APPROACH_COLOURS, size),
            x_title="Conversations per month",
            y_title="Cost per month (USD)",
            value_formatter=y_label,
            y_labels=y_ticks,
            x_value_formatter=count_axis(x_ticks),
            x_labels=x_ticks,
            truncate_label=-1,
            dots_size=3,
            show_minor_x_labels=True,
            css=LINE_CSS,
        )
    )
    for key, dash in zip(APPROACHES, APPROACH_DASHES, strict=True):
        chart.add(short_label(key), series[key], stroke_style={"width": 4, "dasharray": dash})
    return chart


def _patterns(drawn: list[int]) -> tuple[list[str], list[str]]:
    """SVG <pattern> defs, and the CSS that fills each drawn series (bar and legend swatch) with the
    pattern of its category: series n is the n-th drawn category, so a category keeps its look."""
    defs, css = [], []
    for series, index in enumerate(drawn):
        marks, ink = PATTERN_MARKS[index]
        path = f'<path d="{marks}" stroke="{ink}" stroke-width="1.5" fill="{ink}"/>' if marks else ""
        defs.append(
            f'<pattern id="fill-{index}" patternUnits="userSpaceOnUse" width="8" height="8">'
            f'<rect width="8" height="8" fill="{BREAKDOWN_COLOURS[index]}"/>{path}</pattern>'
        )
        css.append(f"inline:.color-{series} {{ fill: url(#fill-{index}) !important; }}")
    return defs, css


SMALL_X_LABELS = {"assistants": "Assistants", "responses": "Responses", "chat_completions": "Own loop"}


def breakdown_bars(result: Estimate, size: ChartSize) -> pygal.StackedBar:
    wide = size.width >= 600
    drawn = _drawn_categories(result)
    defs, css = _patterns(drawn)
    totals = [float(result.approaches[key].per_month_usd) for key in APPROACHES]
    y_ticks, y_label = usd_axis(max(totals))
    chart = pygal.StackedBar(
        **_config(
            size,
            style=_style([BREAKDOWN_COLOURS[index] for index in drawn], size),
            x_title="Way to run the agent",
            y_title="Cost per month (USD)",
            value_formatter=y_label,
            y_labels=y_ticks,
            # Category names are long: one column on the small size (pygal makes room for every row here).
            legend_at_bottom_columns=2 if wide else 1,
            show_minor_x_labels=True,
            truncate_label=-1,
            defs=defs,
            css=["file://style.css", "file://graph.css", *css],
        )
    )
    # On the small size three full names overlap under their bars: the first word of each is enough.
    chart.x_labels = [short_label(key) if wide else SMALL_X_LABELS[key] for key in APPROACHES]
    for index in drawn:
        values = [float(result.approaches[key].breakdown[index].per_month_usd) for key in APPROACHES]
        chart.add(BREAKDOWN_CATEGORIES[index][1], values)
    return chart


@dataclass(frozen=True, slots=True)
class ChartKind:
    key: str
    title: str
    describe: Callable[[Estimate], str]
    draw: Callable[[Estimate, ChartSize], pygal.graph.graph.Graph]


CHART_KINDS = (
    ChartKind(
        "cumulative",
        "What a conversation costs by its length, and how many get that far",
        _describe_cumulative,
        cumulative_by_turn,
    ),
    ChartKind(
        "monthly", "Cost per month against conversations per month", _describe_monthly, monthly_by_sessions
    ),
    ChartKind("breakdown", "What each way's monthly cost is made of", _describe_breakdown, breakdown_bars),
)
CHARTS_BY_KEY = {kind.key: kind for kind in CHART_KINDS}
CHART_KEYS = tuple(CHARTS_BY_KEY)


def charts_for(result: Estimate) -> list[Chart]:
    """The page's words for each chart; nothing is drawn."""
    return [Chart(kind.key, kind.title, kind.describe(result)) for kind in CHART_KINDS]


def chart_svg(result: Estimate, key: str, size: str = "large") -> str:
    """One chart drawn as an SVG document; KeyError for a key or size that is not one."""
    graph = CHARTS_BY_KEY[key].draw(result, SIZES[size])
    svg = CONFIG_SCRIPT.sub("", TOOLTIP_DESC.sub("", graph.render(is_unicode=True)))
    # pygal names each drawing with a random uuid; the key keeps the same inputs the same bytes.
    return RANDOM_CHART_ID.sub(f"chart-{key}", svg)
