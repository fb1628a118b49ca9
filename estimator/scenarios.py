"""Saving a scenario and recomputing it from its own price snapshot.

A share link must show the same numbers forever, so a shared page never reads today's price table
for its figures: it rebuilds the stored sheet (`sheet_from_dict`) and runs the engine on it. Today's
prices are only read to say whether they differ, and by how much. A link saved under cost model
version 1 shows the result stored for it when version 2 arrived (migration 0002), as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from estimator.models import Scenario
from estimator.results import ResultsView, query_inputs, results_view
from estimator.services import EstimateInputError, estimate_compute, workload_and_sheet
from pricing.engine import APPROACHES, Estimate, estimate
from pricing.engine.approaches import label
from pricing.sheet import sheet_from_dict
from pricing.workload import parse_workload


def save_scenario(raw: dict) -> Scenario:
    workload, sheet = workload_and_sheet(raw)
    return Scenario.objects.create(
        inputs=workload.to_dict(),
        prices=sheet.to_dict(),
        price_version=sheet.version,
    )


def scenario_estimate(scenario: Scenario) -> Estimate:
    return estimate(sheet_from_dict(scenario.prices), parse_workload(scenario.inputs))


@dataclass
class PriceChange:
    key: str
    label: str
    then_usd: Decimal
    now_usd: Decimal

    @property
    def change_usd(self) -> Decimal:
        return self.now_usd - self.then_usd


@dataclass
class SharedView:
    scenario: Scenario
    results: ResultsView | None  # None for a version-1 link: `version_1` holds what it showed
    today: Estimate | None
    today_error: str
    prices_differ: bool
    changes: list[PriceChange]
    version_1: dict | None = None

    @property
    def edit_query(self) -> str:
        """The estimator with this link's inputs (a version-1 link's under version 1's assumptions:
        every conversation the same length, every cached prefix found)."""
        if self.results is not None:
            return self.results.query
        assumptions = {"turns_distribution": "fixed", "cache_hit_rate": "1"}
        return urlencode({**query_inputs(self.scenario.inputs), **assumptions})

    @property
    def version_1_cheapest_label(self) -> str:
        assert self.version_1 is not None
        return label(self.version_1["cheapest"])


def version_1_view(scenario: Scenario) -> SharedView:
    """A link saved under cost model version 1: its stored result, nothing recomputed."""
    return SharedView(scenario, None, None, "", False, [], version_1=scenario.result)


def shared_view(scenario: Scenario, compare: bool = True) -> SharedView:
    if scenario.priced_by_version_1:
        return version_1_view(scenario)
    result = scenario_estimate(scenario)
    today = None
    today_error = ""
    if compare:
        try:
            today = estimate_compute(dict(scenario.inputs))
        except EstimateInputError as exc:
            # The model or tier may have left the table: the snapshot still prices the link.
            today_error = " ".join(message for messages in exc.errors.values() for message in messages)
    differ = today is not None and today.sheet.fingerprint() != result.sheet.fingerprint()
    changes = []
    if today is not None and differ:
        changes = [
            PriceChange(
                key,
                result.approaches[key].label,
                result.approaches[key].per_month_usd,
                today.approaches[key].per_month_usd,
            )
            for key in APPROACHES
        ]
    return SharedView(
        scenario=scenario,
        results=results_view(
            result, chart_url=lambda key: reverse("scenario-chart", args=[scenario.slug, key])
        ),
        today=today,
        today_error=today_error,
        prices_differ=differ,
        changes=changes,
    )
