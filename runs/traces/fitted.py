"""From what `WorkloadFit` saw to the estimator's inputs, each with the sentence that derives it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from pricing.sheet import decimal_str
from runs.traces.conversations import ConversationTally
from runs.traces.fitting import (
    DAYS_PER_MONTH,
    MAX_HISTOGRAM_PAIRS,
    MAX_RATE,
    MAX_TURNS,
    RATE_PLACES,
    Derivation,
    Mean,
    WorkloadFit,
    cacheable,
)

HOSTED_INPUTS = {
    "web_search": ("web_search_calls_per_turn", "web_search_result_tokens"),
    "file_search": ("file_search_calls_per_turn", "file_search_chunk_tokens"),
    "code_interpreter": ("code_interpreter_calls_per_turn", "code_interpreter_output_tokens"),
}


@dataclass
class FittedWorkload:
    inputs: dict = field(default_factory=dict)
    derivations: list[Derivation] = field(default_factory=list)
    traffic_approach: str = "chat_completions"
    notes: list[str] = field(default_factory=list)

    def set(self, name: str, value: object, how: str) -> None:
        self.inputs[name] = value
        self.derivations.append(Derivation(name, value, how))

    def keep_default(self, name: str, why: str) -> None:
        self.derivations.append(Derivation(name, None, f"default kept: {why}"))


def turns_histogram(lengths: Counter) -> tuple[list[list[int]], str]:
    """[[turns, conversations], …] by length; over 100 lengths, neighbours merge at their mean."""
    clamped: Counter = Counter()
    for turns, count in lengths.items():
        clamped[min(turns, MAX_TURNS)] += count
    pairs = sorted(clamped.items())
    note = " (lengths over 1,000 turns counted as 1,000)" if max(lengths) > MAX_TURNS else ""
    if len(pairs) <= MAX_HISTOGRAM_PAIRS:
        return [[turns, count] for turns, count in pairs], note
    size = -(-len(pairs) // MAX_HISTOGRAM_PAIRS)
    merged = []
    for start in range(0, len(pairs), size):
        group = pairs[start : start + size]
        weight = sum(count for _, count in group)
        mean = Decimal(sum(turns * count for turns, count in group)) / weight
        merged.append([int(mean.quantize(Decimal(1), ROUND_HALF_UP)), weight])
    return merged, f"{note} ({len(pairs)} lengths merged into {len(merged)} groups of neighbours)"


def _rate(count: int, turns: int) -> str:
    rate = min(MAX_RATE, (Decimal(count) / turns).quantize(RATE_PLACES, ROUND_HALF_UP))
    return decimal_str(rate)


def _lengths(fitted: FittedWorkload, tallies: list[ConversationTally]) -> int:
    lengths = Counter(tally.turns for tally in tallies)
    turns = sum(tally.turns for tally in tallies)
    if len(tallies) == 1:
        only = min(MAX_TURNS, tallies[0].turns)
        fitted.set("turns_distribution", "fixed", "one conversation: every conversation as long as it")
        fitted.set("turns_per_session", only, "the turns of the only conversation")
    else:
        pairs, note = turns_histogram(lengths)
        fitted.set("turns_distribution", "histogram", f"{len(tallies)} conversations of different lengths")
        fitted.set("turns_histogram", pairs, f"conversations counted by their number of turns{note}")
    return turns


def _sizes(fitted: FittedWorkload, fit: WorkloadFit) -> tuple[int, int]:
    """System prompt, tool definitions and user message; returns S + D and the user message."""
    tools = fit.tools.rounded() if fit.tools.count else 0
    if fit.tools.count:
        fitted.set("tool_schema_tokens", tools, f"tool definitions counted on {fit.tools.count} calls, mean")
    else:
        fitted.set("tool_schema_tokens", 0, "no tool definitions in the trace: counted with the instructions")
    if fit.system.count:
        system = fit.system.rounded()
        fitted.set(
            "system_prompt_tokens", system, "instructions counted on each call (+3 priming the reply), mean"
        )
        user = Mean(
            fit.first_inputs.total - fit.first_inputs.count * (system + tools), fit.first_inputs.count
        )
        user.total += fit.user_deltas.total
        user.count += fit.user_deltas.count
        how = "first calls' input less instructions and tools, and later turns' input growth, mean"
    elif fit.user_deltas.count:
        user = fit.user_deltas
        system = max(0, fit.first_inputs.rounded() - user.rounded() - tools)
        fitted.set(
            "system_prompt_tokens", system, "first calls' mean input less a user message and the tools"
        )
        how = "input growth when a later turn starts (the message and the reply's overhead), mean"
    else:
        system = max(0, fit.first_inputs.rounded() - tools) if fit.first_inputs.count else 0
        fitted.set("system_prompt_tokens", system, "first calls' mean input: the user message is inside it")
        fitted.set(
            "user_message_tokens", 0, "single-turn traffic without its messages: inside the instructions"
        )
        return system + tools, 0
    user_tokens = max(0, user.rounded())
    fitted.set("user_message_tokens", user_tokens, how)
    if fit.system.count and fit.user_deltas.count and fit.first_inputs.count:
        first = fit.first_inputs.rounded() - system - tools
        later = fit.user_deltas.rounded()
        if first > 2 * later + 50 or later > 2 * first + 50:
            fitted.notes.append(
                f"First user messages ({first:,} tokens on average) and later ones ({later:,}) differ: "
                f"the estimator has one size for every turn ({user_tokens:,}), so it misprices turn 1 "
                "against the rest."
            )
    return system + tools, user_tokens


def _outputs(fitted: FittedWorkload, fit: WorkloadFit, turns: int) -> None:
    if fit.replies.count:
        fitted.set(
            "assistant_reply_tokens",
            fit.replies.rounded(),
            f"visible output of {fit.replies.count} replies, mean",
        )
    fitted.set(
        "function_calls_per_turn",
        _rate(fit.rounds["function"], turns),
        f"{fit.rounds['function']} calls that asked for functions over {turns} turns",
    )
    if fit.tool_calls.count:
        fitted.set(
            "tool_call_tokens", fit.tool_calls.rounded(), "visible output of calls that asked for tools, mean"
        )
    results = fit.result_deltas.get("function")
    if results and results.count:
        fitted.set(
            "tool_result_tokens",
            results.rounded(),
            "input growth after a tool round (results + call overhead), mean",
        )
    for kind, (rate, size) in HOSTED_INPUTS.items():
        if fit.hosted[kind]:
            fitted.set(
                rate,
                _rate(fit.hosted[kind], turns),
                f"{fit.hosted[kind]} hosted {kind} calls over {turns} turns",
            )
            fitted.keep_default(size, "a hosted tool's results stay inside the one call that ran it, unseen")
    fitted.set(
        "reasoning_tokens_per_call",
        fit.reasoning.rounded() if fit.reasoning.count else 0,
        "reasoning tokens per call, mean",
    )


def _time(fitted: FittedWorkload, tallies: list[ConversationTally], turns: int) -> Decimal:
    """Session minutes and sessions per month from the timestamps; returns minutes between turns."""
    spans = [
        (t.ended_at - t.started_at).total_seconds()
        for t in tallies
        if t.started_at and t.ended_at and t.ended_at > t.started_at
    ]
    minutes = Decimal(10)
    if spans:
        seconds = sum(spans) / len(spans)
        minutes = min(Decimal(1440), max(Decimal("0.01"), Decimal(str(round(seconds / 60, 2)))))
        fitted.set(
            "session_minutes", decimal_str(minutes), f"first to last call of {len(spans)} conversations, mean"
        )
    else:
        fitted.keep_default("session_minutes", "the trace has no timings")
    # N conversations starting over a span T arrive at (N - 1) / T: one conversation has no rate.
    starts = [t.started_at for t in tallies if t.started_at]
    span = (max(starts) - min(starts)).total_seconds() if len(starts) > 1 else 0
    if span > 0:
        monthly = max(1, min(10**9, round((len(starts) - 1) * DAYS_PER_MONTH * 86400 / span)))
        fitted.set(
            "sessions_per_month",
            monthly,
            f"{len(starts)} conversations starting over {span / 3600:,.2f} hours, "
            f"scaled to {DAYS_PER_MONTH} days",
        )
    else:
        fitted.keep_default("sessions_per_month", "fewer than two conversations with timestamps")
    mean_turns = Decimal(turns) / len(tallies)
    return minutes / mean_turns


def _cache(fitted: FittedWorkload, fit: WorkloadFit, prefix: int, between_turns: Decimal, ttl: int) -> None:
    step = fit.steps.most_common(1)[0][0] if fit.steps else 128
    warm = fit.opening.calls > 0 and fit.warm_openings * 2 >= fit.opening.calls
    fitted.set(
        "warm_prefix_across_sessions",
        warm,
        f"{fit.warm_openings} of {fit.opening.calls} conversations' first calls found a cached prefix",
    )
    fitted.set("prompt_caching", True, "OpenAI caches prompts automatically; the rate below is what it found")
    start_cacheable = fit.turn_start.cacheable
    if between_turns > ttl:
        start_cacheable = fit.turn_start.calls * cacheable(prefix, step)  # the cache expired between turns
    cached = fit.within.cached + fit.turn_start.cached + fit.cut.cached
    total = fit.within.cacheable + start_cacheable + fit.cut.calls * cacheable(prefix, step)
    if warm:
        cached += fit.opening.cached
        total += fit.opening.calls * cacheable(prefix, step)
    if total == 0:
        fitted.keep_default("cache_hit_rate", "no call had a cacheable prefix (1,024 tokens or more)")
        return
    rate = min(Decimal(1), (Decimal(cached) / total).quantize(RATE_PLACES, ROUND_HALF_UP))
    fitted.set(
        "cache_hit_rate",
        decimal_str(rate),
        f"{cached:,} cached of {total:,} cacheable tokens "
        f"(cost model v2: the shared prefix in {step}-token steps from 1,024)"
        + (" (capped at 1: more was cached than the rule expects)" if Decimal(cached) > total else ""),
    )


def workload_fitted(
    fit: WorkloadFit,
    tallies: list[ConversationTally],
    *,
    cache_ttl_minutes: int,
    history_budget: int | None = None,
) -> FittedWorkload:
    """The estimator inputs of the traffic `fit` saw (its conversations are `tallies`)."""
    fitted = FittedWorkload()
    if not tallies:
        return fitted
    fitted.traffic_approach = fit.apis.most_common(1)[0][0]
    model, calls = fit.models.most_common(1)[0]
    share = f"{calls} of {sum(fit.models.values())} calls" if len(fit.models) > 1 else "every call"
    fitted.set("model", model, f"the model of {share}")
    tier = fit.tiers.most_common(1)[0][0]
    if tier != "standard":
        fitted.set("service_tier", tier, f"the service tier of {fit.tiers[tier]} calls")
    turns = _lengths(fitted, tallies)
    prefix, _user = _sizes(fitted, fit)
    _outputs(fitted, fit, turns)
    between_turns = _time(fitted, tallies, turns)
    _cache(fitted, fit, prefix, between_turns, cache_ttl_minutes)
    if history_budget is not None:
        limit = max(1, history_budget - prefix)
        fitted.set(
            "history_limit_tokens",
            limit,
            f"the loop's budget of {history_budget} less instructions and tools",
        )
    if fit.cut.calls:
        fitted.notes.append(
            f"{fit.cut.calls} calls sent less history than the call before them (a cut history)."
        )
    return fitted
