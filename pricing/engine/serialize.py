"""An estimate as the JSON API returns it (../shared/cost-model.md, "The JSON API").

Money, tokens and model calls are exact decimal strings (`decimal_str`), rounded only for display by
whoever shows them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pricing.engine.approaches import APPROACHES
from pricing.engine.population import Population
from pricing.engine.results import ApproachEstimate, Engineering, Estimate, TurnFigures, Verdict
from pricing.sheet import decimal_str, optional_decimal_str


def _turn(turn: TurnFigures) -> dict[str, Any]:
    return {
        "turn": turn.turn,
        "reach": decimal_str(turn.reach),
        "model_calls": turn.model_calls,
        "input": turn.input,
        "input_cached": decimal_str(turn.input_cached),
        "input_cache_write": decimal_str(turn.input_cache_write),
        "output": turn.output,
        "reasoning": turn.reasoning,
        "context_tokens": turn.context_tokens,
        "cost_usd": decimal_str(turn.cost_usd),
        "cumulative_usd": decimal_str(turn.cumulative_usd),
    }


def approach_dict(approach: ApproachEstimate) -> dict[str, Any]:
    tokens = approach.tokens
    return {
        "label": approach.label,
        "status": approach.status,
        "service_tier": approach.service_tier,
        "per_session_usd": decimal_str(approach.per_session_usd),
        "fixed_monthly_usd": decimal_str(approach.fixed_monthly_usd),
        "per_month_usd": decimal_str(approach.per_month_usd),
        "per_month_with_engineering_usd": decimal_str(approach.per_month_with_engineering_usd),
        "per_session_percentiles_usd": {
            key: decimal_str(value) for key, value in approach.per_session_percentiles_usd.items()
        },
        "model_calls": decimal_str(approach.model_calls),
        "tokens": {
            "input": decimal_str(tokens.input),
            "input_cached": decimal_str(tokens.input_cached),
            "input_cache_write": decimal_str(tokens.input_cache_write),
            "output": decimal_str(tokens.output),
            "reasoning": decimal_str(tokens.reasoning),
        },
        "breakdown": [
            {
                "category": line.category,
                "label": line.label,
                "per_session_usd": decimal_str(line.per_session_usd),
                "per_month_usd": decimal_str(line.per_month_usd),
            }
            for line in approach.breakdown
        ],
        "turns": [_turn(turn) for turn in approach.turns],
        "notes": list(approach.notes),
    }


def population_dict(population: Population) -> dict[str, Any]:
    return {
        "distribution": population.distribution,
        "mean_turns": decimal_str(population.mean_turns),
        "max_turns": population.max_turns,
        "turns_percentiles": dict(population.percentiles),
    }


def engineering_dict(engineering: Engineering) -> dict[str, Any]:
    return {
        "build_usd": decimal_str(engineering.build_usd),
        "maintenance_monthly_usd": decimal_str(engineering.maintenance_monthly_usd),
        "amortized_build_monthly_usd": decimal_str(engineering.amortized_build_monthly_usd),
        "break_even_months": {
            key: optional_decimal_str(value) for key, value in engineering.break_even_months.items()
        },
    }


def _optional_pct(value: Decimal | None) -> str | None:
    return optional_decimal_str(value)


def verdict_dict(verdict: Verdict) -> dict[str, Any]:
    return {
        "basis": verdict.basis,
        "live": list(verdict.live),
        "cheapest": list(verdict.cheapest),
        "comparisons": {
            key: {
                "more_usd": decimal_str(item.more_usd),
                "more_pct": _optional_pct(item.more_pct),
                "cheapest_saves_pct": _optional_pct(item.cheapest_saves_pct),
            }
            for key, item in verdict.comparisons.items()
        },
    }


def estimate_dict(result: Estimate) -> dict[str, Any]:
    return {
        "inputs": {**result.workload.to_dict(), "model": result.sheet.model},
        "prices": result.sheet.to_dict(),
        "population": population_dict(result.population),
        "approaches": {key: approach_dict(result.approaches[key]) for key in APPROACHES},
        "engineering": engineering_dict(result.engineering),
        "verdict": verdict_dict(result.verdict),
        "cheapest": result.cheapest(),
    }
