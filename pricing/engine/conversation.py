"""One conversation, call by call: what every model call of every turn sends, reads from the cache and
writes to it (../shared/cost-model.md, "One conversation, call by call").

The context of a call is `system, tools, history, current turn`. Instead of re-walking those segments for
every call, the simulation keeps running sums and compares only what can change between two calls:
- the history is a list of finished turns with prefix sums of what each keeps; truncation is a *view*
  chosen afresh before every call (where it starts), never a cut of the history itself;
- two views share their leading segments exactly when they start at the same segment, so the shared
  prefix P is the previous call's whole input within a turn, or, across a turn's end, everything up to
  the first segment the finished turn did not keep.
Each call costs O(1) (a binary search when the budget forces a new view), so the longest conversation
prices every length (`pricing.engine.estimate`).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

CACHE_MIN_TOKENS = 1024


@dataclass(frozen=True, slots=True)
class ToolRounds:
    """One kind of tool round (file search, web search, function, code) as one way runs it."""

    kind: str
    per_turn: tuple[int, ...]  # rounds on turn t at index t - 1
    result_tokens: int
    keep_call: bool  # the history keeps the call after its turn
    keep_result: bool  # ... and its result


@dataclass(frozen=True, slots=True)
class ConversationRules:
    """Everything the simulation needs to know about one way of running the workload."""

    system_and_tools: int
    user: int
    reply: int
    tool_call: int
    reasoning: int
    carries_reasoning: bool  # Responses passes a turn's reasoning items to the turn's later calls
    rounds: tuple[ToolRounds, ...]  # in the order file searches, web searches, functions, code
    history_budget: int  # B: the most the history (current turn included) may hold
    input_limit: int  # the model's input limit: a call above it would be rejected
    has_own_budget: bool  # the budget is your loop's history_limit_tokens, not the model's limit
    last_messages: int | None  # Assistants' last_messages truncation
    caching: bool
    cache_step: int  # 128, or 1 for models billed for cache writes
    writes_cache: bool
    warm_prefix: bool
    cache_expires_between_turns: bool
    long_context_threshold: int | None


@dataclass(slots=True)
class PriceClassColumns:
    """Per turn (at index t - 1), that turn's calls billed at one set of prices: standard, or
    long-context when a call's input is above the threshold."""

    calls: list[int] = field(default_factory=list)
    input: list[int] = field(default_factory=list)
    cacheable: list[int] = field(default_factory=list)  # shared prefixes the cache could serve, in steps
    writable: list[int] = field(default_factory=list)  # prompts in cache steps: written = this - read
    visible: list[int] = field(default_factory=list)
    reasoning: list[int] = field(default_factory=list)

    def used(self) -> bool:
        return any(self.calls)


@dataclass(frozen=True, slots=True)
class CallTrace:
    """One model call, for tests and debugging (`pricing.engine.trace_calls`)."""

    turn: int
    input: int
    shared_prefix: int  # P: leading tokens identical to the previous call's
    cacheable: int
    writable: int
    output: int  # visible + reasoning
    long_context: bool
    view_start: int  # the first turn the history view shows (the current turn when it shows none)


@dataclass(slots=True)
class Overrun:
    """How many calls of the conversation something applied to, and the first turn it did."""

    calls: int = 0
    first_turn: int = 0

    def add(self, turn: int) -> None:
        self.calls += 1
        if not self.first_turn:
            self.first_turn = turn


@dataclass(slots=True)
class ConversationUsage:
    standard: PriceClassColumns = field(default_factory=PriceClassColumns)
    long_context: PriceClassColumns = field(default_factory=PriceClassColumns)
    context_tokens: list[int] = field(default_factory=list)  # input of each turn's final call
    over_input_limit: Overrun = field(default_factory=Overrun)
    over_budget: Overrun = field(default_factory=Overrun)  # the current turn alone exceeds the budget
    truncated: Overrun = field(default_factory=Overrun)  # the view leaves earlier turns out

    def turn_calls(self, index: int) -> int:
        return self.standard.calls[index] + self.long_context.calls[index]

    @property
    def calls(self) -> int:
        return sum(self.standard.calls) + sum(self.long_context.calls)


class _History:
    """Finished turns: prefix sums of the tokens each keeps, and each reply (what last_messages keeps)."""

    def __init__(self) -> None:
        self.kept_before = [0]  # kept_before[i] = tokens kept by turns 1..i
        self.replies = [0]  # replies[i] = reply tokens of turn i

    def add(self, kept: int, reply: int) -> None:
        self.kept_before.append(self.kept_before[-1] + kept)
        self.replies.append(reply)

    def from_turn(self, start: int, reply_only: bool) -> int:
        """Tokens of the earlier turns from `start` on (only the reply of turn `start` when reply_only)."""
        total = self.kept_before[-1] - self.kept_before[start - 1]
        if reply_only:
            total -= self.kept_before[start] - self.kept_before[start - 1] - self.replies[start]
        return total

    def fit(self, start: int, reply_only: bool, room: int) -> tuple[int, bool]:
        """The view nearest `start` whose earlier turns fit in `room`: drop the oldest whole turns."""
        if reply_only:
            if self.from_turn(start, True) <= room:
                return start, True
            start += 1
        finished = len(self.kept_before) - 1
        # The smallest s >= start with kept_before[finished] - kept_before[s - 1] <= room.
        target = self.kept_before[-1] - room
        index = bisect_left(self.kept_before, target, start - 1, finished)
        return index + 1, False


def _last_messages_start(turn: int, last_messages: int | None) -> tuple[int, bool]:
    """Where Assistants' last_messages N starts the view: the newest N-1 user/reply messages of earlier
    turns (the current user message is the N-th); an odd count keeps only the reply of the oldest."""
    if last_messages is None or last_messages - 1 >= 2 * (turn - 1):
        return 1, False
    kept = last_messages - 1
    whole = kept // 2
    if kept % 2:
        return turn - 1 - whole, True
    return turn - whole, False


def _finished_turn(rules: ConversationRules, turn_index: int) -> tuple[int, int]:
    """(tokens the history keeps of the turn, tokens of its leading segments that stay in place).

    The second is the turn's part of the next call's shared prefix: the user message and every segment
    up to the first one the history does not keep (a Responses reasoning item, a hosted tool's result).
    """
    kept = rules.user + rules.reply
    stable = rules.user
    removed = False
    for rounds in rules.rounds:
        n = rounds.per_turn[turn_index]
        if not n:
            continue
        kept += n * (rules.tool_call * rounds.keep_call + rounds.result_tokens * rounds.keep_result)
        if removed:
            continue
        if rules.carries_reasoning or not rounds.keep_call:
            removed = True
        elif not rounds.keep_result:
            stable += rules.tool_call
            removed = True
        else:
            stable += n * (rules.tool_call + rounds.result_tokens)
    return kept, stable


class _TurnCounts:
    """The token counts of the turn in progress at one set of prices, then closed into its columns."""

    __slots__ = ("calls", "input", "cacheable", "writable", "visible", "reasoning")

    def __init__(self) -> None:
        self.calls = self.input = self.cacheable = self.writable = self.visible = self.reasoning = 0

    def close(self, columns: PriceClassColumns) -> None:
        columns.calls.append(self.calls)
        columns.input.append(self.input)
        columns.cacheable.append(self.cacheable)
        columns.writable.append(self.writable)
        columns.visible.append(self.visible)
        columns.reasoning.append(self.reasoning)
        self.calls = self.input = self.cacheable = self.writable = self.visible = self.reasoning = 0


def _turn_shapes(rules: ConversationRules, turns: int) -> list[tuple[list[tuple[int, int, int]], int, int]]:
    """Per turn: its calls as (count, visible output, result tokens) runs, the final call last, and what
    the history keeps of it once it is over (tokens kept, tokens of its leading segments kept in place)."""
    shapes = []
    for index in range(turns):
        calls = [
            (r.per_turn[index], rules.tool_call, r.result_tokens) for r in rules.rounds if r.per_turn[index]
        ]
        calls.append((1, rules.reply, 0))
        shapes.append((calls, *_finished_turn(rules, index)))
    return shapes


def simulate(rules: ConversationRules, turns: int, trace: list[CallTrace] | None = None) -> ConversationUsage:
    """The first `turns` turns of a conversation; turn t is the same whatever length follows it."""
    usage = ConversationUsage()
    history = _History()
    base, budget, step = rules.system_and_tools, rules.history_budget, rules.cache_step
    threshold = rules.long_context_threshold
    caching, writes, reasoning = rules.caching, rules.writes_cache, rules.reasoning
    carried = rules.reasoning if rules.carries_reasoning else 0
    expires, warm, input_limit = rules.cache_expires_between_turns, rules.warm_prefix, rules.input_limit
    standard, long_context = _TurnCounts(), _TurnCounts()
    # The first call of the conversation finds the instructions and tools cached when the prefix is warm.
    previous_input, previous_start, previous_reply_only = 0, 1, False
    crossing = base if warm else 0
    for turn, (calls, kept, stable) in enumerate(_turn_shapes(rules, turns), start=1):
        start, reply_only = _last_messages_start(turn, rules.last_messages)
        earlier = history.from_turn(start, reply_only) if start < turn else 0
        current = rules.user
        context = 0
        first_of_turn = True
        for count, visible, result in calls:
            for _ in range(count):
                # Truncation: a view of the full history, chosen afresh before each call.
                if earlier + current > budget:
                    if start < turn:
                        start, reply_only = history.fit(start, reply_only, budget - current)
                        earlier = history.from_turn(start, reply_only) if start < turn else 0
                    if earlier + current > budget:
                        usage.over_budget.add(turn)
                if start > 1 or reply_only:
                    usage.truncated.add(turn)
                context = base + earlier + current
                if context > input_limit:
                    usage.over_input_limit.add(turn)

                # P: the leading tokens that are the same segments as in the previous call. Two views
                # share everything up to their first difference only when they start at the same segment.
                if first_of_turn and expires:
                    shared = base if warm else 0
                elif start != previous_start or reply_only != previous_reply_only:
                    shared = base
                else:
                    shared = crossing if first_of_turn else previous_input
                cacheable = shared // step * step if caching and shared >= CACHE_MIN_TOKENS else 0
                writable = context // step * step if writes and context >= CACHE_MIN_TOKENS else 0

                counts = long_context if threshold is not None and context > threshold else standard
                counts.calls += 1
                counts.input += context
                counts.cacheable += cacheable
                counts.writable += writable
                counts.visible += visible
                counts.reasoning += reasoning
                if trace is not None:
                    output, is_long = visible + reasoning, counts is long_context
                    trace.append(
                        CallTrace(turn, context, shared, cacheable, writable, output, is_long, start)
                    )
                previous_input, previous_start, previous_reply_only = context, start, reply_only
                first_of_turn = False
                current += visible + result + carried
        standard.close(usage.standard)
        long_context.close(usage.long_context)
        usage.context_tokens.append(context)
        history.add(kept, rules.reply)
        # What the next turn's first call finds in place of this turn's last context, when its view starts
        # where this one did: all before this turn, then this turn up to the first segment not kept.
        crossing = base + earlier + stable
    return usage
