"""A deliberately naive implementation of ../shared/cost-model.md (version 2), for checking the engine.

Nothing here is clever: every conversation length is simulated from scratch, the context of each call is
an explicit list of segments, truncation rebuilds the view segment by segment, the shared prefix is found
by comparing two segment lists one by one, and all arithmetic is exact (`Fraction`). It is slow on
purpose; `tests/pricing/test_engine_reference.py` checks that the engine agrees with it call by call and
to the cent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from pricing.sheet import PriceSheet, TokenRates
from pricing.workload import Workload

KINDS = ("file_search", "web_search", "function", "code")


@dataclass(frozen=True)
class Segment:
    name: tuple  # what the segment is: ("user", 3), ("call", 3, "function", 1), ...
    tokens: int


@dataclass(frozen=True)
class Call:
    turn: int
    input: int
    shared_prefix: int
    cacheable: int
    writable: int
    output: int
    long_context: bool
    cost: Fraction


def calls_on_turn(rate, turn: int) -> int:
    r = Fraction(rate)
    return math.floor(turn * r + Fraction(1, 2)) - math.floor((turn - 1) * r + Fraction(1, 2))


def shares(w: Workload) -> dict[int, Fraction]:
    """P(n), exactly."""
    if w.turns_distribution == "histogram":
        assert w.turns_histogram is not None
        total = sum(Fraction(weight) for _, weight in w.turns_histogram)
        return {turns: Fraction(weight) / total for turns, weight in w.turns_histogram}
    t = w.turns_per_session
    assert t is not None
    if w.turns_distribution == "fixed" or t == 1:
        return {t: Fraction(1)}
    p = Fraction(1, t)
    longest = min(1000, 20 * t)
    result = {n: p * (1 - p) ** (n - 1) for n in range(1, longest)}
    result[longest] = (1 - p) ** (longest - 1)
    return result


def percentile(p: dict[int, Fraction], q: Fraction) -> int:
    running = Fraction(0)
    for n in sorted(p):
        running += p[n]
        if running >= q:
            return n
    return max(p)


class ReferenceApproach:
    def __init__(self, approach: str, w: Workload, sheet: PriceSheet):
        self.approach, self.w, self.sheet = approach, w, sheet
        tier = sheet.tier("standard" if approach == "assistants" else w.service_tier)
        self.tier = tier
        self.caching = w.prompt_caching and tier.rates.cached_input is not None
        self.writes = self.caching and tier.rates.cache_write is not None
        self.step = 1 if tier.rates.cache_write is not None else 128
        self.p = shares(w)
        self.mean = sum(n * share for n, share in self.p.items())
        self.minutes_per_turn = Fraction(w.session_minutes) / self.mean
        self.expired = self.caching and self.minutes_per_turn > sheet.cache_ttl_minutes
        sd = w.system_prompt_tokens + w.tool_schema_tokens
        if approach == "chat_completions" and w.history_limit_tokens is not None:
            self.budget = w.history_limit_tokens
        else:
            self.budget = sheet.input_limit - sd

    def result_tokens(self, kind: str) -> int:
        w = self.w
        if kind == "file_search":
            if self.approach == "chat_completions":
                return w.rag_results * w.rag_chunk_tokens
            return w.file_search_results * w.file_search_chunk_tokens
        return {
            "web_search": w.web_search_result_tokens,
            "function": w.tool_result_tokens,
            "code": w.code_interpreter_output_tokens,
        }[kind]

    def rate(self, kind: str):
        w = self.w
        return {
            "file_search": w.file_search_calls_per_turn,
            "web_search": w.web_search_calls_per_turn,
            "function": w.function_calls_per_turn,
            "code": w.code_interpreter_calls_per_turn,
        }[kind]

    def kept(self, segment: Segment) -> bool:
        """Does the history keep this segment of a finished turn?"""
        kind = segment.name[0]
        if kind in ("user", "reply"):
            return True
        if kind == "reasoning":
            return False
        if self.approach == "assistants":
            return self.w.assistants_keep_tool_results_in_history
        if self.approach == "chat_completions":
            return self.w.keep_tool_results_in_history
        return kind == "call" or segment.name[2] == "function"

    def view(self, earlier: list[list[Segment]], current: list[Segment]) -> list[Segment]:
        """The history a call sends: earlier turns cut by last_messages, then by the budget."""
        turns = [list(turn) for turn in earlier]
        if self.approach == "assistants" and self.w.assistants_truncation == "last_messages":
            keep = self.w.assistants_last_messages - 1
            flat = [(i, s) for i, turn in enumerate(turns) for s in turn]
            messages = [k for k, (_, s) in enumerate(flat) if s.name[0] in ("user", "reply")]
            if keep == 0:
                flat = []
            elif len(messages) > keep:
                flat = flat[messages[-keep] :]
            grouped: list[tuple[int, list[Segment]]] = []
            for i, s in flat:
                if not grouped or grouped[-1][0] != i:
                    grouped.append((i, []))
                grouped[-1][1].append(s)
            turns = [segments for _, segments in grouped]
        while (
            turns and sum(s.tokens for t in turns for s in t) + sum(s.tokens for s in current) > self.budget
        ):
            turns.pop(0)
        return [s for turn in turns for s in turn] + list(current)

    def price(self, input_: int, cacheable: int, writable: int, output: int) -> tuple[Fraction, bool]:
        long_context = self.tier.long_context
        long = long_context is not None and input_ > long_context.threshold_tokens
        rates: TokenRates = long_context if long_context is not None and long else self.tier.rates
        cached = Fraction(self.w.cache_hit_rate) * cacheable if self.caching else Fraction(0)
        written = writable - cached if self.writes else Fraction(0)
        uncached = input_ - cached - written
        cost = uncached * Fraction(rates.input) + output * Fraction(rates.output)
        if cached:
            assert rates.cached_input is not None
            cost += cached * Fraction(rates.cached_input)
        if written:
            assert rates.cache_write is not None
            cost += written * Fraction(rates.cache_write)
        return cost / 10**6, long

    def conversation(self, n: int) -> list[Call]:
        """Every call of a conversation of n turns, simulated from nothing."""
        w = self.w
        system = [Segment(("system",), w.system_prompt_tokens), Segment(("tools",), w.tool_schema_tokens)]
        sd = w.system_prompt_tokens + w.tool_schema_tokens
        history: list[list[Segment]] = []
        previous: list[Segment] | None = None
        calls: list[Call] = []
        for turn in range(1, n + 1):
            current = [Segment(("user", turn), w.user_message_tokens)]
            plan = [(kind, k) for kind in KINDS for k in range(1, calls_on_turn(self.rate(kind), turn) + 1)]
            for position, (kind, k) in enumerate([*plan, ("reply", 0)]):
                context = system + self.view(history, current)
                input_ = sum(s.tokens for s in context)
                if previous is None or (position == 0 and self.expired):
                    shared = sd if w.warm_prefix_across_sessions else 0
                else:
                    shared = 0
                    for mine, theirs in zip(context, previous, strict=False):
                        if mine != theirs:
                            break
                        shared += mine.tokens
                cacheable = shared // self.step * self.step if self.caching and shared >= 1024 else 0
                writable = input_ // self.step * self.step if self.writes and input_ >= 1024 else 0
                visible = w.assistant_reply_tokens if kind == "reply" else w.tool_call_tokens
                output = visible + w.reasoning_tokens_per_call
                cost, long = self.price(input_, cacheable, writable, output)
                calls.append(Call(turn, input_, shared, cacheable, writable, output, long, cost))
                previous = context
                if kind == "reply":
                    current.append(Segment(("reply", turn), w.assistant_reply_tokens))
                    continue
                if self.approach == "responses" and w.reasoning_tokens_per_call:
                    current.append(Segment(("reasoning", turn, kind, k), w.reasoning_tokens_per_call))
                current.append(Segment(("call", turn, kind, k), w.tool_call_tokens))
                current.append(Segment(("result", turn, kind, k), self.result_tokens(kind)))
            history.append([s for s in current if self.kept(s)])
        return calls

    def fees(self, n: int) -> Fraction:
        w, tools = self.w, self.sheet.tools
        searches = {kind: sum(calls_on_turn(self.rate(kind), t) for t in range(1, n + 1)) for kind in KINDS}
        if self.approach == "responses":
            fee = searches["file_search"] * Fraction(tools.file_search_per_kcalls) / 1000
            fee += searches["web_search"] * Fraction(tools.web_search_per_kcalls) / 1000
        else:
            fee = searches["web_search"] * Fraction(w.search_api_usd_per_kcalls) / 1000
        if searches["code"]:
            minutes = n * self.minutes_per_turn
            if self.approach == "assistants":
                fee += math.ceil(minutes / 60) * Fraction(tools.assistants_code_interpreter_per_session)
            elif self.approach == "responses":
                fee += (
                    max(Fraction(5), minutes) * Fraction(tools.container_per_20min[w.container_memory]) / 20
                )
            else:
                fee += minutes / 60 * Fraction(w.sandbox_usd_per_hour)
        return fee

    def cost(self, n: int) -> Fraction:
        return sum((call.cost for call in self.conversation(n)), Fraction(0)) + self.fees(n)

    def per_session(self) -> Fraction:
        return sum((share * self.cost(n) for n, share in self.p.items() if share), Fraction(0))
