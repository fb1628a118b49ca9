"""The price table as the rest of the app reads it: sheets for the engine, the model list, the footer.

`price_sheet_for(model, as_of)` is the one door from the database to the cost engine. Every read here
takes a fixed number of queries, whatever the size of the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils import timezone

from pricing.memo import memoized
from pricing.models import (
    STALE_AFTER,
    ApiSurface,
    DatedRow,
    LanguageModel,
    Source,
    SyncRun,
    TokenPrice,
    ToolFee,
    ToolFeeKey,
    today,
)
from pricing.sheet import (
    CONTAINER_SIZES,
    LongContextRates,
    PriceSheet,
    SurfaceLifecycle,
    TierPrices,
    TokenRates,
    ToolFees,
)
from pricing.sync.plan import genai_prices_version

__all__ = [
    "PriceTableError",
    "default_model_id",
    "models_in_display_order",
    "price_list",
    "price_sheet_for",
    "price_table_freshness",
    "today",
]

CONTAINER_PREFIX = "container_per_20min_"


class PriceTableError(LookupError):
    """A model, tier or fee the price table cannot provide; `field` names the input at fault."""

    def __init__(self, message: str, field: str = "model"):
        super().__init__(message)
        self.field = field


def default_model_id() -> str:
    return memoized(("default-model",), _default_model_id)


def _default_model_id() -> str:
    model = LanguageModel.objects.filter(is_default=True).values_list("id", flat=True).first()
    if model is None:
        model = LanguageModel.objects.order_by("id").values_list("id", flat=True).first()
    if model is None:
        raise PriceTableError("The price table is empty: run `python manage.py sync_prices`.")
    return model


def _rates(row: TokenPrice) -> TierPrices:
    rates = TokenRates(
        input=row.input_per_mtok,
        cached_input=row.cached_input_per_mtok,
        cache_write=row.cache_write_per_mtok,
        output=row.output_per_mtok,
    )
    long_context = None
    if row.long_context_threshold is not None:
        long_context = LongContextRates(
            input=row.long_context_input_per_mtok,
            cached_input=row.long_context_cached_input_per_mtok,
            cache_write=row.long_context_cache_write_per_mtok,
            output=row.long_context_output_per_mtok,
            threshold_tokens=row.long_context_threshold,
        )
    return TierPrices(rates=rates, long_context=long_context)


def _tool_fees(rows: Iterable[ToolFee], as_of: date) -> ToolFees:
    amount = {fee.key: fee.amount for fee in rows}
    missing = [key for key in ToolFeeKey.values if key not in amount]
    if missing:
        raise PriceTableError(f"No tool fee in force on {as_of} for: {', '.join(missing)}.", field="as_of")
    return ToolFees(
        file_search_per_kcalls=amount["file_search_per_kcalls"],
        web_search_per_kcalls=amount["web_search_per_kcalls"],
        vector_storage_per_gb_day=amount["vector_storage_per_gb_day"],
        vector_storage_free_gb=amount["vector_storage_free_gb"],
        assistants_code_interpreter_per_session=amount["assistants_code_interpreter_per_session"],
        container_per_20min={size: amount[CONTAINER_PREFIX + size] for size in CONTAINER_SIZES},
    )


def _version(rows: Iterable[DatedRow]) -> str:
    rows = list(rows)
    versions = sorted(
        {row.source_version for row in rows if row.source == Source.GENAI_PRICES and row.source_version}
    )
    label = f"genai-prices-{versions[-1]}" if versions else "price-table"
    if any(row.source in (Source.ADMIN, Source.IMPORT) for row in rows):
        label += "+edits"
    return label


class _TableOn:
    """The rows in force on one date that every sheet shares: fees and API surfaces (two queries)."""

    def __init__(self, as_of: date):
        self.as_of = as_of
        self.fee_rows = list(ToolFee.objects.in_force(as_of))
        self.surfaces = {
            surface.key: SurfaceLifecycle(shutdown_date=surface.shutdown_date, successor=surface.successor_id)
            for surface in ApiSurface.objects.all()
        }
        self._fees: ToolFees | None = None

    def fees(self) -> ToolFees:
        if self._fees is None:
            self._fees = _tool_fees(self.fee_rows, self.as_of)
        return self._fees

    def sheet(self, model: LanguageModel, rows: dict[str, TokenPrice]) -> PriceSheet:
        if "standard" not in rows:
            raise PriceTableError(
                f"{model.id} has no standard price in force on {self.as_of}.", field="as_of"
            )
        sheet = PriceSheet(
            model=model.id,
            as_of=self.as_of,
            context_window=model.context_window,
            max_input_tokens=model.max_input_tokens,
            cache_ttl_minutes=model.cache_ttl_minutes,
            encoding=model.encoding,
            model_shutdown_date=model.shutdown_date,
            model_successor=model.successor_id,
            service_tiers={tier: _rates(row) for tier, row in rows.items()},
            tools=self.fees(),
            surfaces=self.surfaces,
        )
        version = f"{_version([*rows.values(), *self.fee_rows])}/{sheet.fingerprint()}"
        return PriceSheet(
            **{**{f: getattr(sheet, f) for f in sheet.__dataclass_fields__}, "version": version}
        )


def _tiers_in_force(prices: Iterable[TokenPrice]) -> dict[str, dict[str, TokenPrice]]:
    """Per model id, per service tier, the rows of an `in_force` queryset."""
    tiers: dict[str, dict[str, TokenPrice]] = {}
    for row in prices:
        tiers.setdefault(row.model_id, {})[row.service_tier] = row
    return tiers


def price_sheet_for(model: str, as_of: date | None = None) -> PriceSheet:
    """The engine's price sheet for `model` from the rows in force on `as_of` (default: today)."""
    as_of = as_of or today()
    return memoized(("sheet", model, as_of), lambda: _price_sheet_for(model, as_of))


def _price_sheet_for(model_id: str, as_of: date) -> PriceSheet:
    unknown = PriceTableError(f"Unknown model {model_id!r}: pick one from /api/prices.")
    # No model id has control characters, and PostgreSQL refuses a NUL in a query outright.
    if any(ord(character) < 32 for character in model_id):
        raise unknown
    model = LanguageModel.objects.filter(pk=model_id).first()
    if model is None and not LanguageModel.objects.exists():
        raise PriceTableError("The price table is empty: run `python manage.py sync_prices`.")
    if model is None:
        raise unknown
    rows = _tiers_in_force(TokenPrice.objects.filter(model=model).in_force(as_of)).get(model.id, {})
    return _TableOn(as_of).sheet(model, rows)


def models_in_display_order() -> list[LanguageModel]:
    """Current models first (by id), then those scheduled to shut down or shut down, latest date first."""
    models = list(LanguageModel.objects.select_related("successor"))
    current = sorted((m for m in models if m.shutdown_date is None), key=lambda m: m.id)
    dated = [(m.shutdown_date, m) for m in models if m.shutdown_date is not None]
    retiring = [m for _, m in sorted(dated, key=lambda pair: (-pair[0].toordinal(), pair[1].id))]
    return current + retiring


def price_list(as_of: date | None = None) -> dict[str, Any]:
    """Every model with the sheet in force on `as_of`, current models first (five queries, memoised)."""
    as_of = as_of or today()
    return memoized(("price-list", as_of), lambda: _price_list(as_of))


def _price_list(as_of: date) -> dict[str, Any]:
    tiers = _tiers_in_force(TokenPrice.objects.in_force(as_of))
    table = _TableOn(as_of)
    sheets = []
    models = models_in_display_order()
    for model in models:
        if "standard" in tiers.get(model.id, {}):  # not yet priced on that date: left out
            sheets.append(table.sheet(model, tiers[model.id]).to_dict())
    versions = sorted({sheet["version"].split("/")[0] for sheet in sheets})
    return {
        "as_of": as_of.isoformat(),
        "version": ", ".join(versions),
        "default_model": next((model.id for model in models if model.is_default), None),
        "models": sheets,
    }


def price_table_freshness(as_of: date | None = None) -> dict[str, Any]:
    """What the page footer says about the prices: which version and date, when synced, how fresh.

    `version` is the same label `/api/prices` gives for `as_of`; `oldest_checked_at` and `stale_rows`
    look at the rows in force on `as_of` only (a superseded row is history, not something to re-check).
    """
    as_of = as_of or today()
    fees = list(ToolFee.objects.in_force(as_of))
    labels = set()
    rows: list[DatedRow] = list(fees)
    for tiers in _tiers_in_force(TokenPrice.objects.in_force(as_of)).values():
        if "standard" in tiers:  # price_list leaves out models without a standard price
            labels.add(_version([*tiers.values(), *fees]))
            rows.extend(tiers.values())
    checked = [row.checked_at for row in rows if row.checked_at is not None]
    stale_before = timezone.now() - STALE_AFTER
    last_sync = SyncRun.objects.order_by("-finished_at").first()
    return {
        "version": ", ".join(sorted(labels)),
        "as_of": as_of.isoformat(),
        "genai_prices_version": genai_prices_version(),
        "last_sync_at": last_sync.finished_at.isoformat() if last_sync else None,
        "oldest_checked_at": min(checked).isoformat() if checked else None,
        "stale_rows": sum(1 for row in rows if row.checked_at is None or row.checked_at < stale_before),
        "stale_after_days": STALE_AFTER.days,
    }
