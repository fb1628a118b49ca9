"""Each imported call priced from its recorded usage with the price sheet in force on its date.

The one price formula is `agentloop.usage.call_cost`; sheets come from `pricing.catalog.price_sheet_for`
(dated, admin-editable). A model id the table does not list is tried without a provider prefix
(`openai/gpt-4o`) and without a snapshot date (`gpt-4o-2024-08-06`); a call that still has no price
is kept, unpriced, with the reason.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from agentloop.usage import call_cost
from pricing.catalog import PriceTableError, price_sheet_for
from pricing.sheet import PriceSheet
from runs.traces.records import TraceCall

SNAPSHOT_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")
CACHE_STEP = 128


@dataclass(frozen=True, slots=True)
class PricedCall:
    cost_usd: Decimal | None
    model: str  # the price table's id, or the trace's when it has none
    priced_on: date
    cache_step: int  # 1 for models billed for cache writes, else 128 (cost model v2)
    problem: str = ""


class CallPricer:
    def __init__(self, default_date: date):
        self.default_date = default_date
        self._sheets: dict[tuple[str, date], PriceSheet | str] = {}
        self._ids: dict[str, str] = {}
        self.problems: Counter[str] = Counter()

    def _sheet(self, model: str, on: date) -> PriceSheet | str:
        key = (model, on)
        if key not in self._sheets:
            self._sheets[key] = self._lookup(model, on)
        return self._sheets[key]

    def _lookup(self, model: str, on: date) -> PriceSheet | str:
        candidates = [model]
        bare = model.split("/", 1)[1] if model.startswith("openai/") else model
        candidates += [bare, SNAPSHOT_SUFFIX.sub("", bare)]
        problem = ""
        for candidate in dict.fromkeys(candidates):
            try:
                return price_sheet_for(candidate, on)
            except PriceTableError as exc:
                problem = problem or str(exc)
        return problem

    def price(self, call: TraceCall) -> PricedCall:
        on = call.priced_on or (call.at.date() if call.at else self.default_date)
        sheet = self._sheet(call.model, on)
        if isinstance(sheet, str):
            return self._unpriced(call.model, on, sheet)
        tier = sheet.service_tiers.get(call.service_tier)
        step = 1 if sheet.tier("standard").bills_cache_writes else CACHE_STEP
        if tier is None:
            return self._unpriced(
                sheet.model, on, f"{sheet.model} has no {call.service_tier} price on {on}.", step
            )
        return PricedCall(call_cost(call.usage, tier), sheet.model, on, step)

    def _unpriced(self, model: str, on: date, problem: str, step: int = CACHE_STEP) -> PricedCall:
        self.problems[problem] += 1
        return PricedCall(None, model, on, step, problem)

    def sheet_of(self, model: str) -> PriceSheet | None:
        """The latest sheet used for `model` (by the price table's id), if any call was priced with one."""
        found = [
            (on, sheet)
            for (_, on), sheet in self._sheets.items()
            if not isinstance(sheet, str) and sheet.model == model
        ]
        return max(found, key=lambda item: item[0])[1] if found else None
