"""Server-rendered SVG charts of an estimate, drawn with pygal.

A `Chart` is built without being drawn: the page shows its title and description and points an <img> at
the chart's own URL (`/chart/<key>.svg?<inputs>`, or `/s/<slug>/chart/<key>.svg` for a shared scenario,
drawn from its stored snapshot), so the results arrive without waiting for pygal (about 70% of an
update's time when the charts were inlined) and the browser fetches the three charts in parallel. The
page stays free of inline <style>/<script>: pygal's <style> lives inside the image document.
Every series differs by more than colour: its own dash pattern for lines, its own fill pattern
(shown in the legend too) for stacked bars, and the numbers are also in the tables next to the charts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pygal
from pygal.style import Style

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
MAX_POINTS = 60
# Drawn at roughly the size they are shown, so the text stays readable on a phone too.
WIDTH, HEIGHT = 640, 420


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str  # alt text: what the chart shows, in words
    graph: Any = field(repr=False, compare=False)  # the pygal chart (untyped), drawn only when asked for

    def svg(self) -> str:
        svg = CONFIG_SCRIPT.sub("", TOOLTIP_DESC.sub("", self.graph.render(is_unicode=True)))
        # pygal names each drawing with a random uuid; the key keeps the same inputs the same bytes.
        return RANDOM_CHART_ID.sub(f"chart-{self.key}", svg)

    @property
    def data_uri(self) -> str:
        # '#' and spaces must be escaped in a data: URL.
        return "data:image/svg+xml;charset=utf-8," + quote(self.svg(), safe="/:=;,.-_()'\"")


def _style(colours: Iterable[str]) -> Style:
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1f2328",
        foreground_strong="#1f2328",
        foreground_subtle="#d0d7de",
        colors=tuple(colours),
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        label_font_size=15,
        major_label_font_size=15,
        legend_font_size=16,
        title_font_size=17,
        value_font_size=14,
        value_label_font_size=14,
        opacity="0.9",
        opacity_hover="0.9",
    )


def _config(**extra: Any) -> dict[str, Any]:
    return {
        "js": [],
        "disable_xml_declaration": True,
        "width": WIDTH,
        "height": HEIGHT,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "truncate_legend": -1,
        "show_minor_x_labels": False,
        "x_label_rotation": 0,
        "margin_bottom": 10,
        **extra,
    }


# Tooltip data pygal writes for its (disabled) JavaScript: dead weight in an <img>.
TOOLTIP_DESC = re.compile(r"<desc class=\"[^\"]*\">[^<]*</desc>")
RANDOM_CHART_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# pygal's config <script> for its tooltips: an <img> never runs it.
CONFIG_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _usd(value: float) -> str:
    if value == 0:
        return "$0"
    if value >= 100:
        return f"${value:,.0f}"
    if value >= 1:
        return f"${value:,.2f}"
    return f"${value:.4g}"


def sampled_turns(turns: int, most: int = MAX_POINTS) -> list[int]:
    """Turn numbers to plot: every turn up to `most`, else evenly spaced ones, always the first and last."""
    if turns <= most:
        return list(range(1, turns + 1))
    picked = {1 + (turns - 1) * i // (most - 1) for i in range(most)}
    return sorted(picked)


def _nice_ceiling(value: int) -> int:
    """The next round number at or above `value` (1, 2, 2.5 or 5 times a power of ten): tidy axis ends."""
    power = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return int(step * power)
    return value


def _count(value: float) -> str:
    """Axis labels for counts: 2,500 -> 2.5k, 3,000,000 -> 3M."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:,.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


def _reach_label(result: Estimate, turn: float) -> str:
    """An x label: the length, and the share of conversations at least that long."""
    share = result.population.reach[round(turn) - 1] * 100
    shown = f"{share:.0f}" if share >= 1 else f"{share:.1g}"
    return f"{turn:,.0f} · {shown}%"


def cumulative_by_turn(result: Estimate) -> Chart:
    """cost(n) for n up to the 99th-percentile length; the x labels say how many conversations get there."""
    turns = result.population.p99_turns
    picked = sampled_turns(turns)
    percentiles = result.population.percentiles
    ticks = sorted({percentiles["p50"], percentiles["p90"], turns})
    chart = pygal.XY(
        **_config(
            style=_style(APPROACH_COLOURS),
            x_title="Length in turns · share of conversations that long or longer",
            y_title="Cost of a conversation of that length (USD)",
            value_formatter=_usd,
            x_value_formatter=lambda x: _reach_label(result, x),
            dots_size=4 if len(picked) <= 20 else 0,
            show_dots=len(picked) <= 20,
            x_labels=ticks,
            show_minor_x_labels=True,
            xrange=(1, max(turns, 2)),
            css=LINE_CSS,
        )
    )
    for key, dash in zip(APPROACHES, APPROACH_DASHES, strict=True):
        figures = result.approaches[key].turns
        series = [(t, float(figures[t - 1].cumulative_usd)) for t in picked]
        chart.add(short_label(key), series, stroke_style={"width": 4, "dasharray": dash})
    p = result.approaches[result.cheapest()].per_session_percentiles_usd
    return Chart(
        "cumulative",
        "What a conversation costs by its length, and how many get that far",
        f"Line chart of the cost of a conversation of 1 to {turns:,} turns (the 99th percentile); half of "
        f"conversations have {percentiles['p50']:,} turns or fewer ({_usd(float(p['p50']))} with the "
        f"cheapest way), one in ten {percentiles['p90']:,} or more ({_usd(float(p['p90']))}), one in a "
        f"hundred {percentiles['p99']:,} or more ({_usd(float(p['p99']))}).",
        chart,
    )


def monthly_by_sessions(result: Estimate) -> Chart:
    """Per-month cost is linear in conversations: sessions x per-conversation + fixed monthly."""
    top = _nice_ceiling(max(result.workload.sessions_per_month, 10) * 2)
    points = [top * i // SESSION_STEPS for i in range(SESSION_STEPS + 1)]
    chart = pygal.XY(
        **_config(
            style=_style(APPROACH_COLOURS),
            x_title="Conversations per month",
            y_title="Cost per month (USD)",
            value_formatter=_usd,
            x_value_formatter=_count,
            x_labels=points[::2],
            truncate_label=-1,
            dots_size=3,
            show_minor_x_labels=True,
            css=LINE_CSS,
        )
    )
    for key, dash in zip(APPROACHES, APPROACH_DASHES, strict=True):
        way = result.approaches[key]
        series = [(n, float(n * way.per_session_usd + way.fixed_monthly_usd)) for n in points]
        chart.add(short_label(key), series, stroke_style={"width": 4, "dasharray": dash})
    return Chart(
        "monthly",
        "Cost per month against conversations per month",
        f"Line chart of the monthly cost of the three ways from 0 to {top:,} conversations per month; "
        f"your workload is {result.workload.sessions_per_month:,}.",
        chart,
    )


def _patterns() -> tuple[list[str], list[str]]:
    """SVG <pattern> defs and the CSS that fills each series (bars and legend swatch) with its pattern."""
    defs, css = [], []
    for index, ((marks, ink), colour) in enumerate(zip(PATTERN_MARKS, BREAKDOWN_COLOURS, strict=True)):
        path = f'<path d="{marks}" stroke="{ink}" stroke-width="1.5" fill="{ink}"/>' if marks else ""
        defs.append(
            f'<pattern id="fill-{index}" patternUnits="userSpaceOnUse" width="8" height="8">'
            f'<rect width="8" height="8" fill="{colour}"/>{path}</pattern>'
        )
        css.append(f"inline:.color-{index} {{ fill: url(#fill-{index}) !important; }}")
    return defs, css


def breakdown_bars(result: Estimate) -> Chart:
    defs, css = _patterns()
    chart = pygal.StackedBar(
        **_config(
            style=_style(BREAKDOWN_COLOURS),
            x_title="Way to run the agent",
            y_title="Cost per month (USD)",
            value_formatter=_usd,
            legend_at_bottom_columns=2,
            show_minor_x_labels=True,
            truncate_label=-1,
            defs=defs,
            css=["file://style.css", "file://graph.css", *css],
        )
    )
    chart.x_labels = [short_label(key) for key in APPROACHES]
    for index, (_category, label) in enumerate(BREAKDOWN_CATEGORIES):
        values = [float(result.approaches[key].breakdown[index].per_month_usd) for key in APPROACHES]
        # Every category keeps its series (and so its colour and pattern), even when it is all zero.
        chart.add(label, values)
    return Chart(
        "breakdown",
        "What each way's monthly cost is made of",
        "Stacked bar chart of the monthly cost per way, split into "
        + ", ".join(label.lower() for _, label in BREAKDOWN_CATEGORIES)
        + "; the breakdown table lists the same figures.",
        chart,
    )


CHART_BUILDERS = {
    "cumulative": cumulative_by_turn,
    "monthly": monthly_by_sessions,
    "breakdown": breakdown_bars,
}
CHART_KEYS = tuple(CHART_BUILDERS)


def charts_for(result: Estimate) -> list[Chart]:
    return [build(result) for build in CHART_BUILDERS.values()]


def chart_svg(result: Estimate, key: str) -> str:
    """One chart drawn as an SVG document; KeyError for a key that is not a chart."""
    return CHART_BUILDERS[key](result).svg()
