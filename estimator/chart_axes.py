"""The charts' axes and numbers in words: round tick steps, one label format per axis, turns to plot.

Plain functions of floats, no pygal: `estimator.charts` draws its axes with them and writes dollar
amounts in its alt text with `usd_words`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

MAX_POINTS = 60  # turns plotted on the cost-by-length chart at most
Y_TICKS = 5


def usd_words(value: float) -> str:
    """A dollar amount in words (alt text): $0.0644, $1.25, $1,319."""
    if value == 0:
        return "$0"
    if value >= 100:
        return f"${value:,.0f}"
    if value >= 1:
        return f"${value:,.2f}"
    return f"${value:.4g}"


def _nice_step(span: float, ticks: int = Y_TICKS) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that covers `span` in about `ticks` steps."""
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return float(next(step * power for step in (1, 2, 2.5, 5, 10) if raw <= step * power * (1 + 1e-9)))


def _places(step: float) -> int:
    """Decimal places that show every multiple of `step` exactly (2.5 needs 1, 0.05 needs 2)."""
    text = f"{Decimal(str(step)).normalize():f}"
    return len(text.split(".")[1]) if "." in text else 0


def usd_axis(top: float) -> tuple[list[float], Callable[[float], str]]:
    """Y ticks from $0 to at least `top`, and one formatter for them all: every label has the same
    decimals (cents when a step is below a dollar or not whole, none for whole-dollar steps)."""
    step = _nice_step(top)
    count = max(1, math.ceil(top / step - 1e-9))
    ticks = [round(step * i, 10) for i in range(count + 1)]
    places = 0 if step >= 1 and step == int(step) else max(2, _places(step))
    return ticks, lambda value: f"${value:,.{places}f}"


def nice_ceiling(value: int) -> int:
    """The next round number at or above `value` (1, 2, 2.5 or 5 times a power of ten): tidy axis ends."""
    power = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return int(step * power)
    return value


def count_words(value: float) -> str:
    """A count for words: 2,500 -> 2.5k, 3,000,000 -> 3M."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:,.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


def count_axis(ticks: list[int]) -> Callable[[float], str]:
    """One formatter for a count axis: the unit (k, M, B) of the largest tick and the decimals its
    step needs, so 0, 2.5k, 5.0k, 7.5k rather than 0, 2.5k, 5k, 7.5k."""
    top = max(ticks) if ticks else 0
    size, suffix = next(((s, x) for s, x in ((1e9, "B"), (1e6, "M"), (1e3, "k")) if top >= s), (1, ""))
    step = (ticks[1] - ticks[0]) if len(ticks) > 1 else top or 1
    places = _places(step / size) if step % size else 0

    def label(value: float) -> str:
        if value == 0:
            return "0"
        return f"{value / size:,.{places}f}{suffix}"

    return label


def sampled_turns(turns: int, most: int = MAX_POINTS) -> list[int]:
    """Turn numbers to plot: every turn up to `most`, else evenly spaced ones, always the first and last."""
    if turns <= most:
        return list(range(1, turns + 1))
    picked = {1 + (turns - 1) * i // (most - 1) for i in range(most)}
    return sorted(picked)
