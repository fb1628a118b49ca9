"""The loop's limits per turn and conversation, and the errors that stop a turn."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Limits:
    max_tool_rounds: int = 10  # per turn
    max_cost_usd: Decimal | None = None  # per conversation
    max_seconds: float | None = None  # per turn, wall time


class LoopLimitError(RuntimeError):
    """A limit stopped the turn; what was done so far is saved."""


class ToolRoundLimitExceeded(LoopLimitError):
    """The model asked for more tool rounds than `max_tool_rounds` in one turn."""


class CostLimitExceeded(LoopLimitError):
    """The conversation cost more than `max_cost_usd`."""


class WallTimeExceeded(LoopLimitError):
    """The turn ran longer than `max_seconds`."""


class TurnInterrupted(RuntimeError):
    """`send` while the last turn never finished: call `finish_interrupted_turn()` first."""
