"""Every model for one workload: the same inputs priced on each model, cheapest live way first.

One table costs one estimate per model listed (every model not shut down on the prices' date, older
snapshots only when asked): `planned_estimates()` says how many before any is run. Each goes through
`estimate_priced`, so it is cached and spends the request's compute budget (`estimator.budget`). Rows
are sorted by the cheapest live way's monthly cost with engineering; each links to the estimator with
the same inputs on that model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from estimator.forms import inputs_as_query
from estimator.picker import older_model_ids
from estimator.services import estimate_priced, workload_and_sheet
from pricing.catalog import PriceTableError, models_in_display_order, price_sheet_for
from pricing.engine import APPROACHES, Estimate
from pricing.models import LanguageModel
from pricing.sheet import PriceSheet
from pricing.workload import Workload


@dataclass(frozen=True, slots=True)
class ModelRow:
    model: str
    shutdown_date: date | None
    sheet: PriceSheet
    estimate: Estimate
    query: str  # the estimator's inputs with this model
    chosen: bool  # the model of the estimate on screen

    @property
    def monthly(self) -> dict[str, Decimal]:
        return {key: self.estimate.approaches[key].per_month_with_engineering_usd for key in APPROACHES}

    @property
    def cells(self) -> list[tuple[str, Decimal, bool]]:
        """(way, monthly cost with engineering, is it the cheapest live way) in the registry's order."""
        cheapest = self.estimate.verdict.cheapest
        return [(key, value, key in cheapest) for key, value in self.monthly.items()]

    @property
    def cheapest(self) -> tuple[str, ...]:
        return self.estimate.verdict.cheapest

    @property
    def best_usd(self) -> Decimal:
        return self.monthly[self.cheapest[0]]

    @property
    def standard(self) -> Any:
        return self.sheet.tier("standard").rates


@dataclass
class ModelsTable:
    workload: Workload
    as_of: date
    rows: list[ModelRow] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (model, why)
    show_older: bool = False

    @property
    def estimates(self) -> int:
        return len(self.rows)

    @property
    def columns(self) -> list[tuple[str, bool]]:
        """(way, is it live) per column: a shut-down way is shown as the baseline it is."""
        live = self.rows[0].estimate.verdict.live if self.rows else APPROACHES
        return [(key, key in live) for key in APPROACHES]


def listed_models(as_of: date, show_older: bool) -> list[LanguageModel]:
    """The models a table prices: not shut down on `as_of`; older snapshots only when asked for."""
    models = [m for m in models_in_display_order() if not m.is_shut_down(as_of)]
    if show_older:
        return models
    older = older_model_ids(models_in_display_order())
    return [m for m in models if m.id not in older]


def planned_estimates(as_of: date, show_older: bool = False) -> int:
    """How many estimates one table runs, known before it runs (the engine's cost per estimate is
    `pricing.engine.planned_model_calls(workload)` model calls)."""
    return len(listed_models(as_of, show_older))


def models_compare(raw: dict[str, Any], *, show_older: bool = False) -> ModelsTable:
    """Price `raw` (validated as the estimator does; EstimateInputError names the field) on every listed
    model, cheapest first."""
    workload, sheet = workload_and_sheet(raw)
    table = ModelsTable(workload=workload, as_of=sheet.as_of, show_older=show_older)
    inputs = inputs_as_query(workload.to_dict(), only_changed=True)
    for model in listed_models(sheet.as_of, show_older):
        try:
            model_sheet = price_sheet_for(model.id, sheet.as_of)
        except PriceTableError as exc:
            table.left_out.append((model.id, str(exc)))
            continue
        if workload.service_tier not in model_sheet.service_tiers:
            table.left_out.append((model.id, f"no {workload.service_tier} tier"))
            continue
        result = estimate_priced(model_sheet, workload.replace(model=model.id))
        query = urlencode({**inputs, "model": model.id})
        table.rows.append(
            ModelRow(model.id, model.shutdown_date, model_sheet, result, query, model.id == sheet.model)
        )
    table.rows.sort(key=lambda row: (row.best_usd, row.model))
    return table
