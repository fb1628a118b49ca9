"""What an import answers: its cost, its workload, and what that workload costs three ways.

The fitted inputs are priced by the estimator's one entry point (`estimate_compute`) with the prices
in force on the traffic's last priced day, so the estimate for the way the traffic ran sits beside
its actual cost at the same prices (the relative error is the calibration of the estimator).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from estimator.services import EstimateInputError, estimate_compute
from pricing.engine import Estimate
from pricing.engine.approaches import label
from pricing.sheet import decimal_str
from runs.models import TraceImport


@dataclass(frozen=True, slots=True)
class ApproachCost:
    key: str
    label: str
    per_session_usd: Decimal
    per_month_usd: Decimal
    is_traffic_approach: bool
    relative_error: Decimal | None  # for the way the traffic ran: (estimate − actual) / actual

    @property
    def relative_error_text(self) -> str:
        """ "+1.23 %": the estimate above (+) or below (−) the actual cost."""
        if self.relative_error is None:
            return ""
        return f"{self.relative_error * 100:+.2f}\u00a0%".replace("-", "−")  # no break before the %


@dataclass(frozen=True, slots=True)
class ImportEstimate:
    estimate: Estimate | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    actual_per_session_usd: Decimal | None = None
    approaches: tuple[ApproachCost, ...] = ()


def query_value(value: object) -> str:
    """An input as the estimator's query string spells it (`turns_histogram` as `1:40,2:25`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(f"{turns}:{weight}" for turns, weight in value)
    return str(value)


def fitted_query(inputs: dict) -> str:
    return urlencode({name: query_value(value) for name, value in inputs.items() if value is not None})


def actual_per_session(trace_import: TraceImport) -> Decimal | None:
    if not trace_import.conversations_count or trace_import.actual_cost_usd is None:
        return None
    return trace_import.actual_cost_usd / trace_import.conversations_count


def trace_import_estimate(trace_import: TraceImport) -> ImportEstimate:
    raw = dict(trace_import.fitted_inputs)
    if trace_import.price_as_of is not None:
        raw["as_of"] = trace_import.price_as_of.isoformat()
    actual = actual_per_session(trace_import)
    try:
        estimate = estimate_compute(raw)
    except EstimateInputError as exc:
        return ImportEstimate(None, exc.errors, actual)
    approaches = []
    for key, result in estimate.approaches.items():
        ran = key == trace_import.traffic_approach
        error = (result.per_session_usd - actual) / actual if ran and actual else None
        approaches.append(
            ApproachCost(key, label(key), result.per_session_usd, result.per_month_usd, ran, error)
        )
    return ImportEstimate(estimate, {}, actual, tuple(approaches))


def money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(value)


def trace_import_summary(trace_import: TraceImport) -> dict:
    """The import as `import_traces --json` prints it and `/runs/imports/<id>.json` serves it."""
    priced = trace_import_estimate(trace_import)
    return {
        "id": trace_import.pk,
        "status": trace_import.status,
        "error": trace_import.error or None,
        "format": trace_import.format,
        "calls": trace_import.calls_count,
        "conversations": trace_import.conversations_count,
        "unpriced_calls": trace_import.unpriced_calls,
        "actual_cost_usd": money(trace_import.actual_cost_usd),
        "recorded_cost_usd": money(trace_import.recorded_cost_usd),
        "traffic_approach": trace_import.traffic_approach or None,
        "price_as_of": trace_import.price_as_of.isoformat() if trace_import.price_as_of else None,
        "fitted_inputs": trace_import.fitted_inputs,
        "derivations": trace_import.derivations,
        "notes": trace_import.notes,
        "estimate": priced.estimate.to_dict() if priced.estimate else None,
        "estimate_errors": priced.errors or None,
        "relative_error": next(
            (
                format(approach.relative_error, ".6f")
                for approach in priced.approaches
                if approach.relative_error is not None
            ),
            None,
        ),
    }
