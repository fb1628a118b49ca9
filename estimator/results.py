"""What the estimator pages show of an estimate: an `Estimate` arranged for templates.

The numbers are the engine's, untouched (templates round them only for display and carry the exact
decimal in `data-value`); this module adds what a reader needs around them: the verdict in words
(`estimator.verdict`), each way's comparison with the cheapest and its break-even, the rates the
estimate used (`estimator.rates`) and where each chart is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from estimator.charts import Chart, charts_for
from estimator.forms import inputs_as_query
from estimator.price_changes import ScheduledEffect
from estimator.rates import RateGroup, rates_used
from estimator.verdict import VerdictView
from pricing.engine import APPROACHES, ApproachEstimate, Engineering, Estimate
from pricing.engine.approaches import short_label
from pricing.engine.population import Population
from pricing.engine.results import Comparison
from pricing.sheet import PriceSheet, SurfaceLifecycle
from pricing.workload import Workload


@dataclass
class ApproachView:
    key: str
    approach: ApproachEstimate
    comparison: Comparison  # against the cheapest live way, engineering included
    cheapest: bool  # among the cheapest live ways
    break_even_months: Decimal | None
    has_break_even: bool  # only the managed ways have one
    surface: SurfaceLifecycle  # when OpenAI shuts this way down, if it does

    @property
    def label(self) -> str:
        return self.approach.label

    @property
    def short_label(self) -> str:
        return short_label(self.key)

    @property
    def is_live(self) -> bool:
        return self.approach.is_live

    @property
    def shutdown_date(self) -> date | None:
        return self.surface.shutdown_date


@dataclass
class ChartLink:
    """A chart as the page shows it: its words here, its picture at `url` (`small_url` on a phone)."""

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

    @property
    def small_url(self) -> str:
        return f"{self.url}{'&' if '?' in self.url else '?'}size=small"


def live_chart_url(key: str, query: str) -> str:
    return f"{reverse('chart', args=[key])}?{query}"


@dataclass
class ResultsView:
    estimate: Estimate
    approaches: list[ApproachView]
    charts: list[ChartLink]
    query: str  # every input as a query string: "Edit a copy"
    short_query: str = ""  # only the inputs off their default (and the model): exports, charts, tables
    rates: list[RateGroup] = field(default_factory=list)
    scheduled: list[ScheduledEffect] = field(default_factory=list)

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
    def verdict(self) -> VerdictView:
        return VerdictView(self.estimate)

    @property
    def by_key(self) -> dict[str, ApproachView]:
        return {approach.key: approach for approach in self.approaches}

    @property
    def cheapest(self) -> ApproachView:
        return next(w for w in self.approaches if w.cheapest)

    @property
    def all_tied(self) -> bool:
        return self.estimate.verdict.all_tied

    @property
    def baselines(self) -> list[ApproachView]:
        """Ways no longer live (the Assistants API after its shutdown): shown beside, never chosen."""
        return [w for w in self.approaches if not w.is_live]

    @property
    def model_shut_down(self) -> bool:
        shutdown = self.sheet.model_shutdown_date
        return shutdown is not None and shutdown <= self.sheet.as_of

    @property
    def shared_inputs(self) -> dict[str, str]:
        """Every input as the share form posts it."""
        return inputs_as_query(self.estimate.to_dict()["inputs"])

    @property
    def breakdown_rows(self) -> list[dict[str, Any]]:
        """One row per cost category, with each way's figure: the table beside the stacked bars."""
        rows = []
        for index, line in enumerate(self.approaches[0].approach.breakdown):
            rows.append(
                {
                    "category": line.category,
                    "label": line.label,
                    "cells": [(w.key, w.approach.breakdown[index]) for w in self.approaches],
                }
            )
        return rows


def results_view(result: Estimate, chart_url: Callable[[str], str] | None = None) -> ResultsView:
    """The page's view of an estimate; `chart_url(key)` says where each chart is drawn (default: live)."""
    inputs = result.to_dict()["inputs"]
    query = urlencode(inputs_as_query(inputs))
    short_query = urlencode(inputs_as_query(inputs, only_changed=True))
    if chart_url is None:
        chart_url = partial(live_chart_url, query=short_query)
    months = result.engineering.break_even_months
    approaches = [
        ApproachView(
            key=key,
            approach=result.approaches[key],
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
        approaches=approaches,
        charts=[ChartLink(chart, chart_url(chart.key)) for chart in charts_for(result)],
        query=query,
        short_query=short_query,
        rates=rates_used(result.sheet, result.workload),
    )
