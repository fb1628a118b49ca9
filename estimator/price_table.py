"""The readable price table (`/prices`): every model with its tiers, limits and lifecycle, filterable.

Read from `pricing.catalog.price_list` (the same sheets `/api/prices` returns, so the numbers are the
API's) and the models' lifecycles; filtered by a text in the model id or name and by lifecycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from estimator.picker import older_model_ids
from pricing.catalog import models_in_display_order, price_list, today
from pricing.models import LanguageModel

STATUSES = (
    ("available", "Current and scheduled for shutdown"),
    ("current", "Current only"),
    ("scheduled", "Scheduled for shutdown"),
    ("shut_down", "Shut down"),
    ("all", "Every model"),
)
STATUS_KEYS = {key for key, _ in STATUSES}


@dataclass(frozen=True, slots=True)
class TierRow:
    tier: str
    rates: dict[str, Any]  # the API's shape: input_per_mtok, ..., long_context


@dataclass(frozen=True, slots=True)
class ModelEntry:
    model: LanguageModel
    sheet: dict[str, Any]
    status: str  # current, scheduled or shut_down
    older: bool

    @property
    def tiers(self) -> list[TierRow]:
        return [TierRow(tier, rates) for tier, rates in self.sheet["service_tiers"].items()]


@dataclass
class PriceTablePage:
    as_of: date
    query: str
    status: str
    show_older: bool
    entries: list[ModelEntry] = field(default_factory=list)
    total: int = 0
    version: str = ""
    statuses: tuple[tuple[str, str], ...] = STATUSES


def _status(model: LanguageModel, on: date) -> str:
    if model.shutdown_date is None:
        return "current"
    return "shut_down" if model.shutdown_date <= on else "scheduled"


def _wanted(entry: ModelEntry, status: str, show_older: bool) -> bool:
    if entry.older and not show_older and status != "all":
        return False
    if status == "available":
        return entry.status != "shut_down"
    return status == "all" or entry.status == status


def price_table_page(params: Mapping[str, Any]) -> PriceTablePage:
    """The table for a request's filters: `q` (text in the id or name), `status`, `older_models`."""
    as_of = today()
    query = str(params.get("q") or "").strip()[:100]
    status = params.get("status") if params.get("status") in STATUS_KEYS else "available"
    page = PriceTablePage(as_of, query, str(status), bool(params.get("older_models")))
    listing = price_list(as_of)
    page.version = listing["version"]
    sheets = {sheet["model"]: sheet for sheet in listing["models"]}
    models = models_in_display_order()
    older = older_model_ids(models)
    needle = query.lower()
    for model in models:
        if model.id not in sheets:
            continue  # not priced on this date
        page.total += 1
        entry = ModelEntry(model, sheets[model.id], _status(model, as_of), model.id in older)
        if needle and needle not in model.id.lower() and needle not in (model.name or "").lower():
            continue
        if _wanted(entry, page.status, page.show_older):
            page.entries.append(entry)
    return page
