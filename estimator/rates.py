"""The prices behind an estimate: each rate it used, with the date it took effect and where it came from.

`rates_used(sheet, workload)` lists the token prices of the tiers the three ways bill and the tool fees
(the sheet's numbers, which a share link keeps), each matched to the price-table row it came from for its
effective date and source. How those rates change (since a share link was saved, or on a date to come)
is `estimator.price_changes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

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


def tiers_billed(workload: Workload) -> list[str]:
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
    groups = [_tier_group(sheet, tier, token_rows, workload) for tier in tiers_billed(workload)]
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
