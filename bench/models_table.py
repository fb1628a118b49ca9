"""What one "every model for this workload" table costs: how many estimates, and how long it takes.

    .venv/bin/python bench/models_table.py

In-process on a throwaway SQLite database seeded with `sync_prices`; for the estimator's default page
(the support bot preset) and a long coding agent, the number of estimates one table runs
(`estimator.compare.planned_estimates`, known before it runs) and the median CPU and wall time of
`models_compare` over 7 runs (the price sheets memoised, as in a running server).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seeded import seeded_django  # noqa: E402

RUNS = 7


def main() -> int:
    with seeded_django("models"):
        from estimator.compare import models_compare, planned_estimates
        from estimator.estimate_cache import forget_estimates
        from estimator.presets import PRESETS_BY_KEY
        from pricing.catalog import today
        from pricing.engine import planned_model_calls
        from pricing.workload import parse_workload

        print(f"{'workload':<14}{'estimates':>10}{'calls each':>11}{'cpu ms':>9}{'wall ms':>9}{'ms each':>9}")
        for key in ("support_bot", "coding_agent"):
            raw = dict(PRESETS_BY_KEY[key].inputs)
            table = models_compare(raw)  # warm the price sheets' memo
            cpu, wall = [], []
            for _ in range(RUNS):
                forget_estimates()  # every run computes its estimates (a page's repeat would be cached)
                started, clock = time.process_time(), time.perf_counter()
                table = models_compare(raw)
                cpu.append((time.process_time() - started) * 1000)
                wall.append((time.perf_counter() - clock) * 1000)
            count = planned_estimates(today())
            assert count == table.estimates + len(table.left_out)
            calls = planned_model_calls(parse_workload(raw))
            per = statistics.median(cpu) / count
            print(
                f"{key:<14}{count:>10}{calls:>11,}{statistics.median(cpu):>9.0f}{statistics.median(wall):>9.0f}{per:>9.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
