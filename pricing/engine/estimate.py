"""One workload priced three ways: the conversation, the population over its lengths, the fees, the
month, the engineering and the verdict (../shared/cost-model.md, in that order).

Turn costs do not depend on a conversation's length, so one simulation of the longest length prices
every length: the expected value of anything per turn is its sum over turns weighted by reach(t), the
share of conversations that get to turn t. Ways whose conversations follow the same rules (no hosted
tool, no truncation that differs) share one simulation.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Context, Decimal, localcontext
from operator import mul

from pricing.engine.approaches import APPROACHES, MANAGED, label
from pricing.engine.conversation import CallTrace, ConversationRules, simulate
from pricing.engine.fees import Clock, code_session_fee, fixed_monthly, search_fees
from pricing.engine.ledger import ZERO, TokenLedger
from pricing.engine.notes import approach_notes
from pricing.engine.population import Population, population_of
from pricing.engine.results import (
    BREAKDOWN_CATEGORIES,
    ApproachEstimate,
    BreakdownLine,
    Comparison,
    Engineering,
    Estimate,
    TokenTotals,
    TurnFigures,
    Verdict,
    reported,
)
from pricing.engine.rules import Shape, conversation_rules, tier_name
from pricing.sheet import PriceSheet
from pricing.workload import Workload

EXACT = Context(prec=60)
BREAK_EVEN_PLACES = Decimal("1e-6")  # break-even months are rounded up at 6 places
HUNDRED = Decimal(100)


class _ApproachParts:
    """One way's conversation and fees: the pieces its `ApproachEstimate` is made from."""

    def __init__(self, approach: str, w: Workload, sheet: PriceSheet, context: _Context):
        self.approach, self.w, self.sheet = approach, w, sheet
        self.population, self.shape, self.clock = context.population, context.shape, context.clock
        self.rules = conversation_rules(approach, w, sheet, self.shape, self.clock)
        self.ledger = context.ledger(self.rules, tier_name(approach, w))
        self.file_search_fee, self.web_search_fee = search_fees(approach, w, sheet)
        self.searches = context.expected_rounds

    def code_fee(self, turns: int) -> Decimal:
        """The code-execution fee of a conversation of `turns` turns (0 before its first code run)."""
        first = self.shape.first_code_turn
        if first is None or turns < first:
            return ZERO
        return code_session_fee(self.approach, turns, self.clock, self.w, self.sheet)

    def search_cost(self, index: int) -> Decimal:
        """The per-call search fees of turn `index + 1`."""
        per_turn = self.shape.per_turn
        cost = ZERO
        if self.file_search_fee and per_turn["file_search"][index]:
            cost += self.file_search_fee * per_turn["file_search"][index]
        if self.web_search_fee and per_turn["web_search"][index]:
            cost += self.web_search_fee * per_turn["web_search"][index]
        return cost

    def expected_code_fee(self) -> Decimal:
        first = self.shape.first_code_turn
        if first is None:
            return ZERO
        shares = self.population.shares
        return sum((shares[n - 1] * self.code_fee(n) for n in range(first, len(shares) + 1)), ZERO)

    def session(self) -> dict[str, Decimal]:
        """Per conversation, expected over the population: USD by breakdown category."""
        categories = dict.fromkeys((key for key, _ in BREAKDOWN_CATEGORIES), ZERO)
        categories.update(self.ledger.categories())
        searches = (
            self.file_search_fee * self.searches["file_search"]
            + self.web_search_fee * self.searches["web_search"]
        )
        code = self.expected_code_fee()
        if self.approach == "chat_completions":
            categories["tool_fees"], categories["your_infrastructure"] = searches, code
        else:
            categories["tool_fees"] = searches + code
        return {key: reported(value) for key, value in categories.items()}

    @property
    def has_fees(self) -> bool:
        """Does anything beside tokens depend on the turn (searches billed per call, a code session)?"""
        searches = self.searches
        return bool(
            (self.file_search_fee and searches["file_search"])
            or (self.web_search_fee and searches["web_search"])
            or self.shape.first_code_turn is not None
        )

    def turn_figures(self) -> tuple[TurnFigures, ...]:
        """t = 1 .. the 99th-percentile length: each turn's own cost, and cost(t). Ways that share a
        conversation and bill nothing per turn beside tokens share the figures too."""
        if self.has_fees:
            return self._turn_figures()
        if self.ledger.figures is None:
            self.ledger.figures = self._turn_figures()
        return self.ledger.figures

    def _turn_figures(self) -> tuple[TurnFigures, ...]:
        figures = []
        cumulative = ZERO
        reach = self.population.reported_reach
        for index, tokens in enumerate(self.ledger.turns(self.population.p99_turns)):
            cost = tokens.cost + self.search_cost(index)
            cumulative += cost
            figures.append(
                TurnFigures(
                    turn=index + 1,
                    reach=reach[index],
                    model_calls=tokens.calls,
                    input=tokens.input,
                    input_cached=tokens.cached,
                    input_cache_write=tokens.written,
                    output=tokens.output,
                    reasoning=tokens.reasoning,
                    context_tokens=tokens.context,
                    cost_usd=reported(cost),
                    cumulative_usd=reported(cumulative + self.code_fee(index + 1)),
                )
            )
        return tuple(figures)

    def tokens(self) -> TokenTotals:
        billed = self.ledger.expected
        reasoning = sum((part.reasoning for part in billed), ZERO)
        return TokenTotals(
            input=reported(sum((part.input for part in billed), ZERO)),
            input_cached=reported(sum((part.cached for part in billed), ZERO)),
            input_cache_write=reported(sum((part.written for part in billed), ZERO)),
            output=reported(sum((part.visible for part in billed), ZERO) + reasoning),
            reasoning=reported(reasoning),
        )


class _Context:
    """What the three ways share: the population, the tool rounds, the clock and the simulations."""

    def __init__(self, w: Workload, sheet: PriceSheet):
        self.w, self.sheet = w, sheet
        self.population: Population = population_of(w)
        self.shape = Shape(w, self.population.max_turns)
        self.clock = Clock(w, self.population)
        reach = self.population.reach
        self.expected_rounds = {
            kind: sum(map(mul, reach, counts), ZERO) if any(counts) else ZERO
            for kind, counts in self.shape.per_turn.items()
        }
        self._ledgers: dict[tuple[ConversationRules, str], TokenLedger] = {}

    def ledger(self, rules: ConversationRules, tier: str) -> TokenLedger:
        key = (rules, tier)
        if key not in self._ledgers:
            self._ledgers[key] = TokenLedger(
                rules, self.sheet.tier(tier), self.w.cache_hit_rate, self.population
            )
        return self._ledgers[key]


def _approach_estimate(parts: _ApproachParts, engineering_monthly: Decimal) -> ApproachEstimate:
    w = parts.w
    session = parts.session()
    storage, infrastructure = fixed_monthly(parts.approach, w, parts.sheet)
    monthly_fixed = {"storage": storage, "your_infrastructure": infrastructure}
    breakdown = tuple(
        BreakdownLine(
            key, title, session[key], session[key] * w.sessions_per_month + monthly_fixed.get(key, ZERO)
        )
        for key, title in BREAKDOWN_CATEGORIES
    )
    per_session = sum(session.values(), ZERO)
    fixed = storage + infrastructure
    per_month = w.sessions_per_month * per_session + fixed
    turns = parts.turn_figures()
    return ApproachEstimate(
        approach=parts.approach,
        label=label(parts.approach),
        status=parts.sheet.surface_status(parts.approach),
        service_tier=tier_name(parts.approach, w),
        per_session_usd=per_session,
        fixed_monthly_usd=fixed,
        per_month_usd=per_month,
        per_month_with_engineering_usd=per_month + engineering_monthly,
        per_session_percentiles_usd={
            key: turns[n - 1].cumulative_usd for key, n in parts.population.percentiles.items()
        },
        model_calls=reported(parts.ledger.expected_calls),
        tokens=parts.tokens(),
        breakdown=breakdown,
        turns=turns,
        notes=tuple(
            approach_notes(
                parts.approach,
                w,
                parts.sheet,
                parts.population,
                parts.ledger.usage,
                parts.rules,
            )
        ),
        usage=parts.ledger.usage,
    )


def _engineering(w: Workload) -> Engineering:
    build = w.build_hours * w.engineer_usd_per_hour
    return Engineering(
        build_usd=build,
        maintenance_monthly_usd=w.maintenance_hours_per_month * w.engineer_usd_per_hour,
        amortized_build_monthly_usd=reported(build / w.amortization_months),
        break_even_months={},
    )


def _break_even(
    engineering: Engineering, approaches: dict[str, ApproachEstimate]
) -> dict[str, Decimal | None]:
    """Months until building your own loop has paid for itself against each managed way, or None."""
    own = approaches["chat_completions"].per_month_usd
    months: dict[str, Decimal | None] = {}
    for key in MANAGED:
        saving = approaches[key].per_month_usd - own - engineering.maintenance_monthly_usd
        months[key] = None
        if saving > 0:
            months[key] = (engineering.build_usd / saving).quantize(BREAK_EVEN_PLACES, ROUND_CEILING)
    return months


def _verdict(approaches: dict[str, ApproachEstimate]) -> Verdict:
    live = tuple(key for key in APPROACHES if approaches[key].is_live) or APPROACHES
    low = min(approaches[key].per_month_with_engineering_usd for key in live)
    comparisons = {}
    for key in APPROACHES:
        figure = approaches[key].per_month_with_engineering_usd
        more = figure - low
        comparisons[key] = Comparison(
            approach=key,
            more_usd=more,
            more_pct=None if low == 0 else reported(more / low * HUNDRED),
            cheapest_saves_pct=None if figure == 0 else reported(more / figure * HUNDRED),
        )
    cheapest = tuple(key for key in live if approaches[key].per_month_with_engineering_usd == low)
    return Verdict(live=live, cheapest=cheapest, comparisons=comparisons)


def estimate(sheet: PriceSheet, workload: Workload) -> Estimate:
    """Price one workload on one price sheet, the three ways side by side."""
    if workload.service_tier not in sheet.service_tiers:
        raise KeyError(f"{sheet.model} has no {workload.service_tier!r} service tier")
    with localcontext(EXACT):
        context = _Context(workload, sheet)
        engineering = _engineering(workload)
        own_loop = engineering.maintenance_monthly_usd + engineering.amortized_build_monthly_usd
        approaches = {
            key: _approach_estimate(
                _ApproachParts(key, workload, sheet, context), ZERO if key in MANAGED else own_loop
            )
            for key in APPROACHES
        }
        engineering.break_even_months.update(_break_even(engineering, approaches))
        return Estimate(
            workload=workload,
            sheet=sheet,
            population=context.population,
            approaches=approaches,
            engineering=engineering,
            verdict=_verdict(approaches),
        )


def trace_calls(sheet: PriceSheet, workload: Workload, approach: str) -> list[CallTrace]:
    """Every model call of the longest conversation in one way, in order (slower than `estimate`)."""
    with localcontext(EXACT):
        context = _Context(workload, sheet)
        rules = conversation_rules(approach, workload, sheet, context.shape, context.clock)
        trace: list[CallTrace] = []
        simulate(rules, context.population.max_turns, trace)
        return trace


def planned_model_calls(workload: Workload) -> int:
    """How many model calls `estimate` simulates at most, known before it runs: the compute it costs."""
    population = population_of(workload)
    shape = Shape(workload, population.max_turns)
    per_approach = population.max_turns + sum(sum(counts) for counts in shape.per_turn.values())
    return per_approach * len(APPROACHES)
