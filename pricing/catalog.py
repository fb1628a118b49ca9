"""The price table as the rest of the app reads it: sheets for the engine, the model list, seeding.

`price_sheet_for(model, as_of)` is the one door from the database to the cost engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pricing import genai_sync
from pricing.models import LanguageModel, Source, TokenPrice, ToolFee, ToolFeeKey
from pricing.sheet import CONTAINER_SIZES, LongContextRates, PriceSheet, TierPrices, TokenRates, ToolFees

CONTAINER_PREFIX = "container_per_20min_"


class PriceTableError(LookupError):
    """A model, tier or fee the price table cannot provide; `field` names the input at fault."""

    def __init__(self, message: str, field: str = "model"):
        super().__init__(message)
        self.field = field


def today() -> date:
    return timezone.localdate()


def default_model_id() -> str:
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


def tool_fees_for(as_of: date) -> tuple[ToolFees, list[ToolFee]]:
    in_force: dict[str, ToolFee] = {}
    for fee in ToolFee.objects.filter(effective_from__lte=as_of).order_by("key", "effective_from"):
        in_force[fee.key] = fee
    missing = [key for key in ToolFeeKey.values if key not in in_force]
    if missing:
        raise PriceTableError(f"No tool fee in force on {as_of} for: {', '.join(missing)}.", field="as_of")
    amount = {key: fee.amount for key, fee in in_force.items()}
    fees = ToolFees(
        file_search_per_kcalls=amount["file_search_per_kcalls"],
        vector_storage_per_gb_day=amount["vector_storage_per_gb_day"],
        vector_storage_free_gb=amount["vector_storage_free_gb"],
        assistants_code_interpreter_per_session=amount["assistants_code_interpreter_per_session"],
        container_per_20min={size: amount[CONTAINER_PREFIX + size] for size in CONTAINER_SIZES},
    )
    return fees, list(in_force.values())


def _version(rows: list) -> str:
    versions = sorted(
        {row.source_version for row in rows if row.source == Source.GENAI_PRICES and row.source_version}
    )
    label = f"genai-prices-{versions[-1]}" if versions else "price-table"
    if any(row.source in (Source.ADMIN, Source.IMPORT) for row in rows):
        label += "+edits"
    return label


def price_sheet_for(model: str | LanguageModel, as_of: date | None = None) -> PriceSheet:
    """The engine's price sheet for `model` from the rows in force on `as_of` (default: today)."""
    as_of = as_of or today()
    if not isinstance(model, LanguageModel):
        try:
            model = LanguageModel.objects.select_related("successor").get(pk=model)
        except LanguageModel.DoesNotExist:
            raise PriceTableError(f"Unknown model {model!r}: pick one from /api/prices.") from None
    rows: dict[str, TokenPrice] = {}
    for row in TokenPrice.objects.filter(model=model, effective_from__lte=as_of).order_by(
        "service_tier", "effective_from"
    ):
        rows[row.service_tier] = row
    if "standard" not in rows:
        raise PriceTableError(f"{model.id} has no standard price in force on {as_of}.", field="as_of")
    fees, fee_rows = tool_fees_for(as_of)
    sheet = PriceSheet(
        model=model.id,
        as_of=as_of,
        context_window=model.context_window,
        encoding=model.encoding,
        model_shutdown_date=model.shutdown_date,
        model_successor=model.successor_id,
        service_tiers={tier: _rates(row) for tier, row in rows.items()},
        tools=fees,
    )
    version = f"{_version([*rows.values(), *fee_rows])}/{sheet.fingerprint()}"
    return PriceSheet(**{**{f: getattr(sheet, f) for f in sheet.__dataclass_fields__}, "version": version})


@dataclass
class SyncReport:
    added_models: list[str] = field(default_factory=list)
    added_prices: list[str] = field(default_factory=list)
    added_fees: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added_models or self.added_prices or self.added_fees)


def _same_values(row: TokenPrice, planned: genai_sync.PlannedPrice) -> bool:
    for name, value in planned.values().items():
        current = getattr(row, name)
        if (current is None) != (value is None) or (value is not None and Decimal(current) != value):
            return False
    return True


@transaction.atomic
def sync_prices(plan: list[genai_sync.PlannedModel] | None = None, *, dry_run: bool = False) -> SyncReport:
    """Add the models, dated prices and tool fees the table lacks; never delete or override a row."""
    version = genai_sync.genai_prices_version()
    plan = genai_sync.plan_from_genai_prices() if plan is None else plan
    report = SyncReport()
    now = timezone.now()
    existing_models = set(LanguageModel.objects.values_list("id", flat=True))
    existing_prices = {
        (row.model_id, row.service_tier, row.effective_from): row for row in TokenPrice.objects.all()
    }
    for planned in plan:
        if planned.id not in existing_models:
            report.added_models.append(planned.id)
            if not dry_run:
                LanguageModel.objects.create(
                    id=planned.id,
                    name=planned.name,
                    family=planned.family,
                    context_window=planned.context_window,
                    encoding=planned.encoding,
                    source=Source.GENAI_PRICES,
                    source_version=version,
                )
        for price in planned.prices:
            key = (price.model, price.service_tier, price.effective_from)
            label = f"{price.model} {price.service_tier} from {price.effective_from}"
            row = existing_prices.get(key)
            if row is None:
                report.added_prices.append(label)
                if not dry_run:
                    TokenPrice.objects.create(
                        model_id=price.model,
                        service_tier=price.service_tier,
                        effective_from=price.effective_from,
                        source=Source.GENAI_PRICES,
                        source_version=version,
                        checked_at=now,
                        **price.values(),
                    )
            elif not _same_values(row, price):
                why = (
                    "edited by an admin"
                    if row.source == Source.ADMIN
                    else f"differs ({row.get_source_display()})"
                )
                report.skipped.append(f"{label}: kept the existing row, {why}")
    existing_fees = set(ToolFee.objects.values_list("key", flat=True))
    for key, amount in genai_sync.SEED_TOOL_FEES.items():
        if key not in existing_fees:
            report.added_fees.append(f"{key} = {amount}")
            if not dry_run:
                ToolFee.objects.create(key=key, amount=amount, source=Source.SPEC, checked_at=now)
    if not dry_run and not LanguageModel.objects.filter(is_default=True).exists():
        LanguageModel.objects.filter(pk=genai_sync.DEFAULT_MODEL).update(is_default=True)
    return report


def models_in_display_order() -> list[LanguageModel]:
    """Current models first (newest family first), then those shut down or scheduled to be, by date."""
    models = list(LanguageModel.objects.select_related("successor"))

    current = sorted((m for m in models if m.shutdown_date is None), key=lambda m: m.id)
    retiring = sorted(
        (m for m in models if m.shutdown_date is not None), key=lambda m: (-m.shutdown_date.toordinal(), m.id)
    )
    return current + retiring


def price_list(as_of: date | None = None) -> dict:
    """Every model with the sheet in force on `as_of`, current models first."""
    as_of = as_of or today()
    default = LanguageModel.objects.filter(is_default=True).values_list("id", flat=True).first()
    sheets = []
    for model in models_in_display_order():
        try:
            sheets.append(price_sheet_for(model, as_of).to_dict())
        except PriceTableError:
            continue  # not yet priced on that date
    versions = sorted({sheet["version"].split("/")[0] for sheet in sheets})
    return {
        "as_of": as_of.isoformat(),
        "version": ", ".join(versions),
        "default_model": default,
        "models": sheets,
    }
