"""What one model call used and cost.

The loop prices calls through a tiny protocol, not the app's pricing module, so this package stays
copyable: anything with `rates_for_input(input_tokens)` returning an object with `input`,
`cached_input`, `cache_write` and `output` (USD per million tokens, Decimal; the two cache prices may
be None) will do. The app's `pricing.sheet.TierPrices` already has that shape.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Protocol


class Rates(Protocol):
    # Read-only, so frozen dataclasses (the app's `TokenRates`) fit.
    @property
    def input(self) -> Decimal: ...
    @property
    def cached_input(self) -> Decimal | None: ...
    @property
    def cache_write(self) -> Decimal | None: ...
    @property
    def output(self) -> Decimal: ...


class Prices(Protocol):
    def rates_for_input(self, input_tokens: int) -> Rates: ...


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as the API reports them; `prompt_tokens` includes cached and written tokens,
    `completion_tokens` includes reasoning."""

    prompt_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0

    @classmethod
    def from_api(cls, usage: Any) -> Usage:
        """From the SDK's `CompletionUsage` (or None, when an endpoint reports nothing)."""
        if usage is None:
            return cls()
        prompt_details = getattr(usage, "prompt_tokens_details", None)
        completion_details = getattr(usage, "completion_tokens_details", None)
        return cls(
            prompt_tokens=usage.prompt_tokens or 0,
            cached_tokens=(prompt_details and prompt_details.cached_tokens) or 0,
            cache_write_tokens=(prompt_details and prompt_details.cache_write_tokens) or 0,
            completion_tokens=usage.completion_tokens or 0,
            reasoning_tokens=(completion_details and completion_details.reasoning_tokens) or 0,
        )


MILLION_EXP = -6
Count = int | Decimal  # the cost engine's counts are expected values, so they may be fractional


def tokens_cost(rates: Rates, *, uncached: Count, cached: Count, written: Count, output: Count) -> Decimal:
    """USD for token counts at one set of prices (per million tokens): the one price formula, used by
    the loop for each call and by the cost engine for each turn (cost is linear in the counts)."""
    # A model without a cached or cache-write price bills those tokens as ordinary input.
    cached_rate = rates.cached_input if rates.cached_input is not None else rates.input
    write_rate = rates.cache_write if rates.cache_write is not None else rates.input
    total = uncached * rates.input + cached * cached_rate + written * write_rate + output * rates.output
    return Decimal(total).scaleb(MILLION_EXP)


def call_cost(usage: Usage, prices: Prices) -> Decimal:
    """USD for one call: uncached, cached and written input, and output (reasoning included)."""
    rates = prices.rates_for_input(usage.prompt_tokens)
    uncached = usage.prompt_tokens - usage.cached_tokens - usage.cache_write_tokens
    return tokens_cost(
        rates,
        uncached=uncached,
        cached=usage.cached_tokens,
        written=usage.cache_write_tokens,
        output=usage.completion_tokens,
    ).normalize()


@dataclass(slots=True)
class ToolCallRecord:
    id: str
    name: str
    arguments: str
    result: str | None = None
    error: str | None = None


@dataclass(slots=True)
class CallRecord:
    """One model call of a conversation, with the tool calls it asked for and their results."""

    index: int  # 1-based within the conversation
    turn: int
    round: int  # 0 for the first call of a turn, n after n tool rounds
    model: str
    usage: Usage = field(default_factory=Usage)
    cost_usd: Decimal | None = None
    latency_ms: float = 0.0
    retries_taken: int | None = None
    request_id: str | None = None
    finish_reason: str | None = None
    reply: str | None = None
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict:
        body = asdict(self)
        body["cost_usd"] = None if self.cost_usd is None else format(self.cost_usd, "f")
        return body
