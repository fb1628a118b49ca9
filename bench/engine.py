"""How fast the cost engine prices a workload, the three ways at once.

Targets (cost model v2): the default workload (a geometric spread of lengths around a mean of 8 turns,
simulated to 160 turns) at most 2 ms median, because the page and the API call it on every keystroke; the
largest allowed workload (1,000 turns, 50 calls of each of the four kinds per turn) at most 2 s.
Version 1 (one conversation of the mean length) measured 0.30 ms and 0.27 s on this machine.
Runs on a hand-built gpt-4.1-like sheet (with a long-context tier and a cache-write price, so every
branch is exercised) without a database.

    .venv/bin/python bench/engine.py
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pricing.engine import estimate, planned_model_calls  # noqa: E402
from pricing.sheet import LongContextRates, PriceSheet, TierPrices, TokenRates, ToolFees  # noqa: E402
from pricing.workload import Workload  # noqa: E402

D = Decimal
SHEET = PriceSheet(
    model="bench-model",
    as_of=date(2026, 11, 25),
    context_window=1_050_000,
    service_tiers={
        "standard": TierPrices(
            TokenRates(D("2"), D("0.2"), D("2.5"), D("10")),
            LongContextRates(D("4"), D("0.4"), D("5"), D("15"), threshold_tokens=272_000),
        )
    },
    tools=ToolFees(
        D("2.5"),
        D("0.1"),
        D("1"),
        D("0.03"),
        {"1g": D("0.03"), "4g": D("0.12"), "16g": D("0.48"), "64g": D("1.92")},
        web_search_per_kcalls=D("10"),
    ),
)
DEFAULT = Workload()
LARGEST = Workload(
    turns_per_session=1000,
    function_calls_per_turn=D(50),
    file_search_calls_per_turn=D(50),
    web_search_calls_per_turn=D(50),
    code_interpreter_calls_per_turn=D(50),
)


def timed(workload: Workload, repeats: int) -> list[float]:
    """CPU seconds per estimate: the machine is shared, and waiting for a core is not the engine's time."""
    samples = []
    for _ in range(repeats):
        start = time.process_time()
        estimate(SHEET, workload)
        samples.append(time.process_time() - start)
    return samples


def main() -> None:
    timed(DEFAULT, 50)  # warm-up
    default = timed(DEFAULT, 2000)
    largest = timed(LARGEST, 5)
    calls = planned_model_calls(LARGEST) // 3
    print(
        f"default workload, 3 ways: median {statistics.median(default) * 1e3:.3f} ms "
        f"(p90 {statistics.quantiles(default, n=10)[-1] * 1e3:.3f} ms, {len(default)} runs; "
        "target <= 2 ms; version 1: 0.30 ms)"
    )
    print(
        f"largest workload, 3 ways ({calls:,} calls per way): median {statistics.median(largest):.3f} s "
        f"(min {min(largest):.3f} s, {len(largest)} runs; target <= 2 s; version 1: 0.27 s)"
    )


if __name__ == "__main__":
    main()
