"""The cost engine: one workload priced three ways, following ../shared/cost-model.md (version 2).

Plain Python, no database: `estimate(sheet, workload)` takes a `PriceSheet` and a `Workload` and returns
an `Estimate`. The modules follow the spec: `population` (how long conversations are), `spread` (averages
as whole calls), `conversation` (one conversation call by call), `fees` (what is billed beside tokens),
`estimate` (the month, engineering and the verdict); `notes` and `serialize` present the result.
"""

from pricing.engine.approaches import APPROACHES, MANAGED, REGISTRY, Approach
from pricing.engine.conversation import CACHE_MIN_TOKENS, CallTrace
from pricing.engine.estimate import estimate, planned_model_calls, trace_calls
from pricing.engine.fees import vector_storage_usd
from pricing.engine.results import (
    BREAKDOWN_CATEGORIES,
    ApproachEstimate,
    BreakdownLine,
    Engineering,
    Estimate,
    TokenTotals,
    TurnFigures,
    Verdict,
)
from pricing.engine.serialize import estimate_dict
from pricing.engine.spread import calls_per_turn

__all__ = [
    "APPROACHES",
    "BREAKDOWN_CATEGORIES",
    "CACHE_MIN_TOKENS",
    "MANAGED",
    "REGISTRY",
    "Approach",
    "ApproachEstimate",
    "BreakdownLine",
    "CallTrace",
    "Engineering",
    "Estimate",
    "TokenTotals",
    "TurnFigures",
    "Verdict",
    "calls_per_turn",
    "estimate",
    "estimate_dict",
    "planned_model_calls",
    "trace_calls",
    "vector_storage_usd",
]
