"""Calls placed in their conversations: the call's index, its turn and its tool round.

A call starts a turn when the trace says it answers a user message; when the trace does not say
(spans without messages), when the previous call of its conversation did not ask for tools. The
first call of a conversation always starts turn 1. Each conversation keeps a few numbers, never a
call: memory grows with the number of conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from runs.traces.records import TraceCall


@dataclass(slots=True)
class ConversationTally:
    index: int
    key: str
    calls: int = 0
    turns: int = 0
    round: int = 0
    cost_usd: Decimal = Decimal(0)
    recorded_cost_usd: Decimal | None = None
    unpriced_calls: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    # The previous call, as fitting needs it.
    last_input: int = 0
    last_visible: int = 0
    last_reasoning: int = 0
    # Responses API: the reasoning of the turn's earlier calls that the last call's input carried.
    last_carried: int = 0
    last_tool_kind: str | None = None


@dataclass(frozen=True, slots=True)
class Placement:
    conversation: ConversationTally
    index: int
    turn: int
    round: int
    starts_turn: bool
    first_in_conversation: bool


class ConversationBook:
    def __init__(self) -> None:
        self.by_key: dict[str, ConversationTally] = {}

    def place(self, call: TraceCall) -> Placement:
        tally = self.by_key.get(call.conversation_key)
        first = tally is None
        if tally is None:
            tally = ConversationTally(index=len(self.by_key) + 1, key=call.conversation_key)
            self.by_key[call.conversation_key] = tally
        if first:
            starts = True
        elif call.starts_turn is None:
            starts = tally.last_tool_kind is None
        else:
            starts = call.starts_turn
        if starts:
            tally.turns += 1
            tally.round = 0
        else:
            tally.round += 1
        tally.calls += 1
        return Placement(tally, tally.calls, tally.turns, tally.round, starts, first)

    @staticmethod
    def close(placement: Placement, call: TraceCall, cost: Decimal | None) -> None:
        """After fitting saw the call: remember it as the conversation's previous call."""
        tally = placement.conversation
        if call.api == "responses" and not placement.starts_turn and not placement.first_in_conversation:
            tally.last_carried += tally.last_reasoning
        else:
            tally.last_carried = 0
        if cost is None:
            tally.unpriced_calls += 1
        else:
            tally.cost_usd += cost
        if call.recorded_cost_usd is not None:
            tally.recorded_cost_usd = (tally.recorded_cost_usd or Decimal(0)) + call.recorded_cost_usd
        if call.at is not None:
            end = call.at + timedelta(milliseconds=call.latency_ms or 0)
            tally.started_at = min(tally.started_at or call.at, call.at)
            tally.ended_at = max(tally.ended_at or end, end)
        tally.last_input = call.usage.prompt_tokens
        tally.last_visible = call.visible_output
        tally.last_reasoning = call.usage.reasoning_tokens
        tally.last_tool_kind = call.tool_uses[0].kind if call.tool_uses else None

    def __len__(self) -> int:
        return len(self.by_key)

    def tallies(self) -> list[ConversationTally]:
        return list(self.by_key.values())
