"""The estimator's inputs fitted from traffic, each with how it was derived.

Sizes come from recorded usage wherever they can: between two calls of a conversation the input grows
by the previous call's visible output plus what was appended after it (`delta`), which is the user
message (and the reply's message overhead) when the call starts a turn, and the tool results (and the
call's overhead) after a tool round: exactly the segments the cost model appends, so the fitted
workload re-adds to the recorded inputs. Counting splits only the first call's input into
instructions, tool definitions and the user message. For the Responses API, whose later calls of a
turn also carry the turn's reasoning back, the previous call's reasoning is taken out of the delta.

`cache_hit_rate` is cached ÷ cacheable, cacheable by cost model v2's rule: the prefix P a call shares
with the previous call of its conversation (its whole input, when the history only grew), or the
instructions and tools for the first call of a conversation (when warm) and for the first call of a
turn after the cache's lifetime; `floor(P / step) · step` when P ≥ 1,024 (step 128, or 1 for
models billed for cache writes), else 0.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from runs.traces.conversations import ConversationTally, Placement
from runs.traces.prices import PricedCall
from runs.traces.records import TraceCall

RATE_PLACES = Decimal("0.000001")
MAX_RATE = Decimal(50)
MAX_TURNS = 1000
MAX_HISTOGRAM_PAIRS = 100
CACHE_MINIMUM = 1024
DAYS_PER_MONTH = 30


@dataclass(slots=True)
class Mean:
    total: int = 0
    count: int = 0

    def add(self, value: int) -> None:
        self.total += value
        self.count += 1

    def rounded(self) -> int:
        return int((Decimal(self.total) / self.count).quantize(Decimal(1), ROUND_HALF_UP))

    def exact(self) -> Decimal:
        return Decimal(self.total) / self.count


@dataclass(frozen=True, slots=True)
class Derivation:
    name: str
    value: object
    how: str


@dataclass(slots=True)
class CacheBucket:
    cached: int = 0
    cacheable: int = 0  # by P of the previous call
    calls: int = 0


def cacheable(prefix: int, step: int) -> int:
    return (prefix // step) * step if prefix >= CACHE_MINIMUM else 0


@dataclass
class WorkloadFit:
    """Fed every call in order (`observe`), then asked for the fitted inputs (`result`)."""

    system: Mean = field(default_factory=Mean)
    tools: Mean = field(default_factory=Mean)
    first_inputs: Mean = field(default_factory=Mean)
    user_deltas: Mean = field(default_factory=Mean)
    result_deltas: dict[str, Mean] = field(default_factory=dict)
    replies: Mean = field(default_factory=Mean)
    tool_calls: Mean = field(default_factory=Mean)
    reasoning: Mean = field(default_factory=Mean)
    rounds: Counter = field(default_factory=Counter)
    hosted: Counter = field(default_factory=Counter)
    models: Counter = field(default_factory=Counter)
    apis: Counter = field(default_factory=Counter)
    tiers: Counter = field(default_factory=Counter)
    steps: Counter = field(default_factory=Counter)
    # Cache buckets: the first call of a conversation (and calls after a history cut), the first call
    # of a later turn, and calls within a turn.
    opening: CacheBucket = field(default_factory=CacheBucket)
    warm_openings: int = 0
    turn_start: CacheBucket = field(default_factory=CacheBucket)
    within: CacheBucket = field(default_factory=CacheBucket)
    cut: CacheBucket = field(default_factory=CacheBucket)

    def observe(self, call: TraceCall, placement: Placement, priced: PricedCall) -> None:
        usage = call.usage
        self.models[priced.model] += 1
        self.apis[call.api] += 1
        self.tiers[call.service_tier] += 1
        self.steps[priced.cache_step] += 1
        if call.system_tokens is not None:
            self.system.add(call.system_tokens)
        if call.tools_tokens is not None:
            self.tools.add(call.tools_tokens)
        self.reasoning.add(usage.reasoning_tokens)
        if call.tool_uses:
            self.rounds[call.tool_uses[0].kind] += 1
            self.tool_calls.add(call.visible_output)
        else:
            self.replies.add(call.visible_output)
        for use in call.hosted_uses:
            self.hosted[use.kind] += 1
        self._sizes_and_cache(call, placement, priced.cache_step)

    def _sizes_and_cache(self, call: TraceCall, placement: Placement, step: int) -> None:
        usage = call.usage
        if placement.first_in_conversation:
            self.first_inputs.add(usage.prompt_tokens)
            self.opening.cached += usage.cached_tokens
            self.opening.calls += 1
            self.warm_openings += usage.cached_tokens > 0
            return
        previous: ConversationTally = placement.conversation
        # What of the previous call's input stays in place: on the Responses API a new turn drops the
        # reasoning the previous turn carried, and a call within a turn carries the previous call's.
        if call.api != "responses":
            kept, carried = previous.last_input, 0
        elif placement.starts_turn:
            kept, carried = previous.last_input - previous.last_carried, 0
        else:
            kept, carried = previous.last_input, previous.last_reasoning
        delta = usage.prompt_tokens - kept - previous.last_visible - carried
        if delta < 0:  # the history was cut for this call: only the instructions stay in place
            self.cut.cached += usage.cached_tokens
            self.cut.calls += 1
            return
        if placement.starts_turn:
            self.user_deltas.add(delta)
            bucket = self.turn_start
        else:
            if previous.last_tool_kind is not None:  # a call that continues without tools adds no result
                self.result_deltas.setdefault(previous.last_tool_kind, Mean()).add(delta)
            bucket = self.within
        bucket.cached += usage.cached_tokens
        bucket.cacheable += cacheable(kept, step)
        bucket.calls += 1
