"""The price table as the rest of the app reads it: sheets for the engine, the model list, seeding.

`price_sheet_for(model, as_of)` is the one door from the database to the cost engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import uuid4

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pricing import genai_sync
from pricing.models import (
    FIRST_LISTED,
    STALE_AFTER,
    ApiSurface,
    LanguageModel,
    Source,
    SyncRun,
    TokenPrice,
    ToolFee,
    ToolFeeKey,
)
from pricing.sheet import (
    CONTAINER_SIZES,
    LongContextRates,
    PriceSheet,
    SurfaceLifecycle,
    TierPrices,
    TokenRates,
    ToolFees,
    decimal_str,
)

CONTAINER_PREFIX = "container_per_20min_"


class PriceTableError(LookupError):
    """A model, tier or fee the price table cannot provide; `field` names the input at fault."""

    def __init__(self, message: str, field: str = "model"):
        super().__init__(message)
        self.field = field


def today() -> date:
    return timezone.localdate()


# Price sheets are memoised per process: reading them is two thirds of an /api/estimate request, and the
# table changes a few times a year. Every write to it changes a revision token kept in the shared cache
# (signals for saves and deletes, `price_table_changed()` after bulk writes); a process re-reads the token
# at most every REVISION_TTL seconds, so its own writes show at once and other workers' within that time.
REVISION_KEY = "pricing:table-revision"
REVISION_TTL = 2.0
MEMO_LIMIT = 512
_memo: dict[tuple, object] = {}
_revision: list = [None, 0.0]  # [token, monotonic time it was read]


def price_table_revision() -> str:
    token, read_at = _revision
    now = time.monotonic()
    if token is None or now - read_at > REVISION_TTL:
        token = cache.get(REVISION_KEY)
        if token is None:
            cache.add(REVISION_KEY, uuid4().hex, timeout=None)
            token = cache.get(REVISION_KEY)
        if token != _revision[0]:
            _memo.clear()
        _revision[:] = [token, now]
    return token


def _new_revision() -> None:
    token = uuid4().hex
    cache.set(REVISION_KEY, token, timeout=None)
    _memo.clear()
    _revision[:] = [token, time.monotonic()]


def price_table_changed(**_signal_kwargs) -> None:
    """Forget memoised sheets everywhere: now (this process, this transaction) and again on commit, so no
    worker keeps a sheet it read while the change was not yet committed."""
    _new_revision()
    transaction.on_commit(_new_revision)


def forget_memoised_sheets() -> None:
    """This process forgets its sheets and re-reads the revision token: no database, no cache write."""
    _memo.clear()
    _revision[:] = [None, 0.0]


def _memoized(key: tuple, compute: Callable[[], object]):
    full_key = (price_table_revision(), *key)
    try:
        return _memo[full_key]
    except KeyError:
        pass
    value = compute()
    if len(_memo) >= MEMO_LIMIT:
        _memo.clear()
    _memo[full_key] = value
    return value


def default_model_id() -> str:
    return _memoized(("default-model",), _default_model_id)


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
    if isinstance(model, str):
        return _memoized(("sheet", model, as_of), lambda: _price_sheet_for(model, as_of))
    return _price_sheet_for(model, as_of)


def _price_sheet_for(model: str | LanguageModel, as_of: date) -> PriceSheet:
    if not isinstance(model, LanguageModel):
        try:
            # No model id has control characters, and PostgreSQL refuses a NUL in a query outright.
            if any(ord(character) < 32 for character in model):
                raise LanguageModel.DoesNotExist
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
    surfaces = {
        surface.key: SurfaceLifecycle(surface.shutdown_date, surface.successor_id)
        for surface in ApiSurface.objects.all()
    }
    sheet = PriceSheet(
        model=model.id,
        as_of=as_of,
        context_window=model.context_window,
        encoding=model.encoding,
        model_shutdown_date=model.shutdown_date,
        model_successor=model.successor_id,
        service_tiers={tier: _rates(row) for tier, row in rows.items()},
        tools=fees,
        surfaces=surfaces,
    )
    version = f"{_version([*rows.values(), *fee_rows])}/{sheet.fingerprint()}"
    return PriceSheet(**{**{f: getattr(sheet, f) for f in sheet.__dataclass_fields__}, "version": version})


@dataclass
class SyncReport:
    """What a sync added, and what it left alone and why (one human-readable line per item)."""

    added_models: list[str] = field(default_factory=list)
    added_prices: list[str] = field(default_factory=list)
    added_fees: list[str] = field(default_factory=list)
    added_lifecycle: list[str] = field(default_factory=list)
    added_surfaces: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # Rows the source lists with the same numbers: nothing to add, their `checked_at` is refreshed.
    unchanged: int = 0
    default_model: str | None = None
    version: str = ""
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.added_models
            or self.added_prices
            or self.added_fees
            or self.added_lifecycle
            or self.added_surfaces
            or self.default_model
        )

    def lines(self) -> list[str]:
        verb = "would add" if self.dry_run else "added"
        lines = []
        for label, items in (
            ("model", self.added_models),
            ("price", self.added_prices),
            ("tool fee", self.added_fees),
            ("lifecycle", self.added_lifecycle),
            ("API surface", self.added_surfaces),
        ):
            lines.extend(f"{verb} {label}: {item}" for item in items)
        if self.default_model:
            lines.append(f"{'would set' if self.dry_run else 'set'} default model: {self.default_model}")
        lines.extend(f"skipped: {item}" for item in self.skipped)
        return lines

    def summary(self) -> str:
        verb = "would add" if self.dry_run else "added"
        return (
            f"genai-prices {self.version}: {verb} {len(self.added_models)} models, "
            f"{len(self.added_prices)} prices, {len(self.added_fees)} tool fees, "
            f"{len(self.added_lifecycle)} lifecycles, {len(self.added_surfaces)} API surfaces; "
            f"{self.unchanged} rows unchanged; skipped {len(self.skipped)}."
        )


def _price_differences(row, values: dict) -> list[str]:
    """`name old -> new` for each field whose stored value differs from `values`."""
    differences = []
    for name, value in values.items():
        current = getattr(row, name)
        if (current is None) != (value is None) or (value is not None and Decimal(current) != Decimal(value)):
            shown = [None if v is None else decimal_str(Decimal(v)) for v in (current, value)]
            differences.append(f"{name} {shown[0]} -> {shown[1]}")
    return differences


def describe_source(row) -> str:
    """Where a row comes from, for the admin and the sync report: tool and version, or who and when."""
    if row.source == Source.GENAI_PRICES:
        return f"genai-prices {row.source_version}".strip()
    if row.source == Source.ADMIN:
        who = row.edited_by.get_username() if row.edited_by_id else "an admin"
        when = getattr(row, "edited_at", None) or getattr(row, "created_at", None)
        return f"edited by {who}" + (f" on {when:%Y-%m-%d %H:%M} UTC" if when else "")
    if row.source == Source.IMPORT:
        return "imported from a file" + (f" ({row.source_version})" if row.source_version else "")
    return "seeded from the cost model"


def _kept_reason(row, version: str, differences: list[str]) -> str:
    change = ", ".join(differences)
    if row.source in (Source.ADMIN, Source.IMPORT):
        return f"kept the row {describe_source(row)} (genai-prices {version} says {change})"
    return (
        f"genai-prices {version} lists other prices for this date than the row from "
        f"{describe_source(row)} ({change}); kept the existing row because estimates may have used it. "
        "To change the price, add a new row from a date in the admin"
    )


def _invalid_reason(instance) -> str | None:
    try:
        instance.clean_fields(exclude={"model"})
        instance.clean()
    except ValidationError as exc:
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
    return None


@transaction.atomic
def sync_prices(plan: list[genai_sync.PlannedModel] | None = None, *, dry_run: bool = False) -> SyncReport:
    """Add the models, dated prices, tool fees and lifecycles the table lacks; never delete or override.

    The past is frozen: for a model and tier the table already prices, a new row dated before today is
    skipped (it would re-price estimates already made for those dates), and a row whose numbers the
    source has since changed is kept as it is. Both are reported with the reason.
    """
    version = genai_sync.genai_prices_version()
    plan = genai_sync.plan_from_genai_prices() if plan is None else plan
    report = SyncReport(version=version, dry_run=dry_run)
    now = timezone.now()
    first_day = today()
    models = {model.id: model for model in LanguageModel.objects.all()}
    existing_prices = {
        (row.model_id, row.service_tier, row.effective_from): row
        for row in TokenPrice.objects.select_related("edited_by")
    }
    priced_tiers = {(model, tier) for model, tier, _ in existing_prices}
    rechecked: list[int] = []
    for planned in plan:
        model = models.get(planned.id)
        if model is None:
            model = LanguageModel(
                id=planned.id,
                name=planned.name,
                family=planned.family,
                context_window=planned.context_window,
                encoding=planned.encoding,
                source=Source.GENAI_PRICES,
                source_version=version,
            )
            report.added_models.append(planned.id)
            models[planned.id] = model
            if not dry_run:
                model.save(force_insert=True)
        else:
            for name in ("context_window", "encoding"):
                if getattr(model, name) != getattr(planned, name):
                    report.skipped.append(
                        f"{planned.id}: kept {name} {getattr(model, name)} (genai-prices {version} says "
                        f"{getattr(planned, name)}): changing it would re-price past estimates"
                    )
        for price in planned.prices:
            key = (price.model, price.service_tier, price.effective_from)
            label = f"{price.model} {price.service_tier} from {price.effective_from}"
            row = existing_prices.get(key)
            if row is not None:
                differences = _price_differences(row, price.values())
                if differences:
                    report.skipped.append(f"{label}: {_kept_reason(row, version, differences)}")
                else:
                    report.unchanged += 1
                    rechecked.append(row.pk)
                continue
            if (price.model, price.service_tier) in priced_tiers and price.effective_from < first_day:
                report.skipped.append(
                    f"{label}: dated before today, and adding it would re-price estimates already made "
                    f"for {price.effective_from} onwards; add it in the admin from today if it applies"
                )
                continue
            candidate = TokenPrice(
                model_id=price.model,
                service_tier=price.service_tier,
                effective_from=price.effective_from,
                source=Source.GENAI_PRICES,
                source_version=version,
                checked_at=now,
                **price.values(),
            )
            invalid = _invalid_reason(candidate)
            if invalid:
                report.skipped.append(f"{label}: genai-prices {version} lists an invalid price ({invalid})")
                continue
            report.added_prices.append(label)
            if not dry_run:
                candidate.save(force_insert=True)
    if rechecked and not dry_run:
        TokenPrice.objects.filter(pk__in=rechecked).update(checked_at=now)
    _sync_tool_fees(report, now, dry_run)
    _sync_lifecycles(report, models, dry_run)
    _sync_api_surfaces(report, dry_run)
    has_default = any(model.is_default for model in models.values())
    if not has_default and genai_sync.DEFAULT_MODEL in models:
        report.default_model = genai_sync.DEFAULT_MODEL
        if not dry_run:
            LanguageModel.objects.filter(pk=genai_sync.DEFAULT_MODEL).update(is_default=True)
    if not dry_run:
        # Lifecycles and the default model are written with queryset updates, which send no signals.
        price_table_changed()
        SyncRun.objects.create(
            finished_at=timezone.now(),
            genai_prices_version=version,
            added_models=len(report.added_models),
            added_prices=len(report.added_prices),
            added_fees=len(report.added_fees),
            seeded_lifecycles=len(report.added_lifecycle),
            skipped=len(report.skipped),
            report="\n".join([*report.lines(), report.summary()]),
        )
    return report


def _sync_tool_fees(report: SyncReport, now, dry_run: bool) -> None:
    fees = {(fee.key, fee.effective_from): fee for fee in ToolFee.objects.select_related("edited_by")}
    keys = {key for key, _ in fees}
    first_listed = date.fromisoformat(FIRST_LISTED)
    rechecked = []
    for key, amount in genai_sync.SEED_TOOL_FEES.items():
        if key not in keys:
            report.added_fees.append(f"{key} = {amount}")
            if not dry_run:
                ToolFee.objects.create(key=key, amount=amount, source=Source.SPEC, checked_at=now)
            continue
        row = fees.get((key, first_listed))
        if row is None:
            continue
        if row.amount == amount:
            report.unchanged += 1
            rechecked.append(row.pk)
        else:
            report.skipped.append(
                f"{key} from {first_listed}: kept {decimal_str(row.amount)} ({describe_source(row)}); "
                f"the cost model says {decimal_str(amount)}"
            )
    if rechecked and not dry_run:
        ToolFee.objects.filter(pk__in=rechecked).update(checked_at=now)


def _lifecycle_text(shutdown_date: date | None, successor: str | None) -> str:
    if shutdown_date is None:
        return "no shutdown date"
    return f"shuts down {shutdown_date}" + (f" (successor {successor})" if successor else "")


def _sync_lifecycles(report: SyncReport, models: dict[str, LanguageModel], dry_run: bool) -> None:
    for planned in genai_sync.SEED_LIFECYCLE:
        model = models.get(planned.model)
        if model is None:
            report.skipped.append(f"lifecycle of {planned.model}: not in the price table")
            continue
        successor = planned.successor if planned.successor in models else None
        wanted = (planned.shutdown_date, successor)
        if (model.shutdown_date, model.successor_id) == wanted:
            continue
        if model.lifecycle_source in (Source.ADMIN, Source.IMPORT):
            kept = _lifecycle_text(model.shutdown_date, model.successor_id)
            report.skipped.append(
                f"lifecycle of {planned.model}: kept {kept} "
                f"({model.get_lifecycle_source_display().lower()}); the seed says {_lifecycle_text(*wanted)}"
            )
            continue
        report.added_lifecycle.append(f"{planned.model} {_lifecycle_text(*wanted)}")
        if not dry_run:
            LanguageModel.objects.filter(pk=planned.model).update(
                shutdown_date=planned.shutdown_date, successor_id=successor, lifecycle_source=Source.SPEC
            )
        model.shutdown_date, model.successor_id, model.lifecycle_source = (*wanted, Source.SPEC)


def _sync_api_surfaces(report: SyncReport, dry_run: bool) -> None:
    surfaces = {surface.key: surface for surface in ApiSurface.objects.all()}
    for planned in genai_sync.SEED_API_SURFACES:
        wanted = {
            "name": planned.name,
            "status": planned.status,
            "shutdown_date": planned.shutdown_date,
            "successor_id": planned.successor,
        }
        surface = surfaces.get(planned.key)
        description = f"{planned.key} {planned.status}" + (
            f" from {planned.shutdown_date}" if planned.shutdown_date else ""
        )
        if surface is None:
            report.added_surfaces.append(description)
            if not dry_run:
                ApiSurface.objects.create(key=planned.key, source=Source.SPEC, **wanted)
            continue
        if all(getattr(surface, name) == value for name, value in wanted.items()):
            continue
        if surface.source != Source.SPEC:
            report.skipped.append(
                f"API surface {planned.key}: kept {surface.status} ({describe_source(surface)}); "
                f"the cost model says {planned.status}"
            )
            continue
        report.added_surfaces.append(description)
        if not dry_run:
            ApiSurface.objects.filter(pk=planned.key).update(**wanted)


def models_in_display_order() -> list[LanguageModel]:
    """Current models first (by id), then those scheduled to shut down or shut down, latest date first."""
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


def _rows_in_force(as_of: date) -> dict[str, dict[str, TokenPrice]]:
    """Per model id, per service tier, the token-price row in force on `as_of` (one query)."""
    in_force: dict[str, dict[str, TokenPrice]] = {}
    for row in TokenPrice.objects.filter(effective_from__lte=as_of).order_by("effective_from"):
        in_force.setdefault(row.model_id, {})[row.service_tier] = row
    return in_force


def price_table_freshness(as_of: date | None = None) -> dict:
    """What the page footer says about the prices: which version and date, when synced, how fresh.

    `version` is the same label `/api/prices` gives for `as_of`; `oldest_checked_at` and `stale_rows`
    look at the rows in force on `as_of` only (a superseded row is history, not something to re-check).
    """
    as_of = as_of or today()
    fees: dict[str, ToolFee] = {}
    for fee in ToolFee.objects.filter(effective_from__lte=as_of).order_by("effective_from"):
        fees[fee.key] = fee
    labels = set()
    rows: list = list(fees.values())
    for tiers in _rows_in_force(as_of).values():
        if "standard" in tiers:  # price_list leaves out models without a standard price
            labels.add(_version([*tiers.values(), *fees.values()]))
            rows.extend(tiers.values())
    checked = [row.checked_at for row in rows if row.checked_at is not None]
    stale_before = timezone.now() - STALE_AFTER
    last_sync = SyncRun.objects.order_by("-finished_at").first()
    return {
        "version": ", ".join(sorted(labels)),
        "as_of": as_of.isoformat(),
        "genai_prices_version": genai_sync.genai_prices_version(),
        "last_sync_at": last_sync.finished_at.isoformat() if last_sync else None,
        "oldest_checked_at": min(checked).isoformat() if checked else None,
        "stale_rows": sum(1 for row in rows if row.checked_at is None or row.checked_at < stale_before),
        "stale_after_days": STALE_AFTER.days,
    }
