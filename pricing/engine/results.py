"""What an estimate holds: plain frozen dataclasses, money and expected counts as Decimal.

Expected values over the population are computed to 60 significant digits and reported to 30
(`reported()`): exact figures (a fixed length with every cache hit found) keep every digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

from pricing.engine.conversation import ConversationUsage
from pricing.engine.population import Population
from pricing.sheet import PriceSheet
from pricing.workload import Workload

REPORTED = Context(prec=30)

BREAKDOWN_CATEGORIES = (
    ("uncached_input", "Uncached input"),
    ("cached_input", "Cached input"),
    ("cache_write", "Cache writes"),
    ("output", "Output"),
    ("reasoning", "Reasoning"),
    ("tool_fees", "Tool and search fees"),
    ("storage", "Storage"),
    ("your_infrastructure", "Your infrastructure"),
)


def reported(value: Decimal) -> Decimal:
    """A figure as the estimate reports it: 30 significant digits at most."""
    return REPORTED.plus(value)


@dataclass(frozen=True, slots=True)
class TokenTotals:
    """Tokens of one conversation, expected over the population; `input` includes cached and written,
    `output` includes reasoning."""

    input: Decimal
    input_cached: Decimal
    input_cache_write: Decimal
    output: Decimal
    reasoning: Decimal


@dataclass(frozen=True, slots=True)
class BreakdownLine:
    category: str
    label: str
    per_session_usd: Decimal
    per_month_usd: Decimal


@dataclass(frozen=True, slots=True)
class TurnFigures:
    """Turn t of a conversation: what it used, and what a conversation of t turns costs."""

    turn: int
    reach: Decimal  # the share of conversations that get to this turn
    model_calls: int
    input: int
    input_cached: Decimal
    input_cache_write: Decimal
    output: int
    reasoning: int
    context_tokens: int
    cost_usd: Decimal  # this turn's tokens and per-call fees
    cumulative_usd: Decimal  # cost(t): the first t turns plus the fees of a t-turn conversation


@dataclass(frozen=True, slots=True)
class ApproachEstimate:
    approach: str
    label: str
    status: str  # "live", "deprecated" or "shut down" on the sheet's date
    service_tier: str
    per_session_usd: Decimal
    fixed_monthly_usd: Decimal
    per_month_usd: Decimal
    per_month_with_engineering_usd: Decimal
    per_session_percentiles_usd: dict[str, Decimal]
    model_calls: Decimal
    tokens: TokenTotals
    breakdown: tuple[BreakdownLine, ...]
    turns: tuple[TurnFigures, ...]  # t = 1 .. the 99th-percentile length
    notes: tuple[str, ...]
    usage: ConversationUsage = field(repr=False, compare=False)

    @property
    def is_live(self) -> bool:
        return self.status != "shut down"


@dataclass(frozen=True, slots=True)
class Engineering:
    build_usd: Decimal
    maintenance_monthly_usd: Decimal
    amortized_build_monthly_usd: Decimal
    break_even_months: dict[str, Decimal | None]


@dataclass(frozen=True, slots=True)
class Comparison:
    """One way against the cheapest live way, on the monthly cost with engineering."""

    approach: str
    more_usd: Decimal  # a month, than the cheapest (0 for the cheapest)
    more_pct: Decimal | None  # relative to the cheapest; None when the cheapest costs nothing
    cheapest_saves_pct: Decimal | None  # the cheapest's saving relative to this way (never above 100)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Which live way costs least a month, engineering included; shut-down ways are only a baseline."""

    live: tuple[str, ...]
    cheapest: tuple[str, ...]  # every live way at the lowest figure: a tie is a tie
    comparisons: dict[str, Comparison]
    basis: str = "per_month_with_engineering_usd"

    @property
    def all_tied(self) -> bool:
        return len(self.cheapest) == len(self.live) > 1


@dataclass(frozen=True, slots=True)
class Estimate:
    workload: Workload
    sheet: PriceSheet
    population: Population
    approaches: dict[str, ApproachEstimate]
    engineering: Engineering
    verdict: Verdict

    def cheapest(self) -> str:
        """The first of the cheapest live ways, in the registry's order."""
        return self.verdict.cheapest[0]

    def to_dict(self) -> dict[str, Any]:
        """The JSON the API returns (`pricing.engine.serialize`)."""
        from pricing.engine.serialize import estimate_dict

        return estimate_dict(self)
