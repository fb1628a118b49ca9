"""One pass over imported calls: place each in its conversation, price it, and fit the workload.

`traffic_digest` is the whole import minus storage: the caller's `on_call` sees every call with its
placement and price (to store it), and the digest returns the totals and the fitted workload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pricing.sheet import DEFAULT_CACHE_TTL_MINUTES
from runs.traces.conversations import ConversationBook, ConversationTally, Placement
from runs.traces.fitted import FittedWorkload, workload_fitted
from runs.traces.fitting import WorkloadFit
from runs.traces.prices import CallPricer, PricedCall
from runs.traces.records import TraceCall, TraceFormatError

CallSink = Callable[[TraceCall, Placement, PricedCall], None]


@dataclass
class TrafficDigest:
    calls: int = 0
    actual_cost_usd: Decimal = Decimal(0)
    recorded_cost_usd: Decimal | None = None
    recorded_calls: int = 0
    unpriced_calls: int = 0
    price_as_of: date | None = None
    tallies: list[ConversationTally] = field(default_factory=list)
    fitted: FittedWorkload = field(default_factory=FittedWorkload)
    problems: dict[str, int] = field(default_factory=dict)

    @property
    def conversations(self) -> int:
        return len(self.tallies)

    @property
    def recorded_difference_usd(self) -> Decimal | None:
        """Our price less the trace's own, over the calls the trace priced."""
        return None if self.recorded_cost_usd is None else self.actual_cost_usd - self.recorded_cost_usd


def traffic_digest(
    calls: Iterable[TraceCall],
    *,
    on_call: CallSink | None = None,
    default_date: date,
    history_budget: int | None = None,
) -> TrafficDigest:
    book = ConversationBook()
    pricer = CallPricer(default_date)
    fit = WorkloadFit()
    digest = TrafficDigest()
    for call in calls:
        placement = book.place(call)
        priced = pricer.price(call)
        fit.observe(call, placement, priced)
        book.close(placement, call, priced.cost_usd)
        digest.calls += 1
        if priced.cost_usd is None:
            digest.unpriced_calls += 1
        else:
            digest.actual_cost_usd += priced.cost_usd
            digest.price_as_of = max(digest.price_as_of or priced.priced_on, priced.priced_on)
        if call.recorded_cost_usd is not None:
            digest.recorded_cost_usd = (digest.recorded_cost_usd or Decimal(0)) + call.recorded_cost_usd
            digest.recorded_calls += 1
        if on_call is not None:
            on_call(call, placement, priced)
    if digest.calls == 0:
        raise TraceFormatError("the file has no model calls to import")
    digest.tallies = book.tallies()
    digest.problems = dict(pricer.problems)
    model = fit.models.most_common(1)[0][0]
    sheet = pricer.sheet_of(model)
    ttl = sheet.cache_ttl_minutes if sheet is not None else DEFAULT_CACHE_TTL_MINUTES
    digest.fitted = workload_fitted(fit, digest.tallies, cache_ttl_minutes=ttl, history_budget=history_budget)
    return digest
