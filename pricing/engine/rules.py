"""How each way runs the workload: the tool rounds of every turn and the rules of its conversation."""

from __future__ import annotations

from pricing.engine.conversation import ConversationRules, ToolRounds
from pricing.engine.fees import Clock
from pricing.engine.spread import calls_per_turn
from pricing.sheet import PriceSheet
from pricing.workload import Workload

KINDS = ("file_search", "web_search", "function", "code")  # the order of a turn's tool rounds
CACHE_STEP = 128


class Shape:
    """The tool rounds on each turn of the longest conversation: the same for the three ways."""

    def __init__(self, w: Workload, turns: int):
        rates = (
            w.file_search_calls_per_turn,
            w.web_search_calls_per_turn,
            w.function_calls_per_turn,
            w.code_interpreter_calls_per_turn,
        )
        self.per_turn = {
            kind: tuple(calls_per_turn(rate, turns)) for kind, rate in zip(KINDS, rates, strict=True)
        }
        self.first_code_turn = next((t for t, n in enumerate(self.per_turn["code"], start=1) if n), None)

    def uses(self, kind: str) -> bool:
        return any(self.per_turn[kind])


def tier_name(approach: str, w: Workload) -> str:
    # The Assistants API had only the standard tier.
    return "standard" if approach == "assistants" else w.service_tier


def _retention(approach: str, kind: str, w: Workload) -> tuple[bool, bool]:
    """(the call kept, the result kept) in the history once the turn is over."""
    if approach == "assistants":
        keep = w.assistants_keep_tool_results_in_history
        return keep, keep
    if approach == "responses":
        # Tool calls and function results are carried; hosted tools' output is not.
        return True, kind == "function"
    keep = w.keep_tool_results_in_history
    return keep, keep


def _tool_rounds(approach: str, w: Workload, shape: Shape) -> tuple[ToolRounds, ...]:
    if approach == "chat_completions":
        file_result = w.rag_results * w.rag_chunk_tokens
    else:
        file_result = w.file_search_results * w.file_search_chunk_tokens
    results = {
        "file_search": file_result,
        "web_search": w.web_search_result_tokens,
        "function": w.tool_result_tokens,
        "code": w.code_interpreter_output_tokens,
    }
    rounds = []
    for kind in KINDS:
        if shape.uses(kind):
            rounds.append(
                ToolRounds(kind, shape.per_turn[kind], results[kind], *_retention(approach, kind, w))
            )
        else:
            # A kind the workload never uses reads the same in every way, so equal conversations are
            # recognised as equal and simulated once.
            rounds.append(ToolRounds(kind, shape.per_turn[kind], 0, True, True))
    return tuple(rounds)


def conversation_rules(
    approach: str, w: Workload, sheet: PriceSheet, shape: Shape, clock: Clock
) -> ConversationRules:
    tier = sheet.tier(tier_name(approach, w))
    system_and_tools = w.system_prompt_tokens + w.tool_schema_tokens
    own_budget = approach == "chat_completions" and w.history_limit_tokens is not None
    if w.history_limit_tokens is not None and own_budget:
        budget = w.history_limit_tokens
    else:
        budget = sheet.input_limit - system_and_tools
    caching = w.prompt_caching and tier.rates.cached_input is not None
    uses_last_messages = approach == "assistants" and w.assistants_truncation == "last_messages"
    return ConversationRules(
        system_and_tools=system_and_tools,
        user=w.user_message_tokens,
        reply=w.assistant_reply_tokens,
        tool_call=w.tool_call_tokens,
        reasoning=w.reasoning_tokens_per_call,
        carries_reasoning=approach == "responses" and w.reasoning_tokens_per_call > 0,
        rounds=_tool_rounds(approach, w, shape),
        history_budget=budget,
        input_limit=sheet.input_limit,
        has_own_budget=own_budget,
        last_messages=w.assistants_last_messages if uses_last_messages else None,
        caching=caching,
        cache_step=1 if tier.bills_cache_writes else CACHE_STEP,
        writes_cache=caching and tier.rates.cache_write is not None,
        warm_prefix=w.warm_prefix_across_sessions,
        cache_expires_between_turns=caching and clock.top > sheet.cache_ttl_minutes * clock.bottom,
        long_context_threshold=None if tier.long_context is None else tier.long_context.threshold_tokens,
    )
