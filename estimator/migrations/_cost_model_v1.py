"""Cost model version 1, frozen: the arithmetic share links were computed with before version 2.

Only `0002_scenario_v1_results` imports this (Django's loader skips migration modules whose name starts
with an underscore). It prices a scenario saved under version 1 once, from its own inputs and price
snapshot, so its link keeps showing the numbers it was shared with. Never change it: it is history.
"""

# ruff: noqa
from __future__ import annotations

import hashlib
import json
from collections import deque
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import ROUND_CEILING, Context, Decimal, localcontext

SERVICE_TIERS = ("standard", "flex", "fast")
CONTAINER_SIZES = ("1g", "4g", "16g", "64g")
ENCODINGS = ("o200k_base", "cl100k_base")


def decimal_str(value: Decimal) -> str:
    """A Decimal as a plain string without exponent or trailing zeros: Decimal('2.50') -> '2.5'."""
    text = str(value)
    if "E" in text:  # str() switches to exponent form for very small or large values
        text = format(value, "f")
    if "." in text:
        # Only after a point are trailing zeros insignificant ("100" keeps its zeros).
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def optional_decimal_str(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(value)


def _decimal(value, name: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name}: expected a decimal, got {value!r}")
    return Decimal(str(value))


def _optional_decimal(value, name: str) -> Decimal | None:
    return None if value is None else _decimal(value, name)


@dataclass(frozen=True, slots=True)
class TokenRates:
    """USD per million tokens. `cached_input` and `cache_write` are None when the model has no such price."""

    input: Decimal
    cached_input: Decimal | None
    cache_write: Decimal | None
    output: Decimal

    def to_dict(self) -> dict:
        return {
            "input_per_mtok": decimal_str(self.input),
            "cached_input_per_mtok": optional_decimal_str(self.cached_input),
            "cache_write_per_mtok": optional_decimal_str(self.cache_write),
            "output_per_mtok": decimal_str(self.output),
        }


@dataclass(frozen=True, slots=True)
class LongContextRates(TokenRates):
    """Prices that apply to the whole call when its input is above `threshold_tokens`."""

    threshold_tokens: int = 0

    def to_dict(self) -> dict:
        return {"threshold_tokens": self.threshold_tokens, **TokenRates.to_dict(self)}


@dataclass(frozen=True, slots=True)
class TierPrices:
    rates: TokenRates
    long_context: LongContextRates | None = None

    def rates_for_input(self, input_tokens: int) -> TokenRates:
        if self.long_context is not None and input_tokens > self.long_context.threshold_tokens:
            return self.long_context
        return self.rates

    def to_dict(self) -> dict:
        return {
            **self.rates.to_dict(),
            "long_context": None if self.long_context is None else self.long_context.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class ToolFees:
    file_search_per_kcalls: Decimal
    vector_storage_per_gb_day: Decimal
    vector_storage_free_gb: Decimal
    assistants_code_interpreter_per_session: Decimal
    container_per_20min: dict[str, Decimal] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "file_search_per_kcalls": decimal_str(self.file_search_per_kcalls),
            "vector_storage_per_gb_day": decimal_str(self.vector_storage_per_gb_day),
            "vector_storage_free_gb": decimal_str(self.vector_storage_free_gb),
            "assistants_code_interpreter_per_session": decimal_str(
                self.assistants_code_interpreter_per_session
            ),
            "container_per_20min": {
                size: decimal_str(self.container_per_20min[size])
                for size in CONTAINER_SIZES
                if size in self.container_per_20min
            },
        }


@dataclass(frozen=True, slots=True)
class PriceSheet:
    """Everything the engine needs to price one model as of one date."""

    model: str
    as_of: date
    context_window: int
    service_tiers: dict[str, TierPrices]
    tools: ToolFees
    version: str = ""
    encoding: str = "o200k_base"
    # Shut-down dates feed the estimate's notes; the engine never looks anything up itself.
    model_shutdown_date: date | None = None
    model_successor: str | None = None

    def tier(self, name: str) -> TierPrices:
        try:
            return self.service_tiers[name]
        except KeyError:
            raise KeyError(f"{self.model} has no {name!r} service tier") from None

    def to_dict(self) -> dict:
        body = {
            "model": self.model,
            "as_of": self.as_of.isoformat(),
            "version": self.version,
            "context_window": self.context_window,
            "encoding": self.encoding,
            "shutdown_date": None
            if self.model_shutdown_date is None
            else self.model_shutdown_date.isoformat(),
            "successor": self.model_successor,
            "service_tiers": {
                tier: self.service_tiers[tier].to_dict()
                for tier in SERVICE_TIERS
                if tier in self.service_tiers
            },
            "tools": self.tools.to_dict(),
        }
        return body

    def fingerprint(self) -> str:
        """A short digest of every number on the sheet (not its date): equal prices, equal fingerprint."""
        body = self.to_dict()
        for key in ("as_of", "version"):
            body.pop(key)
        blob = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def _rates_from_dict(data: dict, name: str) -> dict:
    return {
        "input": _decimal(data["input_per_mtok"], f"{name}.input_per_mtok"),
        "cached_input": _optional_decimal(data.get("cached_input_per_mtok"), f"{name}.cached_input_per_mtok"),
        "cache_write": _optional_decimal(data.get("cache_write_per_mtok"), f"{name}.cache_write_per_mtok"),
        "output": _decimal(data["output_per_mtok"], f"{name}.output_per_mtok"),
    }


def sheet_from_dict(data: dict) -> PriceSheet:
    """Rebuild a sheet from `PriceSheet.to_dict()` output (a share link's snapshot, an export)."""
    tiers = {}
    for tier_name, tier in data["service_tiers"].items():
        if tier_name not in SERVICE_TIERS:
            raise ValueError(f"unknown service tier {tier_name!r}")
        long_context = tier.get("long_context")
        tiers[tier_name] = TierPrices(
            rates=TokenRates(**_rates_from_dict(tier, tier_name)),
            long_context=None
            if long_context is None
            else LongContextRates(
                **_rates_from_dict(long_context, f"{tier_name}.long_context"),
                threshold_tokens=int(long_context["threshold_tokens"]),
            ),
        )
    tools = data["tools"]
    shutdown = data.get("shutdown_date")
    return PriceSheet(
        model=data["model"],
        as_of=date.fromisoformat(data["as_of"]),
        version=data.get("version", ""),
        context_window=int(data["context_window"]),
        encoding=data.get("encoding") or "o200k_base",
        model_shutdown_date=date.fromisoformat(shutdown) if shutdown else None,
        model_successor=data.get("successor"),
        service_tiers=tiers,
        tools=ToolFees(
            file_search_per_kcalls=_decimal(tools["file_search_per_kcalls"], "file_search_per_kcalls"),
            vector_storage_per_gb_day=_decimal(
                tools["vector_storage_per_gb_day"], "vector_storage_per_gb_day"
            ),
            vector_storage_free_gb=_decimal(tools["vector_storage_free_gb"], "vector_storage_free_gb"),
            assistants_code_interpreter_per_session=_decimal(
                tools["assistants_code_interpreter_per_session"], "assistants_code_interpreter_per_session"
            ),
            container_per_20min={
                size: _decimal(value, f"container_per_20min.{size}")
                for size, value in tools["container_per_20min"].items()
            },
        ),
    )


@dataclass(frozen=True, slots=True)
class Workload:
    """One agent workload, every input of the cost model with its default filled in."""

    model: str | None = None
    sessions_per_month: int = 10000
    turns_per_session: int = 8
    system_prompt_tokens: int = 1500
    tool_schema_tokens: int = 600
    user_message_tokens: int = 120
    assistant_reply_tokens: int = 300
    function_calls_per_turn: Decimal = Decimal("1")
    tool_call_tokens: int = 60
    tool_result_tokens: int = 500
    reasoning_tokens_per_call: int = 0
    file_search_calls_per_turn: Decimal = Decimal("0")
    file_search_results: int = 20
    file_search_chunk_tokens: int = 800
    rag_results: int = 5
    rag_chunk_tokens: int = 400
    code_interpreter_calls_per_turn: Decimal = Decimal("0")
    code_interpreter_output_tokens: int = 300
    session_minutes: Decimal = Decimal("10")
    vector_store_gb: Decimal = Decimal("0")
    upload_gb_per_session: Decimal = Decimal("0")
    upload_retention_days: Decimal = Decimal("7")
    prompt_caching: bool = True
    warm_prefix_across_sessions: bool = True
    service_tier: str = "standard"
    history_limit_tokens: int | None = None
    keep_tool_results_in_history: bool = True
    assistants_keep_tool_results_in_history: bool = True
    assistants_truncation: str = "auto"
    assistants_last_messages: int = 20
    container_memory: str = "1g"
    retrieval_infra_usd_per_month: Decimal = Decimal("0")
    sandbox_usd_per_hour: Decimal = Decimal("0")
    build_hours: Decimal = Decimal("40")
    maintenance_hours_per_month: Decimal = Decimal("4")
    engineer_usd_per_hour: Decimal = Decimal("100")


APPROACHES = ("assistants", "responses", "chat_completions")
APPROACH_LABELS = {
    "assistants": "Assistants API",
    "responses": "Responses API",
    "chat_completions": "Your own loop (Chat Completions)",
}
ASSISTANTS_SHUTDOWN = date(2026, 8, 26)

CACHE_MIN_TOKENS = 1024
CACHE_STEP_BITS = 7  # 128-token steps

BREAKDOWN_CATEGORIES = (
    ("uncached_input", "Uncached input"),
    ("cached_input", "Cached input"),
    ("cache_write", "Cache writes"),
    ("output", "Output"),
    ("reasoning", "Reasoning"),
    ("tool_fees", "Tool fees"),
    ("storage", "Storage"),
    ("your_infrastructure", "Your infrastructure"),
)

# Enough digits that every product of the inputs' exact decimals stays exact.
EXACT = Context(prec=80)
# The two divisions that need not terminate are cut explicitly: your sandbox's minutes / 60 at 12 decimal
# places (under a millionth of a cent per conversation), break-even months rounded up at 6.
SANDBOX_PLACES = Decimal("1e-12")
BREAK_EVEN_PLACES = Decimal("1e-6")
MILLION_EXP = -6

# Offsets into a per-turn accumulator: 5 token counters for each price class.
UNCACHED, CACHED, WRITTEN, VISIBLE, REASONING = range(5)
STANDARD_CLASS, LONG_CONTEXT_CLASS = 0, 5


@dataclass(frozen=True, slots=True)
class TokenTotals:
    input: int
    input_cached: int
    input_cache_write: int
    output: int
    reasoning: int

    def to_dict(self) -> dict:
        return {
            "input": self.input,
            "input_cached": self.input_cached,
            "input_cache_write": self.input_cache_write,
            "output": self.output,
            "reasoning": self.reasoning,
        }


@dataclass(frozen=True, slots=True)
class BreakdownLine:
    category: str
    label: str
    per_session_usd: Decimal
    per_month_usd: Decimal

    def to_dict(self) -> dict:
        return {
            "category": self.category,
            "label": self.label,
            "per_session_usd": decimal_str(self.per_session_usd),
            "per_month_usd": decimal_str(self.per_month_usd),
        }


@dataclass(frozen=True, slots=True)
class TurnFigures:
    """One turn of one conversation: what it used and what the conversation has cost so far."""

    turn: int
    model_calls: int
    input: int
    input_cached: int
    input_cache_write: int
    output: int
    reasoning: int
    context_tokens: int  # input of the turn's final call: how big the context has grown
    cost_usd: Decimal
    cumulative_usd: Decimal

    def to_dict(self) -> dict:
        return {
            "turn": self.turn,
            "model_calls": self.model_calls,
            "input": self.input,
            "input_cached": self.input_cached,
            "input_cache_write": self.input_cache_write,
            "output": self.output,
            "reasoning": self.reasoning,
            "context_tokens": self.context_tokens,
            "cost_usd": decimal_str(self.cost_usd),
            "cumulative_usd": decimal_str(self.cumulative_usd),
        }


@dataclass(frozen=True, slots=True)
class ApproachEstimate:
    approach: str
    label: str
    status: str
    service_tier: str
    per_session_usd: Decimal
    fixed_monthly_usd: Decimal
    per_month_usd: Decimal
    model_calls: int
    tokens: TokenTotals
    breakdown: tuple[BreakdownLine, ...]
    turns: tuple[TurnFigures, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "status": self.status,
            "service_tier": self.service_tier,
            "per_session_usd": decimal_str(self.per_session_usd),
            "fixed_monthly_usd": decimal_str(self.fixed_monthly_usd),
            "per_month_usd": decimal_str(self.per_month_usd),
            "model_calls": self.model_calls,
            "tokens": self.tokens.to_dict(),
            "breakdown": [line.to_dict() for line in self.breakdown],
            "turns": [turn.to_dict() for turn in self.turns],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class Engineering:
    build_usd: Decimal
    maintenance_monthly_usd: Decimal
    break_even_months: dict[str, Decimal | None]

    def to_dict(self) -> dict:
        return {
            "build_usd": decimal_str(self.build_usd),
            "maintenance_monthly_usd": decimal_str(self.maintenance_monthly_usd),
            "break_even_months": {
                key: None if value is None else decimal_str(value)
                for key, value in self.break_even_months.items()
            },
        }


@dataclass(frozen=True, slots=True)
class Estimate:
    workload: Workload
    inputs: dict
    sheet: PriceSheet
    approaches: dict[str, ApproachEstimate]
    engineering: Engineering

    def cheapest(self) -> str:
        return min(APPROACHES, key=lambda key: (self.approaches[key].per_month_usd, APPROACHES.index(key)))

    def to_dict(self) -> dict:
        return {
            "inputs": self.inputs,
            "prices": self.sheet.to_dict(),
            "approaches": {key: self.approaches[key].to_dict() for key in APPROACHES},
            "engineering": self.engineering.to_dict(),
            "cheapest": self.cheapest(),
        }


def calls_per_turn(rate: Decimal, turns: int) -> list[int]:
    """Spread an average rate over turns: turn t gets floor(t*r) - floor((t-1)*r) calls."""
    if rate == rate.to_integral_value():
        return [int(rate)] * turns
    counts = []
    previous = 0
    for turn in range(1, turns + 1):
        # int() truncates, which is floor for the non-negative products here.
        current = int(rate * turn)
        counts.append(current - previous)
        previous = current
    return counts


@dataclass(frozen=True, slots=True)
class _Shape:
    """The workload as the simulation reads it: per-turn call counts are shared by the three ways."""

    fs: list[int]
    fn: list[int]
    ci: list[int]


@dataclass(frozen=True, slots=True)
class _Retention:
    """What a way keeps of a finished turn: (call segment kept, result segment kept) per tool kind."""

    fs: tuple[bool, bool]
    fn: tuple[bool, bool]
    ci: tuple[bool, bool]


def _retention(approach: str, w: Workload) -> _Retention:
    if approach == "assistants":
        keep = w.assistants_keep_tool_results_in_history
        return _Retention((keep, keep), (keep, keep), (keep, keep))
    if approach == "responses":
        # Tool calls and function results are carried; hosted-tool output (chunks, code output) is not.
        return _Retention((True, False), (True, True), (True, False))
    keep = w.keep_tool_results_in_history
    return _Retention((keep, keep), (keep, keep), (keep, keep))


@dataclass(slots=True)
class _Simulation:
    turn_tokens: list[list[int]]  # per turn: 10 counters (5 per price class)
    turn_calls: list[int]
    turn_context: list[int]
    model_calls: int
    over_window_calls: int
    first_over_window_turn: int
    over_budget_calls: int
    first_over_budget_turn: int
    dropped_turns: int


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One model call, for tests and debugging: the simulation can log these as it goes."""

    turn: int
    input: int
    cached: int
    written: int
    output: int
    long_context: bool


def _simulate(
    approach: str,
    w: Workload,
    sheet: PriceSheet,
    tier_name: str,
    shape: _Shape,
    call_log: list[list[int]] | None = None,
) -> _Simulation:
    tier = sheet.tier(tier_name)
    system_and_tools = w.system_prompt_tokens + w.tool_schema_tokens
    user = w.user_message_tokens
    reply = w.assistant_reply_tokens
    tool_call = w.tool_call_tokens
    reasoning = w.reasoning_tokens_per_call
    if approach == "chat_completions":
        file_result = w.rag_results * w.rag_chunk_tokens
    else:
        file_result = w.file_search_results * w.file_search_chunk_tokens
    kinds = (
        (shape.fs, file_result),
        (shape.fn, w.tool_result_tokens),
        (shape.ci, w.code_interpreter_output_tokens),
    )
    retention = _retention(approach, w)
    keeps = (retention.fs, retention.fn, retention.ci)

    window = sheet.context_window
    if approach == "chat_completions" and w.history_limit_tokens is not None:
        budget = w.history_limit_tokens
    else:
        budget = window - system_and_tools
    last_messages = (
        w.assistants_last_messages
        if approach == "assistants" and w.assistants_truncation == "last_messages"
        else None
    )

    caching = w.prompt_caching and tier.rates.cached_input is not None
    writes_priced = caching and tier.rates.cache_write is not None
    long_context = tier.long_context
    threshold = long_context.threshold_tokens if long_context is not None else None

    # Earlier turns still in the history: [tokens, reply tokens, messages (2, or 1 once cut to the reply)].
    earlier: deque[list[int]] = deque()
    earlier_tokens = 0
    earlier_messages = 0
    shared = system_and_tools if w.warm_prefix_across_sessions else 0
    previous_cached = 0
    previous_acc: list[int] | None = None
    previous_class = 0

    turn_tokens: list[list[int]] = []
    turn_calls: list[int] = []
    turn_context: list[int] = []
    model_calls = 0
    over_window = over_budget = dropped = 0
    first_over_window = first_over_budget = 0

    for index in range(w.turns_per_session):
        turn = index + 1
        acc = [0] * 10
        # The run's last_messages strategy: keep only the newest N-1 user/reply messages of earlier turns.
        if last_messages is not None:
            excess = earlier_messages - (last_messages - 1)
            while excess > 0:
                oldest = earlier[0]
                if oldest[2] == 2 and excess == 1:
                    # Cut lands inside the oldest turn: only its reply survives.
                    earlier_tokens -= oldest[0] - oldest[1]
                    oldest[0] = oldest[1]
                    oldest[2] = 1
                    excess = 0
                    earlier_messages -= 1
                else:
                    earlier.popleft()
                    earlier_tokens -= oldest[0]
                    earlier_messages -= oldest[2]
                    excess -= oldest[2]
                    dropped += 1
                if shared > system_and_tools:
                    shared = system_and_tools

        current = user
        plan = []
        for counts, result in kinds:
            n = counts[index]
            if n:
                plan.extend([(tool_call, tool_call + result)] * n)
        plan.append((reply, reply))

        context = 0
        for visible, grows in plan:
            # Truncation before the call: drop whole earlier turns, oldest first, while over budget.
            while earlier_tokens + current > budget and earlier:
                oldest = earlier.popleft()
                earlier_tokens -= oldest[0]
                earlier_messages -= oldest[2]
                dropped += 1
                if shared > system_and_tools:
                    shared = system_and_tools
            history = earlier_tokens + current
            context = system_and_tools + history
            if history > budget:
                over_budget += 1
                if not first_over_budget:
                    first_over_budget = turn
            if context > window:
                over_window += 1
                if not first_over_window:
                    first_over_window = turn

            if caching and shared >= CACHE_MIN_TOKENS:
                cached = (shared >> CACHE_STEP_BITS) << CACHE_STEP_BITS
            else:
                cached = 0
            if writes_priced and previous_acc is not None and cached > previous_cached:
                # The previous call wrote what this call reads beyond what it read itself.
                written = cached - previous_cached
                previous_acc[previous_class + WRITTEN] += written
                previous_acc[previous_class + UNCACHED] -= written
                if call_log is not None:
                    call_log[-1][3] += written
            price_class = (
                LONG_CONTEXT_CLASS if threshold is not None and context > threshold else STANDARD_CLASS
            )
            acc[price_class + UNCACHED] += context - cached
            acc[price_class + CACHED] += cached
            acc[price_class + VISIBLE] += visible
            acc[price_class + REASONING] += reasoning
            if call_log is not None:
                call_log.append([turn, context, cached, 0, visible + reasoning, price_class])

            previous_acc = acc
            previous_class = price_class
            previous_cached = cached
            shared = context
            current += grows

        calls = len(plan)
        model_calls += calls
        turn_tokens.append(acc)
        turn_calls.append(calls)
        turn_context.append(context)

        # What the history keeps of this turn; the shared prefix ends where the first dropped segment was.
        kept = user + reply
        cut_at = None
        offset = user
        for (counts, result), (keep_call, keep_result) in zip(kinds, keeps, strict=True):
            n = counts[index]
            if not n:
                continue
            if keep_call:
                kept += n * tool_call
            if keep_result:
                kept += n * result
            if cut_at is None:
                if not keep_call:
                    cut_at = offset
                elif not keep_result:
                    cut_at = offset + tool_call
            offset += n * (tool_call + result)
        if cut_at is not None:
            limit = system_and_tools + earlier_tokens + cut_at
            if shared > limit:
                shared = limit
        earlier.append([kept, reply, 2])
        earlier_tokens += kept
        earlier_messages += 2

    return _Simulation(
        turn_tokens=turn_tokens,
        turn_calls=turn_calls,
        turn_context=turn_context,
        model_calls=model_calls,
        over_window_calls=over_window,
        first_over_window_turn=first_over_window,
        over_budget_calls=over_budget,
        first_over_budget_turn=first_over_budget,
        dropped_turns=dropped,
    )


def _token_cost(counts: list[int], rates: TokenRates) -> tuple[Decimal, ...]:
    """(uncached, cached, written, visible output, reasoning) in USD for one price class's token counts."""
    uncached, cached, written, visible, reasoning = counts
    zero = Decimal(0)
    return (
        (rates.input * uncached).scaleb(MILLION_EXP) if uncached else zero,
        (rates.cached_input * cached).scaleb(MILLION_EXP) if cached else zero,
        (rates.cache_write * written).scaleb(MILLION_EXP) if written else zero,
        (rates.output * visible).scaleb(MILLION_EXP) if visible else zero,
        (rates.output * reasoning).scaleb(MILLION_EXP) if reasoning else zero,
    )


def vector_storage_usd(w: Workload, sheet: PriceSheet) -> Decimal:
    gb_days = (
        w.vector_store_gb * 30 + w.sessions_per_month * w.upload_gb_per_session * w.upload_retention_days
    )
    billable = gb_days - sheet.tools.vector_storage_free_gb * 30
    if billable <= 0:
        return Decimal(0)
    return billable * sheet.tools.vector_storage_per_gb_day


def _code_session_fee(approach: str, w: Workload, sheet: PriceSheet) -> Decimal:
    minutes = w.session_minutes
    if approach == "assistants":
        hours = (minutes / 60).to_integral_value(rounding=ROUND_CEILING)
        return hours * sheet.tools.assistants_code_interpreter_per_session
    if approach == "responses":
        return max(Decimal(5), minutes) * sheet.tools.container_per_20min[w.container_memory] / 20
    return (minutes * w.sandbox_usd_per_hour / 60).quantize(SANDBOX_PLACES).normalize()


def _status(approach: str, as_of: date) -> str:
    if approach == "assistants":
        return "shut down" if as_of >= ASSISTANTS_SHUTDOWN else "deprecated"
    return "live"


def _notes(approach: str, w: Workload, sheet: PriceSheet, sim: _Simulation) -> list[str]:
    notes = []
    if approach == "assistants":
        when = ASSISTANTS_SHUTDOWN.isoformat()
        if sheet.as_of >= ASSISTANTS_SHUTDOWN:
            notes.append(
                f"OpenAI shut the Assistants API down on {when}: shown as a historical / migration baseline."
            )
        else:
            notes.append(
                f"OpenAI shuts the Assistants API down on {when}; its successor is the Responses API."
            )
        if w.service_tier != "standard":
            notes.append("The Assistants API had no flex or fast tier: priced at standard.")
        if w.assistants_keep_tool_results_in_history and _uses_tools(w):
            notes.append(
                "Assumes later runs still see earlier tool calls and outputs (never documented by OpenAI; "
                "community reports say they do)."
            )
    if approach == "responses" and (
        _any(w.file_search_calls_per_turn) or _any(w.code_interpreter_calls_per_turn)
    ):
        notes.append("Hosted file-search chunks and code output are not carried into later turns.")
    if approach == "chat_completions" and _any(w.file_search_calls_per_turn):
        notes.append(
            f"Your own retrieval injects {w.rag_results} chunks of {w.rag_chunk_tokens} tokens per search; "
            "its hosting is the retrieval infrastructure figure."
        )
    if sheet.model_shutdown_date is not None:
        successor = f" (successor: {sheet.model_successor})" if sheet.model_successor else ""
        day = sheet.model_shutdown_date.isoformat()
        if sheet.model_shutdown_date <= sheet.as_of:
            notes.append(f"{sheet.model} was shut down on {day}{successor}.")
        else:
            notes.append(f"{sheet.model} is scheduled to shut down on {day}{successor}.")
    if sim.over_window_calls:
        notes.append(
            f"Context overflow: {sim.over_window_calls} of {sim.model_calls} calls exceed the model's "
            f"{sheet.context_window:,}-token context window (first on turn {sim.first_over_window_turn}); "
            "the API would reject them, priced here as if accepted."
        )
    if approach == "chat_completions" and w.history_limit_tokens is not None and sim.over_budget_calls:
        notes.append(
            f"Your {w.history_limit_tokens:,}-token history budget cannot hold the current turn on "
            f"{sim.over_budget_calls} calls (first on turn {sim.first_over_budget_turn})."
        )
    if sim.dropped_turns:
        notes.append(
            f"Truncation drops {sim.dropped_turns} earlier turn(s) from the history per conversation."
        )
    return notes


def _any(rate: Decimal) -> bool:
    return rate > 0


def _uses_tools(w: Workload) -> bool:
    return any(
        _any(rate)
        for rate in (
            w.function_calls_per_turn,
            w.file_search_calls_per_turn,
            w.code_interpreter_calls_per_turn,
        )
    )


def _shape(w: Workload) -> _Shape:
    turns = w.turns_per_session
    return _Shape(
        fs=calls_per_turn(w.file_search_calls_per_turn, turns),
        fn=calls_per_turn(w.function_calls_per_turn, turns),
        ci=calls_per_turn(w.code_interpreter_calls_per_turn, turns),
    )


def _tier_name(approach: str, w: Workload) -> str:
    # The Assistants API had only the standard tier.
    return "standard" if approach == "assistants" else w.service_tier


def _estimate_approach(approach: str, w: Workload, sheet: PriceSheet, shape: _Shape) -> ApproachEstimate:
    tier_name = _tier_name(approach, w)
    tier = sheet.tier(tier_name)
    sim = _simulate(approach, w, sheet, tier_name, shape)

    search_fee = sheet.tools.file_search_per_kcalls / 1000 if approach == "responses" else Decimal(0)
    code_fee = _code_session_fee(approach, w, sheet) if any(shape.ci) else Decimal(0)
    first_code_turn = next((i for i, n in enumerate(shape.ci) if n), None)

    # Per price class: its rates and its token totals over the conversation.
    classes = [(STANDARD_CLASS, tier.rates)]
    if tier.long_context is not None:
        classes.append((LONG_CONTEXT_CLASS, tier.long_context))
    class_totals = {offset: [0] * 5 for offset, _ in classes}
    turns = []
    zero = Decimal(0)
    cumulative = zero
    fs_counts = shape.fs
    for index, counters in enumerate(sim.turn_tokens):
        cost = zero
        for offset, rates in classes:
            uncached, cached, written, visible, reasoning = counters[offset : offset + 5]
            if not (uncached or cached or written or visible or reasoning):
                continue
            totals = class_totals[offset]
            totals[UNCACHED] += uncached
            totals[CACHED] += cached
            totals[WRITTEN] += written
            totals[VISIBLE] += visible
            totals[REASONING] += reasoning
            # Micro-dollars: a price per million tokens times tokens; scaled once below. Cached and
            # written counts are 0 whenever their price is missing.
            if uncached:
                cost += rates.input * uncached
            if cached:
                cost += rates.cached_input * cached
            if written:
                cost += rates.cache_write * written
            if visible or reasoning:
                cost += rates.output * (visible + reasoning)
        cost = cost.scaleb(MILLION_EXP)
        if search_fee and fs_counts[index]:
            cost += search_fee * fs_counts[index]
        if index == first_code_turn:
            cost += code_fee
        cumulative += cost
        uncached = counters[UNCACHED] + counters[LONG_CONTEXT_CLASS + UNCACHED]
        cached = counters[CACHED] + counters[LONG_CONTEXT_CLASS + CACHED]
        written = counters[WRITTEN] + counters[LONG_CONTEXT_CLASS + WRITTEN]
        reasoning = counters[REASONING] + counters[LONG_CONTEXT_CLASS + REASONING]
        turns.append(
            TurnFigures(
                turn=index + 1,
                model_calls=sim.turn_calls[index],
                input=uncached + cached + written,
                input_cached=cached,
                input_cache_write=written,
                output=counters[VISIBLE] + counters[LONG_CONTEXT_CLASS + VISIBLE] + reasoning,
                reasoning=reasoning,
                context_tokens=sim.turn_context[index],
                cost_usd=cost,
                cumulative_usd=cumulative,
            )
        )

    names = ("uncached_input", "cached_input", "cache_write", "output", "reasoning")
    category = dict.fromkeys(names, zero)
    totals = [0] * 5
    for offset, rates in classes:
        counts = class_totals[offset]
        for position, (name, usd) in enumerate(zip(names, _token_cost(counts, rates), strict=True)):
            category[name] += usd
            totals[position] += counts[position]

    searches = sum(shape.fs)
    tool_fees = search_fee * searches + (code_fee if approach != "chat_completions" else 0)
    infrastructure_session = code_fee if approach == "chat_completions" else Decimal(0)
    storage_monthly = vector_storage_usd(w, sheet) if approach != "chat_completions" else Decimal(0)
    infrastructure_monthly = w.retrieval_infra_usd_per_month if approach == "chat_completions" else Decimal(0)

    per_session = sum(category.values(), Decimal(0)) + tool_fees + infrastructure_session
    fixed_monthly = storage_monthly + infrastructure_monthly
    sessions = w.sessions_per_month
    per_month = sessions * per_session + fixed_monthly

    session_lines = {
        **category,
        "tool_fees": tool_fees,
        "storage": Decimal(0),
        "your_infrastructure": infrastructure_session,
    }
    monthly_fixed = {"storage": storage_monthly, "your_infrastructure": infrastructure_monthly}
    breakdown = tuple(
        BreakdownLine(
            category=key,
            label=label,
            per_session_usd=session_lines[key],
            per_month_usd=session_lines[key] * sessions + monthly_fixed.get(key, Decimal(0)),
        )
        for key, label in BREAKDOWN_CATEGORIES
    )
    uncached, cached, written, visible, reasoning = totals
    return ApproachEstimate(
        approach=approach,
        label=APPROACH_LABELS[approach],
        status=_status(approach, sheet.as_of),
        service_tier=tier_name,
        per_session_usd=per_session,
        fixed_monthly_usd=fixed_monthly,
        per_month_usd=per_month,
        model_calls=sim.model_calls,
        tokens=TokenTotals(
            input=uncached + cached + written,
            input_cached=cached,
            input_cache_write=written,
            output=visible + reasoning,
            reasoning=reasoning,
        ),
        breakdown=breakdown,
        turns=tuple(turns),
        notes=tuple(_notes(approach, w, sheet, sim)),
    )


def _engineering(w: Workload, approaches: dict[str, ApproachEstimate]) -> Engineering:
    build = w.build_hours * w.engineer_usd_per_hour
    maintenance = w.maintenance_hours_per_month * w.engineer_usd_per_hour
    own = approaches["chat_completions"].per_month_usd
    break_even = {}
    for key in ("assistants", "responses"):
        saving = approaches[key].per_month_usd - own - maintenance
        break_even[key] = (build / saving).quantize(BREAK_EVEN_PLACES, ROUND_CEILING) if saving > 0 else None
    return Engineering(build_usd=build, maintenance_monthly_usd=maintenance, break_even_months=break_even)


def estimate(sheet: PriceSheet, workload: Workload, inputs: dict) -> Estimate:
    """Price one workload on one price sheet, the three ways side by side."""
    if workload.service_tier not in sheet.service_tiers:
        raise KeyError(f"{sheet.model} has no {workload.service_tier!r} service tier")
    with localcontext(EXACT):
        shape = _shape(workload)
        approaches = {key: _estimate_approach(key, workload, sheet, shape) for key in APPROACHES}
        return Estimate(
            workload=workload,
            inputs=inputs,
            sheet=sheet,
            approaches=approaches,
            engineering=_engineering(workload, approaches),
        )


def workload_from_inputs(inputs: dict) -> Workload:
    """A version-1 workload from a scenario's stored inputs (`Workload.to_dict()` of version 1)."""
    values = {}
    for spec in fields(Workload):
        if spec.name not in inputs:
            continue
        value = inputs[spec.name]
        default = spec.default
        if isinstance(default, Decimal):
            value = Decimal(str(value))
        values[spec.name] = value
    return Workload(**values)


def scenario_result(inputs: dict, prices: dict) -> dict:
    """What `/api/estimate` returned under version 1 for a scenario's inputs and price snapshot."""
    return estimate(sheet_from_dict(prices), workload_from_inputs(inputs), inputs).to_dict()
