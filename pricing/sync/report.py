"""What a sync added, and what it left alone and why: one human-readable line per item."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models

from pricing.sheet import decimal_str


@dataclass
class SyncReport:
    added_models: list[str] = field(default_factory=list)
    added_prices: list[str] = field(default_factory=list)
    added_fees: list[str] = field(default_factory=list)
    added_lifecycle: list[str] = field(default_factory=list)
    added_limits: list[str] = field(default_factory=list)
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
            or self.added_limits
            or self.added_surfaces
            or self.default_model
        )

    def lines(self) -> list[str]:
        verb = "would add" if self.dry_run else "added"
        lines: list[str] = []
        for label, items in (
            ("model", self.added_models),
            ("price", self.added_prices),
            ("tool fee", self.added_fees),
            ("lifecycle", self.added_lifecycle),
            ("limits", self.added_limits),
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
            f"{len(self.added_lifecycle)} lifecycles, {len(self.added_limits)} model limits, "
            f"{len(self.added_surfaces)} API surfaces; {self.unchanged} rows unchanged; "
            f"skipped {len(self.skipped)}."
        )


def price_differences(row: models.Model, values: dict[str, Any]) -> list[str]:
    """`name old -> new` for each field whose stored value differs from `values`."""
    differences = []
    for name, value in values.items():
        current = getattr(row, name)
        if (current is None) != (value is None) or (value is not None and Decimal(current) != Decimal(value)):
            shown = [None if v is None else decimal_str(Decimal(v)) for v in (current, value)]
            differences.append(f"{name} {shown[0]} -> {shown[1]}")
    return differences
