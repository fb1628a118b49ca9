"""Saving a scenario and recomputing it from its own price snapshot.

A share link must show the same numbers forever, so a shared page never reads today's price table
for its figures: it rebuilds the stored sheet (`sheet_from_dict`) and runs the engine on it. Today's
prices are only read to say whether they differ, and by how much. A link saved under cost model
version 1 shows the result stored for it when version 2 arrived (migration 0002), as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from estimator.forms import display_value, inputs_as_query
from estimator.models import Scenario
from estimator.price_changes import RateChange, rate_changes, scheduled_effects
from estimator.rates import rates_used
from estimator.results import ResultsView, results_view
from estimator.services import EstimateInputError, estimate_compute, estimate_priced, workload_and_sheet
from pricing.engine import APPROACHES, Estimate
from pricing.engine.approaches import label
from pricing.sheet import sheet_from_dict
from pricing.workload import INPUTS, parse_workload


def save_scenario(raw: dict) -> Scenario:
    workload, sheet = workload_and_sheet(raw)
    return Scenario.objects.create(
        inputs=workload.to_dict(),
        prices=sheet.to_dict(),
        price_version=sheet.version,
    )


def scenario_estimate(scenario: Scenario) -> Estimate:
    return estimate_priced(sheet_from_dict(scenario.prices), parse_workload(scenario.inputs))


@dataclass
class PriceChange:
    """One way's monthly cost with the saved prices and with today's."""

    key: str
    label: str
    then_usd: Decimal
    now_usd: Decimal

    @property
    def change_usd(self) -> Decimal:
        return self.now_usd - self.then_usd

    @property
    def change_pct(self) -> Decimal | None:
        return None if not self.then_usd else self.change_usd / self.then_usd * 100


@dataclass
class SharedView:
    scenario: Scenario
    results: ResultsView | None  # None for a version-1 link: `version_1` holds what it showed
    today: Estimate | None
    today_error: str
    prices_differ: bool
    changes: list[PriceChange]
    version_1: dict | None = None
    rate_changes: list[RateChange] = field(default_factory=list)

    @property
    def cheapest_then(self) -> tuple[str, ...]:
        return self.results.estimate.verdict.cheapest if self.results else ()

    @property
    def cheapest_now(self) -> tuple[str, ...]:
        return self.today.verdict.cheapest if self.today else ()

    @property
    def cheapest_changes(self) -> bool:
        return self.prices_differ and self.cheapest_then != self.cheapest_now

    @property
    def summary(self) -> str:
        """The verdict in one line: the page's description and its Open Graph text."""
        if self.results is None:
            return f"Cheapest per month under cost model version 1: {self.version_1_cheapest_label}."
        return self.results.verdict.summary

    @property
    def inputs(self) -> list[tuple[str, str, str, str]]:
        """(name, label, value as a person reads it, unit) for every saved input."""
        rows = []
        for name, value in self.scenario.inputs.items():
            spec = INPUTS.get(name)
            shown = "none" if value is None else display_value(spec, value) if spec else str(value)
            if spec and spec.kind == "bool":
                shown = "yes" if value else "no"
            rows.append((name, spec.label if spec else name, shown, spec.unit if spec else ""))
        return rows

    @property
    def edit_query(self) -> str:
        """The estimator with this link's inputs (a version-1 link's under version 1's assumptions:
        every conversation the same length, every cached prefix found)."""
        if self.results is not None:
            return self.results.query
        assumptions = {"turns_distribution": "fixed", "cache_hit_rate": "1"}
        return urlencode({**inputs_as_query(self.scenario.inputs), **assumptions})

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
    results = results_view(result, chart_url=lambda key: reverse("scenario-chart", args=[scenario.slug, key]))
    rates_then_now: list[RateChange] = []
    if today is not None:
        # Announced changes are today's news: what they do to this estimate, priced from today's figures.
        results.scheduled = scheduled_effects(today)
    if differ:
        assert today is not None
        rates_then_now = rate_changes(results.rates, rates_used(today.sheet, today.workload))
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
        results=results,
        today=today,
        today_error=today_error,
        prices_differ=differ,
        changes=changes,
        rate_changes=rates_then_now,
    )
