"""How the prices behind an estimate change: since a share link was saved, and on dates to come.

`rate_changes` compares two listings of the rates an estimate used (`estimator.rates.rates_used`), a
share link's saved prices against today's, rate by rate; `scheduled_changes` lists the price-table rows
that take effect after a date, and `scheduled_effects` prices the same workload on each of the next
dates, so a page can say what the change does to each approach and to the verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from estimator.rates import PER_MTOK, TOOL_RATES, Rate, RateGroup, tiers_billed
from estimator.services import estimate_priced
from pricing.catalog import PriceTableError, price_sheet_for
from pricing.engine import APPROACHES, Estimate
from pricing.models import TokenPrice, ToolFee


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
    changes = scheduled_changes(sheet.model, tiers_billed(workload), sheet.as_of)
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
