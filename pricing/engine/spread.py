"""Averages become whole calls: turn t gets floor(t*r + 1/2) - floor((t-1)*r + 1/2) calls for a rate r.

Rounding half up, so r = 0.5 puts one call on turns 1, 3, 5 ... and r = 0.12 over 8 turns makes one call
(on turn 5) instead of none. The counts depend only on the rate and the turn, never on how long the
conversation is, so one list for the longest conversation serves every length.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

HALF = Decimal("0.5")


def calls_per_turn(rate: Decimal, turns: int) -> list[int]:
    """The calls on turns 1..turns for an average of `rate` calls per turn."""
    if rate == rate.to_integral_value():
        return [int(rate)] * turns
    counts = []
    previous = 0
    for turn in range(1, turns + 1):
        current = int((rate * turn + HALF).to_integral_value(rounding=ROUND_FLOOR))
        counts.append(current - previous)
        previous = current
    return counts
