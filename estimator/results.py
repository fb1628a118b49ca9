"""What the estimator pages show: an `Estimate` arranged for templates, and the page's whole context.

The numbers are the engine's, untouched (templates round them only for display and carry the exact
decimal in `data-value`); this module adds the comparisons a reader wants: which way is cheapest, by
how much in dollars and percent, and the break-even of building your own loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from urllib.parse import urlencode

from django.urls import reverse

from estimator.charts import SHORT_LABELS, Chart, charts_for
from estimator.forms import FieldGroup, build_groups, form_values, raw_inputs
from estimator.presets import PRESETS, PRESETS_BY_KEY
from estimator.services import EstimateInputError, estimate_compute
from pricing.catalog import PriceTableError, default_model_id, models_in_display_order
from pricing.engine import APPROACHES, ApproachEstimate, Estimate
from pricing.workload import FIELDS_BY_NAME

HUNDRED = Decimal(100)


@dataclass
class WayView:
    key: str
    way: ApproachEstimate
    cheapest: bool
    more_than_cheapest_usd: Decimal  # per month
    more_than_cheapest_pct: Decimal | None  # None when the cheapest costs nothing
    break_even_months: Decimal | None
    has_break_even: bool  # only the managed ways have one

    @property
    def label(self) -> str:
        return self.way.label

    @property
    def short_label(self) -> str:
        return SHORT_LABELS[self.key]


@dataclass
class ChartLink:
    """A chart as the page shows it: its words here, its picture at `url` (drawn by its own request)."""

    chart: Chart
    url: str

    @property
    def key(self) -> str:
        return self.chart.key

    @property
    def title(self) -> str:
        return self.chart.title

    @property
    def description(self) -> str:
        return self.chart.description


def live_chart_url(key: str, query: str) -> str:
    return f"{reverse('chart', args=[key])}?{query}"


@dataclass
class ResultsView:
    estimate: Estimate
    ways: list[WayView]
    cheapest: WayView
    charts: list[ChartLink]
    query: str  # canonical inputs as a query string: export links and "Edit a copy"

    @property
    def sheet(self):
        return self.estimate.sheet

    @property
    def workload(self):
        return self.estimate.workload

    @property
    def engineering(self):
        return self.estimate.engineering

    @property
    def cheapest_ways(self) -> list[WayView]:
        """Every way at the lowest monthly cost: ties are shown as ties, not as a winner by list order."""
        return [w for w in self.ways if w.cheapest]

    @property
    def all_tied(self) -> bool:
        return len(self.cheapest_ways) == len(self.ways)

    @property
    def runner_up(self) -> WayView | None:
        others = sorted((w for w in self.ways if not w.cheapest), key=lambda w: w.way.per_month_usd)
        return others[0] if others else None

    @property
    def breakdown_rows(self) -> list[dict]:
        """One row per cost category, with each way's figure: the table beside the stacked bars."""
        rows = []
        for index, line in enumerate(self.ways[0].way.breakdown):
            rows.append(
                {
                    "category": line.category,
                    "label": line.label,
                    "cells": [(w.key, w.way.breakdown[index]) for w in self.ways],
                }
            )
        return rows


def results_view(result: Estimate, chart_url: Callable[[str], str] | None = None) -> ResultsView:
    """The page's view of an estimate; `chart_url(key)` says where each chart is drawn (default: live)."""
    query = urlencode(result.to_dict()["inputs"])
    if chart_url is None:
        chart_url = partial(live_chart_url, query=query)
    cheapest_key = result.cheapest()
    low = result.approaches[cheapest_key].per_month_usd
    ways = []
    for key in APPROACHES:
        way = result.approaches[key]
        more = way.per_month_usd - low
        pct = None if low == 0 else (more / low * HUNDRED)
        ways.append(
            WayView(
                key=key,
                way=way,
                cheapest=way.per_month_usd == low,
                more_than_cheapest_usd=more,
                more_than_cheapest_pct=pct,
                break_even_months=result.engineering.break_even_months.get(key),
                has_break_even=key in result.engineering.break_even_months,
            )
        )
    return ResultsView(
        estimate=result,
        ways=ways,
        cheapest=next(w for w in ways if w.key == cheapest_key),
        charts=[ChartLink(chart, chart_url(chart.key)) for chart in charts_for(result)],
        query=query,
    )


@dataclass
class EstimatorPage:
    groups: list[FieldGroup]
    values: dict[str, str]
    errors: dict[str, list[str]]
    results: ResultsView | None
    preset: str
    table_error: str = ""

    def as_context(self) -> dict:
        return {
            "groups": self.groups,
            "values": self.values,
            "errors": self.errors,
            "results": self.results,
            "presets": PRESETS,
            "preset": self.preset,
            "table_error": self.table_error,
            "error_count": sum(len(messages) for messages in self.errors.values()),
            "error_items": [
                (name, FIELDS_BY_NAME[name].label if name in FIELDS_BY_NAME else name, messages)
                for name, messages in self.errors.items()
            ],
        }


def estimator_page(data, overrides: dict[str, str] | None = None) -> EstimatorPage:
    """The form and results for a request's inputs (GET query or POST body).

    `preset=<key>` starts from that preset; typed inputs win over it, and `overrides` (token counts)
    win over both. Bad inputs come back as per-field errors with every typed value kept.
    """
    preset = PRESETS_BY_KEY.get(data.get("preset") or "")
    raw = {**(preset.inputs if preset else {}), **raw_inputs(data), **(overrides or {})}
    errors: dict[str, list[str]] = {}
    result = None
    table_error = ""
    try:
        result = estimate_compute(raw)
    except EstimateInputError as exc:
        errors = exc.errors
    try:
        default_model = default_model_id()
    except PriceTableError as exc:
        default_model, table_error = "", str(exc)
    values = form_values(raw, result.to_dict()["inputs"] if result else None)
    groups = build_groups(values, errors, models_in_display_order(), default_model)
    return EstimatorPage(
        groups=groups,
        values=values,
        errors=errors,
        results=results_view(result) if result else None,
        preset=preset.key if preset else "",
        table_error=table_error,
    )
