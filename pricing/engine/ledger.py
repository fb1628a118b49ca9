"""The token side of an estimate: one conversation's calls, billed at a tier's prices.

Cost is linear in the counts, so the expected cost of a conversation is the cost of its expected counts:
each column (input, cacheable, ... per turn) summed with the weight reach(t), the share of conversations
that get to turn t. Every price goes through `agentloop.usage.tokens_cost`, the formula the reference
loop bills its own calls with.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from operator import mul

from agentloop.usage import tokens_cost
from pricing.engine.conversation import ConversationRules, ConversationUsage, PriceClassColumns, simulate
from pricing.engine.population import Population
from pricing.engine.results import TurnFigures
from pricing.sheet import TierPrices, TokenRates

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class BilledTokens:
    """Tokens at one price class as billed: `cached` is what the cache serves at the hit rate, `written`
    what the prompts add to it, `uncached` the rest of the input."""

    rates: TokenRates
    input: Decimal
    cached: Decimal
    written: Decimal
    visible: Decimal
    reasoning: Decimal

    @property
    def uncached(self) -> Decimal:
        return self.input - self.cached - self.written

    def cost(self) -> Decimal:
        return tokens_cost(
            self.rates,
            uncached=self.uncached,
            cached=self.cached,
            written=self.written,
            output=self.visible + self.reasoning,
        )

    def categories(self) -> dict[str, Decimal]:
        """USD by breakdown category: each through the one price formula, the other counts zero."""

        def only(
            uncached: Decimal = ZERO, cached: Decimal = ZERO, written: Decimal = ZERO, output: Decimal = ZERO
        ) -> Decimal:
            return tokens_cost(self.rates, uncached=uncached, cached=cached, written=written, output=output)

        return {
            "uncached_input": only(uncached=self.uncached),
            "cached_input": only(cached=self.cached),
            "cache_write": only(written=self.written),
            "output": only(output=self.visible),
            "reasoning": only(output=self.reasoning),
        }


@dataclass(frozen=True, slots=True)
class TurnTokens:
    """One turn of one conversation: its calls' tokens and what they cost."""

    calls: int
    input: int
    cached: Decimal
    written: Decimal
    output: int  # visible + reasoning
    reasoning: int
    context: int  # input of the turn's final call
    cost: Decimal


def _weighted(reach: tuple[Decimal, ...], column: list[int]) -> Decimal:
    return sum(map(mul, reach, column), ZERO) if any(column) else ZERO


class TokenLedger:
    """One conversation (its rules) at one tier and cache hit rate, over the population."""

    def __init__(self, rules: ConversationRules, tier: TierPrices, hit_rate: Decimal, population: Population):
        self.usage: ConversationUsage = simulate(rules, population.max_turns)
        self.hit_rate = hit_rate if rules.caching else ZERO
        self.writes = rules.writes_cache
        self.classes: list[tuple[PriceClassColumns, TokenRates]] = [(self.usage.standard, tier.rates)]
        if tier.long_context is not None and self.usage.long_context.used():
            self.classes.append((self.usage.long_context, tier.long_context))
        reach = population.reach
        self._turns: list[TurnTokens] = []
        # The per-turn figures of a way that bills nothing per turn beside tokens (`estimate._ApproachParts`).
        self.figures: tuple[TurnFigures, ...] | None = None
        self.expected_calls = sum((_weighted(reach, columns.calls) for columns, _ in self.classes), ZERO)
        self.expected = [
            self._billed(
                rates,
                *(
                    _weighted(reach, column)
                    for column in (
                        columns.input,
                        columns.cacheable,
                        columns.writable,
                        columns.visible,
                        columns.reasoning,
                    )
                ),
            )
            for columns, rates in self.classes
        ]

    def _billed(
        self,
        rates: TokenRates,
        input: Decimal,
        cacheable: Decimal,
        writable: Decimal,
        visible: Decimal,
        reasoning: Decimal,
    ) -> BilledTokens:
        cached = self.hit_rate * cacheable if cacheable else ZERO
        written = writable - cached if self.writes else ZERO
        return BilledTokens(rates, input, cached, written, visible, reasoning)

    def categories(self) -> dict[str, Decimal]:
        """Per conversation, expected: USD by token category."""
        totals = dict.fromkeys(("uncached_input", "cached_input", "cache_write", "output", "reasoning"), ZERO)
        for billed in self.expected:
            for key, usd in billed.categories().items():
                totals[key] += usd
        return totals

    def turns(self, count: int) -> list[TurnTokens]:
        """Turns 1 .. `count` of one conversation: each turn's tokens and their cost."""
        if len(self._turns) < count:
            self._turns = [self._turn(index) for index in range(count)]
        return self._turns[:count]

    def _turn(self, index: int) -> TurnTokens:
        billed = [
            self._billed(
                rates,
                Decimal(columns.input[index]),
                Decimal(columns.cacheable[index]),
                Decimal(columns.writable[index]),
                Decimal(columns.visible[index]),
                Decimal(columns.reasoning[index]),
            )
            for columns, rates in self.classes
        ]
        usage = self.usage
        reasoning = usage.standard.reasoning[index] + usage.long_context.reasoning[index]
        return TurnTokens(
            calls=usage.turn_calls(index),
            input=usage.standard.input[index] + usage.long_context.input[index],
            cached=sum((part.cached for part in billed), ZERO),
            written=sum((part.written for part in billed), ZERO),
            output=usage.standard.visible[index] + usage.long_context.visible[index] + reasoning,
            reasoning=reasoning,
            context=usage.context_tokens[index],
            cost=sum((part.cost() for part in billed), ZERO),
        )
