"""What the estimator pages show: an `Estimate` arranged for templates, and the page's whole context.

The numbers are the engine's, untouched (templates round them only for display and carry the exact
decimal in `data-value`); this module adds the comparisons a reader wants: which way is cheapest, by
how much in dollars and percent, and the break-even of building your own loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from estimator.charts import Chart, charts_for
from estimator.forms import FieldGroup, build_groups, form_values, parsed_inputs, raw_inputs
from estimator.presets import PRESETS, PRESETS_BY_KEY
from estimator.services import EstimateInputError, estimate_compute
from pricing.catalog import PriceTableError, default_model_id, models_in_display_order
from pricing.engine import APPROACHES, ApproachEstimate, Engineering, Estimate, Verdict
from pricing.engine.approaches import short_label
from pricing.engine.population import Population
from pricing.engine.results import Comparison
from pricing.sheet import PriceSheet, SurfaceLifecycle
from pricing.workload import FIELDS_BY_NAME, Workload


@dataclass
class WayView:
    key: str
    way: ApproachEstimate
    comparison: Comparison  # against the cheapest live way, engineering included
    cheapest: bool  # among the cheapest live ways
    break_even_months: Decimal | None
    has_break_even: bool  # only the managed ways have one
    surface: SurfaceLifecycle  # when OpenAI shuts this way down, if it does

    @property
    def label(self) -> str:
        return self.way.label

    @property
    def short_label(self) -> str:
        return short_label(self.key)

    @property
    def is_live(self) -> bool:
        return self.way.is_live

    @property
    def shutdown_date(self) -> date | None:
        return self.surface.shutdown_date


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
    charts: list[ChartLink]
    query: str  # canonical inputs as a query string: export links and "Edit a copy"

    @property
    def sheet(self) -> PriceSheet:
        return self.estimate.sheet

    @property
    def workload(self) -> Workload:
        return self.estimate.workload

    @property
    def engineering(self) -> Engineering:
        return self.estimate.engineering

    @property
    def population(self) -> Population:
        return self.estimate.population

    @property
    def verdict(self) -> Verdict:
        return self.estimate.verdict

    @property
    def live_ways(self) -> list[WayView]:
        return [w for w in self.ways if w.is_live]

    @property
    def cheapest(self) -> WayView:
        return next(w for w in self.ways if w.cheapest)

    @property
    def cheapest_ways(self) -> list[WayView]:
        """Every live way at the lowest monthly cost with engineering: ties are shown as ties."""
        return [w for w in self.ways if w.cheapest]

    @property
    def all_tied(self) -> bool:
        return self.verdict.all_tied

    @property
    def runner_up(self) -> WayView | None:
        """The next cheapest live way: what the verdict compares the cheapest with."""
        others = [w for w in self.live_ways if not w.cheapest]
        return min(others, key=lambda w: w.way.per_month_with_engineering_usd) if others else None

    @property
    def baselines(self) -> list[WayView]:
        """Ways no longer live (the Assistants API after its shutdown): shown beside, never chosen."""
        return [w for w in self.ways if not w.is_live]

    @property
    def shared_inputs(self) -> dict[str, str]:
        """Every input as the share form posts it."""
        return query_inputs(self.estimate.to_dict()["inputs"])

    @property
    def own_loop(self) -> WayView:
        return next(w for w in self.ways if w.key == "chat_completions")

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
    query = urlencode(query_inputs(result.to_dict()["inputs"]))
    if chart_url is None:
        chart_url = partial(live_chart_url, query=query)
    months = result.engineering.break_even_months
    ways = [
        WayView(
            key=key,
            way=result.approaches[key],
            comparison=result.verdict.comparisons[key],
            cheapest=key in result.verdict.cheapest,
            break_even_months=months.get(key),
            has_break_even=key in months,
            surface=result.sheet.surface(key),
        )
        for key in APPROACHES
    ]
    return ResultsView(
        estimate=result,
        ways=ways,
        charts=[ChartLink(chart, chart_url(chart.key)) for chart in charts_for(result)],
        query=query,
    )


def query_inputs(inputs: dict) -> dict[str, str]:
    """The inputs as a query string carries them: the histogram as `turns:weight` pairs, no nulls."""
    values = {}
    for name, value in inputs.items():
        if value is None:
            continue
        if name == "turns_histogram":
            value = ",".join(f"{turns}:{weight}" for turns, weight in value)
        values[name] = "true" if value is True else "false" if value is False else str(value)
    return values


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


def estimator_page(data: Mapping[str, Any], overrides: dict[str, str] | None = None) -> EstimatorPage:
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
        result = estimate_compute(parsed_inputs(raw))
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
