"""The sentences an estimate carries beside its numbers: lifecycles, assumptions and limits hit.

Presentation only: nothing here changes a figure.
"""

from __future__ import annotations

from decimal import Decimal

from pricing.engine.approaches import label
from pricing.engine.conversation import ConversationRules, ConversationUsage, Overrun
from pricing.engine.population import Population
from pricing.sheet import PriceSheet
from pricing.workload import Workload


def _share(population: Population, turn: int) -> str:
    percent = population.reach[turn - 1] * 100
    if percent >= 100:
        return "every conversation"
    if percent < Decimal("0.1"):
        return "fewer than 1 in 1,000 conversations"  # not 4.5e-08 %: a reader wants the order of it
    return f"{percent:.1f} % of conversations"


def _where(overrun: Overrun, usage: ConversationUsage, population: Population) -> str:
    return (
        f"{overrun.calls:,} of the {usage.calls:,} calls of a {population.max_turns:,}-turn conversation, "
        f"from turn {overrun.first_turn:,} (reached by {_share(population, overrun.first_turn)})"
    )


def _surface_notes(approach: str, sheet: PriceSheet) -> list[str]:
    surface = sheet.surface(approach)
    if surface.shutdown_date is None:
        return []
    day = surface.shutdown_date.isoformat()
    successor = f"; its successor is the {label(surface.successor)}" if surface.successor else ""
    if surface.shutdown_date <= sheet.as_of:
        return [
            f"OpenAI shut the {label(approach)} down on {day}: shown as a historical / migration baseline."
        ]
    return [f"OpenAI shuts the {label(approach)} down on {day}{successor}."]


def _uses(rate: Decimal) -> bool:
    return rate > 0


def _tool_notes(approach: str, w: Workload) -> list[str]:
    notes = []
    hosted = (w.file_search_calls_per_turn, w.web_search_calls_per_turn, w.code_interpreter_calls_per_turn)
    any_tool = any(_uses(rate) for rate in (*hosted, w.function_calls_per_turn))
    if approach == "assistants":
        if w.service_tier != "standard":
            notes.append("The Assistants API had no flex or fast tier: priced at standard.")
        if w.assistants_keep_tool_results_in_history and any_tool:
            notes.append(
                "Assumes later runs still see earlier tool calls and outputs (never documented by OpenAI; "
                "community reports say they do)."
            )
    if approach == "responses":
        if any(_uses(rate) for rate in hosted):
            notes.append(
                "Hosted file-search chunks, web-search content and code output are not carried into "
                "later turns."
            )
        if w.reasoning_tokens_per_call and any_tool:
            notes.append(
                "Reasoning items go back to the model with the turn's tool results and are dropped when "
                "the turn ends."
            )
    if approach == "chat_completions" and _uses(w.file_search_calls_per_turn):
        notes.append(
            f"Your own retrieval injects {w.rag_results} chunks of {w.rag_chunk_tokens} tokens per search; "
            "its hosting is the retrieval infrastructure figure."
        )
    if approach != "responses" and _uses(w.web_search_calls_per_turn):
        notes.append(
            f"Web searches call your own search API at ${w.search_api_usd_per_kcalls} per 1,000 searches."
        )
    return notes


def _model_notes(sheet: PriceSheet) -> list[str]:
    if sheet.model_shutdown_date is None:
        return []
    successor = f" (successor: {sheet.model_successor})" if sheet.model_successor else ""
    day = sheet.model_shutdown_date.isoformat()
    if sheet.model_shutdown_date <= sheet.as_of:
        return [f"{sheet.model} was shut down on {day}{successor}."]
    return [f"{sheet.model} is scheduled to shut down on {day}{successor}."]


def _limit_notes(
    w: Workload, sheet: PriceSheet, population: Population, usage: ConversationUsage, rules: ConversationRules
) -> list[str]:
    notes = []
    if usage.over_input_limit.calls:
        notes.append(
            f"Context overflow: {_where(usage.over_input_limit, usage, population)} exceed the model's "
            f"{sheet.input_limit:,}-token input limit; the API would reject them, priced here as if accepted."
        )
    if rules.has_own_budget and usage.over_budget.calls:
        notes.append(
            f"Your {w.history_limit_tokens:,}-token history budget cannot hold the current turn on "
            f"{_where(usage.over_budget, usage, population)}."
        )
    if usage.truncated.calls:
        notes.append(
            f"Truncation leaves earlier turns out of {_where(usage.truncated, usage, population)}; a turn "
            "left out comes back for a later call with room for it."
        )
    if rules.caching and rules.cache_expires_between_turns:
        notes.append(
            f"Turns are {w.session_minutes / population.mean_turns:.3g} minutes apart, longer than the "
            f"{sheet.cache_ttl_minutes:,} minutes {sheet.model} keeps an idle cached prefix: the first call "
            "of every later turn finds only the instructions and tools cached."
        )
    return notes


def approach_notes(
    approach: str,
    w: Workload,
    sheet: PriceSheet,
    population: Population,
    usage: ConversationUsage,
    rules: ConversationRules,
) -> list[str]:
    return [
        *_surface_notes(approach, sheet),
        *_tool_notes(approach, w),
        *_model_notes(sheet),
        *_limit_notes(w, sheet, population, usage, rules),
    ]
