"""How long conversations are: the share P(n) of conversations with n turns, and what follows from it.

- `fixed`: every conversation has T = `turns_per_session` turns.
- `geometric` with mean T: p = 1/T, N = min(1000, 20*T); P(n) = p*(1-p)^(n-1) for n < N and the tail folded
  into P(N) = (1-p)^(N-1). T = 1 is a fixed single turn.
- `histogram`: P(n) = weight(n) / sum of weights.

Shares are computed to 60 significant digits (the cost model asks for at least 30). The percentiles and
the minutes of a conversation are exact: they come from integer arithmetic, so a length that sits exactly
on the 90 % line, or a conversation of exactly 60 minutes, is never pushed over by rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from functools import lru_cache

from pricing.workload import Workload

PRECISION = Context(prec=60)
REPORTED = Context(prec=30)
MAX_TURNS = 1000
GEOMETRIC_SPAN = 20  # the longest geometric length is 20 times the mean
PERCENTILES = (("p50", 50), ("p90", 90), ("p99", 99))


@dataclass(frozen=True, slots=True)
class Population:
    distribution: str
    shares: tuple[Decimal, ...]  # P(n) for n = 1 .. max_turns, at index n - 1
    reach: tuple[Decimal, ...]  # the share of conversations that get to turn t: sum of P(n) for n >= t
    mean_turns: Decimal
    percentiles: dict[str, int]  # the length at each quantile: the smallest n with P(L <= n) >= q
    # mean_turns as an exact fraction (numerator / denominator): minutes are n * session_minutes / mean.
    mean_numerator: int
    mean_denominator: int

    @property
    def reported_reach(self) -> tuple[Decimal, ...]:
        """reach(t) for t = 1 .. the 99th percentile, as the estimate reports it (30 digits)."""
        return tuple(REPORTED.plus(share) for share in self.reach[: self.p99_turns])

    @property
    def max_turns(self) -> int:
        return len(self.shares)

    @property
    def p99_turns(self) -> int:
        return self.percentiles["p99"]


# A fixed or geometric population is a pure function of one integer, and the longest cost more than the
# budget check that needs them (1,000-turn geometric: 2 ms of big-integer arithmetic): computed once each.
# (A histogram is priced from its own pairs every time: cheap, and its weights keep their exponents.)
POPULATIONS_KEPT = 256


def population_of(w: Workload) -> Population:
    """The conversations of a workload: `w.turns_distribution` over `w.turns_per_session` or the histogram."""
    with localcontext(PRECISION):
        if w.turns_distribution == "histogram":
            assert w.turns_histogram is not None
            return _histogram(w.turns_histogram)
        assert w.turns_per_session is not None
        if w.turns_distribution == "geometric" and w.turns_per_session > 1:
            return _geometric(w.turns_per_session)
        return _fixed(w.turns_per_session)


@lru_cache(maxsize=POPULATIONS_KEPT)
def _fixed(turns: int) -> Population:
    shares = (Decimal(0),) * (turns - 1) + (Decimal(1),)
    return Population(
        distribution="fixed",
        shares=shares,
        reach=(Decimal(1),) * turns,
        mean_turns=Decimal(turns),
        percentiles={key: turns for key, _ in PERCENTILES},
        mean_numerator=turns,
        mean_denominator=1,
    )


@lru_cache(maxsize=POPULATIONS_KEPT)
def _geometric(mean: int) -> Population:
    longest = min(MAX_TURNS, GEOMETRIC_SPAN * mean)
    p = Decimal(1) / mean
    q = 1 - p
    reach = [Decimal(1)]  # reach(t) = q^(t-1): every conversation longer than t-1 turns
    for _ in range(longest - 1):
        reach.append(reach[-1] * q)
    shares = [reach[n] * p for n in range(longest - 1)] + [reach[-1]]
    # The exact mean: sum of n*P(n) = T * (1 - q^N) = (T^N - (T-1)^N) / T^(N-1).
    numerator = mean**longest - (mean - 1) ** longest
    denominator = mean ** (longest - 1)
    return Population(
        distribution="geometric",
        shares=tuple(shares),
        reach=tuple(reach),
        mean_turns=Decimal(numerator) / Decimal(denominator),
        percentiles={key: _geometric_quantile(mean, longest, level) for key, level in PERCENTILES},
        mean_numerator=numerator,
        mean_denominator=denominator,
    )


def _geometric_quantile(mean: int, longest: int, level: int) -> int:
    """The smallest n with 1 - q^n >= level/100, i.e. 100*(T-1)^n <= (100-level)*T^n, exactly."""

    def reached(n: int) -> bool:
        return n >= longest or 100 * (mean - 1) ** n <= (100 - level) * mean**n

    # A float first guess, then exact steps to the smallest length that qualifies.
    n = max(1, min(longest, math.ceil(math.log(1 - level / 100) / math.log(1 - 1 / mean))))
    while n > 1 and reached(n - 1):
        n -= 1
    while not reached(n):
        n += 1
    return n


def _histogram(pairs: tuple[tuple[int, Decimal], ...]) -> Population:
    longest = max(turns for turns, _ in pairs)
    weights = [Decimal(0)] * longest
    for turns, weight in pairs:
        weights[turns - 1] = weight
    total = sum(weights, Decimal(0))
    shares = tuple(weight / total for weight in weights)
    tails = []  # the weight of conversations with at least t turns, exactly
    running = Decimal(0)
    for weight in reversed(weights):
        running += weight
        tails.append(running)
    reach = tuple(tail / total for tail in reversed(tails))
    weighted_turns = sum((n * weight for n, weight in enumerate(weights, start=1)), Decimal(0))
    numerator, denominator = _fraction(weighted_turns, total)
    return Population(
        distribution="histogram",
        shares=shares,
        reach=reach,
        mean_turns=weighted_turns / total,
        percentiles={key: _histogram_quantile(weights, total, level) for key, level in PERCENTILES},
        mean_numerator=numerator,
        mean_denominator=denominator,
    )


def _histogram_quantile(weights: list[Decimal], total: Decimal, level: int) -> int:
    needed = total * level / 100  # exact: the weights are finite decimals
    running = Decimal(0)
    for n, weight in enumerate(weights, start=1):
        running += weight
        if running >= needed:
            return n
    return len(weights)


def _fraction(numerator: Decimal, denominator: Decimal) -> tuple[int, int]:
    top, bottom = numerator.as_integer_ratio()
    over, under = denominator.as_integer_ratio()
    return top * under, bottom * over
