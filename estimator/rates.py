"""The prices behind an estimate: each rate it used, with the date it took effect and where it came from.

`rates_used(sheet, workload)` lists the token prices of the tiers the three ways bill and the tool fees
(the sheet's numbers, which a share link keeps), each matched to the price-table row it came from for its
effective date and source. `rate_changes` compares two sheets rate by rate (a share link's saved prices
against today's); `scheduled_changes` lists the rows that take effect after today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from estimator.services import estimate_priced
from pricing.catalog import PriceTableError, price_sheet_for
from pricing.engine import APPROACHES, Estimate
from pricing.models import Source, TokenPrice, ToolFee
from pricing.sheet import PriceSheet, TokenRates
from pricing.workload import Workload

TOKEN_RATES = (
    ("input", "input_per_mtok", "Input"),
    ("cached_input", "cached_input_per_mtok", "Cached input"),
    ("cache_write", "cache_write_per_mtok", "Cache writes"),
    ("output", "output_per_mtok", "Output"),
)
PER_MTOK = "per 1M tokens"
# (key on the sheet's tools, fee row key, label, unit)
TOOL_RATES = (
    ("file_search_per_kcalls", "file_search_per_kcalls", "File search (Responses)", "per 1,000 searches"),
    ("web_search_per_kcalls", "web_search_per_kcalls", "Web search (Responses)", "per 1,000 searches"),
    ("vector_storage_per_gb_day", "vector_storage_per_gb_day", "Vector storage", "per GB per day"),
    ("vector_storage_free_gb", "vector_storage_free_gb", "Vector storage free", "GB"),
    (
        "assistants_code_interpreter_per_session",
        "assistants_code_interpreter_per_session",
        "Code interpreter (Assistants)",
        "per session (one hour)",
    ),
)
TIER_NAMES = {"standard": "Standard", "flex": "Flex", "fast": "Fast"}


@dataclass(frozen=True, slots=True)
class Rate:
    key: str  # as in /api/prices: "service_tiers.standard.input_per_mtok", "tools.file_search_per_kcalls"
    label: str
    unit: str
    value: Decimal | int
    effective_from: date | None = None
    source: str = ""

    @property
    def is_money(self) -> bool:
        return self.unit not in ("GB", "tokens")


@dataclass
class RateGroup:
    title: str
    rates: list[Rate] = field(default_factory=list)


def public_source(row: TokenPrice | ToolFee) -> str:
    """Where a price row comes from, in words for a public page (no staff names)."""
    if row.source == Source.GENAI_PRICES:
        text = f"genai-prices {row.source_version}".strip()
    elif row.source == Source.ADMIN:
        text = "set by this site's admins"
    elif row.source == Source.IMPORT:
        text = "an imported price table"
    else:
        text = "OpenAI's published fee (cost model)"
    return f"{text}: {row.note}" if getattr(row, "note", "") else text


def _token_rates(prefix: str, rates: TokenRates) -> list[tuple[str, str, Decimal]]:
    return [
        (f"{prefix}.{key}", label, getattr(rates, attr))
        for attr, key, label in TOKEN_RATES
        if getattr(rates, attr) is not None
    ]


def _tiers_billed(workload: Workload) -> list[str]:
    """Assistants always bills standard; Responses and your own loop bill the chosen tier."""
    return ["standard"] if workload.service_tier == "standard" else ["standard", workload.service_tier]


def _tier_group(sheet: PriceSheet, tier: str, rows: dict[str, TokenPrice], workload: Workload) -> RateGroup:
    prices = sheet.tier(tier)
    row = rows.get(tier)
    approaches = "every way" if tier == workload.service_tier else "the Assistants API"
    if tier != "standard":
        approaches = "the Responses API and your own loop"
    group = RateGroup(f"{sheet.model}, {TIER_NAMES[tier]} tier ({approaches})")
    values = _token_rates(f"service_tiers.{tier}", prices.rates)
    if prices.long_context is not None:
        long = prices.long_context
        group.rates.append(
            Rate(
                f"service_tiers.{tier}.long_context.threshold_tokens",
                "Long context from",
                "tokens",
                long.threshold_tokens,
                *_provenance(row),
            )
        )
        values += [
            (key.replace(f"{tier}.", f"{tier}.long_context."), f"{label}, long context", value)
            for key, label, value in _token_rates(f"service_tiers.{tier}", long)
        ]
    group.rates[:0] = [Rate(key, label, PER_MTOK, value, *_provenance(row)) for key, label, value in values]
    return group


SAVED = "this estimate's saved prices"
COST_MODEL_DEFAULT = "the cost model's rate (no row in the price table)"


def _provenance(row: TokenPrice | ToolFee | None, missing: str = SAVED) -> tuple[date | None, str]:
    """A rate's start date and source from its row; without one, `missing` says where it came from."""
    if row is None:
        return None, missing
    return row.effective_from, public_source(row)


def rates_used(sheet: PriceSheet, workload: Workload) -> list[RateGroup]:
    """Every rate the estimate used, grouped by tier and tools, with its date and source."""
    # in_force: the one row of each series in force on the date (a tier's prices, a fee's key).
    token_rows = {
        row.service_tier: row for row in TokenPrice.objects.filter(model_id=sheet.model).in_force(sheet.as_of)
    }
    groups = [_tier_group(sheet, tier, token_rows, workload) for tier in _tiers_billed(workload)]
    fee_rows = {fee.key: fee for fee in ToolFee.objects.in_force(sheet.as_of)}
    tools = RateGroup("Tools and storage")
    size = workload.container_memory
    listed = [
        *TOOL_RATES,
        (
            f"container_per_20min.{size}",
            f"container_per_20min_{size}",
            f"Container, {size} (Responses)",
            "per 20 minutes",
        ),
    ]
    for attr, key, label, unit in listed:
        value = (
            sheet.tools.container_per_20min[size]
            if attr.startswith("container")
            else getattr(sheet.tools, attr)
        )
        row = fee_rows.get(key)
        matched = row if row is not None and row.amount == value else None
        source = _provenance(matched, SAVED if key in fee_rows else COST_MODEL_DEFAULT)
        tools.rates.append(Rate(f"tools.{attr}", label, unit, value, *source))
    groups.append(tools)
    return groups


@dataclass(frozen=True, slots=True)
class RateChange:
    label: str
    unit: str
    old: Decimal | int | None
    new: Decimal | int | None
    effective_from: date | None
    is_money: bool = True

    @property
    def change_pct(self) -> Decimal | None:
        if not self.old or self.new is None:
            return None
        return (Decimal(self.new) - Decimal(self.old)) / Decimal(self.old) * 100


def _flat(groups: list[RateGroup]) -> dict[str, Rate]:
    return {rate.key: rate for group in groups for rate in group.rates}


def rate_changes(then: list[RateGroup], now: list[RateGroup]) -> list[RateChange]:
    """Each rate whose value differs between two listings of the same workload's rates, old -> new."""
    old, new = _flat(then), _flat(now)
    changes = []
    for key in [*old, *(key for key in new if key not in old)]:
        before, after = old.get(key), new.get(key)
        if before is not None and after is not None and before.value == after.value:
            continue
        shown = after or before
        assert shown is not None
        changes.append(
            RateChange(
                shown.label,
                shown.unit,
                None if before is None else before.value,
                None if after is None else after.value,
                None if after is None else after.effective_from,
                shown.is_money,
            )
        )
    return changes


@dataclass(frozen=True, slots=True)
class ScheduledChange:
    """A price-table row that takes effect after today, one rate of it: "gpt-4.1 input goes from $2 to $3"."""

    subject: str
    unit: str
    old: Decimal | None
    new: Decimal | None
    effective_from: date


TOKEN_FIELDS = (
    ("input_per_mtok", "input"),
    ("cached_input_per_mtok", "cached input"),
    ("cache_write_per_mtok", "cache writes"),
    ("output_per_mtok", "output"),
    ("long_context_input_per_mtok", "long-context input"),
    ("long_context_cached_input_per_mtok", "long-context cached input"),
    ("long_context_cache_write_per_mtok", "long-context cache writes"),
    ("long_context_output_per_mtok", "long-context output"),
)
TOOL_LABELS = {key: (label, unit) for _, key, label, unit in TOOL_RATES}


def _series_changes(
    rows: Sequence[TokenPrice | ToolFee],
    fields: Iterable[tuple[str, str]],
    subject: Callable[[Any, str], str],
    unit: str,
    after: date,
) -> list[ScheduledChange]:
    """Each rate of each row starting after `after` that differs from the row before it in its series."""
    changes: list[ScheduledChange] = []
    previous: TokenPrice | ToolFee | None = None
    for row in sorted(rows, key=lambda r: r.effective_from):
        if row.effective_from > after:
            for attr, name in fields:
                old: Decimal | None = getattr(previous, attr) if previous is not None else None
                new = getattr(row, attr)
                if old != new:
                    changes.append(ScheduledChange(subject(row, name), unit, old, new, row.effective_from))
        previous = row
    return changes


def scheduled_changes(model: str, tiers: list[str], after: date) -> list[ScheduledChange]:
    """Price changes for `model` (in `tiers`) and the tool fees that take effect after `after`, by date."""
    prices = list(TokenPrice.objects.filter(model_id=model, service_tier__in=tiers))
    if (
        not any(row.effective_from > after for row in prices)
        and not ToolFee.objects.filter(effective_from__gt=after).exists()
    ):
        return []
    changes: list[ScheduledChange] = []
    for tier in tiers:

        def subject(row: TokenPrice, name: str, tier: str = tier) -> str:
            return f"{model} {name}" if tier == "standard" else f"{model} {tier} {name}"

        rows = [row for row in prices if row.service_tier == tier]
        changes += _series_changes(rows, TOKEN_FIELDS, subject, PER_MTOK, after)
    fees: dict[str, list[ToolFee]] = {}
    for fee in ToolFee.objects.all():
        fees.setdefault(fee.key, []).append(fee)
    for key, series in fees.items():
        label, unit = TOOL_LABELS.get(key, (key.replace("_", " "), ""))
        if key.startswith("container_per_20min_"):
            label, unit = f"Container, {key.rsplit('_', 1)[1]} (Responses)", "per 20 minutes"
        changes += _series_changes(series, (("amount", label),), lambda row, name: name, unit, after)
    return sorted(changes, key=lambda change: (change.effective_from, change.subject))


@dataclass(frozen=True, slots=True)
class ApproachChange:
    key: str
    now_usd: Decimal
    then_usd: Decimal

    @property
    def change_pct(self) -> Decimal | None:
        return None if not self.now_usd else (self.then_usd - self.now_usd) / self.now_usd * 100


@dataclass
class ScheduledEffect:
    """The changes that take effect on one date, and what the estimate costs a month from then."""

    on: date
    changes: list[ScheduledChange]
    approaches: list[ApproachChange]
    cheapest_now: tuple[str, ...]
    cheapest_then: tuple[str, ...]

    @property
    def cheapest_changes(self) -> bool:
        return self.cheapest_now != self.cheapest_then


def approach_changes(now: Estimate, then: Estimate) -> list[ApproachChange]:
    """Each way's monthly cost with engineering under two price sheets."""
    return [
        ApproachChange(
            key,
            now.approaches[key].per_month_with_engineering_usd,
            then.approaches[key].per_month_with_engineering_usd,
        )
        for key in APPROACHES
    ]


MOST_DATES = 3


def scheduled_effects(result: Estimate) -> list[ScheduledEffect]:
    """The scheduled changes to the rates this estimate uses, by date (the next three), each priced: the
    same workload on the sheet in force that day."""
    sheet, workload = result.sheet, result.workload
    changes = scheduled_changes(sheet.model, _tiers_billed(workload), sheet.as_of)
    by_date: dict[date, list[ScheduledChange]] = {}
    for change in changes:
        by_date.setdefault(change.effective_from, []).append(change)
    effects = []
    for on, listed in sorted(by_date.items())[:MOST_DATES]:
        try:
            then = estimate_priced(price_sheet_for(sheet.model, on), workload)
        except (PriceTableError, KeyError):
            continue  # the model or its tier is not priced that day: the change is still listed
        effects.append(
            ScheduledEffect(
                on, listed, approach_changes(result, then), result.verdict.cheapest, then.verdict.cheapest
            )
        )
    return effects
