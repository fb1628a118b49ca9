"""Calibration: the estimator's figure for measured runs against what their calls cost.

The runs are read as imported traffic (`runs.traces`): their completed turns are priced and the
estimator's inputs fitted exactly as for any trace (one run is one conversation: `turns_per_session`;
several runs: `turns_histogram` of their lengths), then priced by the estimator under cost model v2
with the prices the runs were measured with, for the way they ran (`chat_completions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from estimator.services import EstimateInputError, estimate_compute
from pricing.catalog import today
from pricing.engine import Estimate
from pricing.sheet import decimal_str
from runs.models import Run
from runs.traces.digest import TrafficDigest, traffic_digest
from runs.traces.fitted import FittedWorkload
from runs.traces.records import ReadProgress, TraceFormatError
from runs.traces.runs_source import run_calls

CALIBRATION_TOLERANCE = Decimal("0.02")
APPROACH = "chat_completions"


class CalibrationError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Calibration:
    runs: tuple[Run, ...]
    fitted: FittedWorkload
    estimate: Estimate
    estimated_usd: Decimal  # per conversation
    measured_usd: Decimal  # per conversation
    estimated_calls: Decimal
    measured_calls: int

    @property
    def relative_error(self) -> Decimal:
        """(estimated - measured) / measured: positive when the estimate is too high."""
        return (self.estimated_usd - self.measured_usd) / self.measured_usd

    @property
    def within_tolerance(self) -> bool:
        return abs(self.relative_error) <= CALIBRATION_TOLERANCE

    def to_dict(self) -> dict:
        return {
            "runs": [run.pk for run in self.runs],
            "approach": APPROACH,
            "inputs": self.fitted.inputs,
            "derivations": [
                {"name": d.name, "value": d.value, "how": d.how} for d in self.fitted.derivations
            ],
            "estimated_usd": decimal_str(self.estimated_usd),
            "measured_usd": decimal_str(self.measured_usd),
            "relative_error": format(self.relative_error, ".6f"),
            "estimated_calls": decimal_str(self.estimated_calls),
            "measured_calls": self.measured_calls,
        }


def runs_digest(runs: list[Run]) -> TrafficDigest:
    """The runs' completed turns as traffic (a turn cut short would weigh as a whole one)."""
    for run in runs:
        if run.turns_completed == 0 or not run.calls.filter(error="").exists():
            raise CalibrationError(f"run {run.pk} has no completed turn to calibrate from")
    budgets = {run.history_budget for run in runs}
    try:
        return traffic_digest(
            run_calls(runs, ReadProgress(), completed_turns_only=True),
            default_date=today(),
            history_budget=budgets.pop() if len(budgets) == 1 else None,
        )
    except TraceFormatError as exc:
        raise CalibrationError(str(exc)) from None


def runs_calibrate(runs: list[Run]) -> Calibration:
    digest = runs_digest(runs)
    raw = {**digest.fitted.inputs, "as_of": max(run.price_as_of for run in runs).isoformat()}
    try:
        estimate = estimate_compute(raw)
    except EstimateInputError as exc:
        raise CalibrationError(str(exc)) from None
    if digest.actual_cost_usd == 0:
        raise CalibrationError(f"run {runs[0].pk} has no measured cost to compare with")
    result = estimate.approaches[APPROACH]
    return Calibration(
        runs=tuple(runs),
        fitted=digest.fitted,
        estimate=estimate,
        estimated_usd=result.per_session_usd,
        measured_usd=digest.actual_cost_usd / digest.conversations,
        estimated_calls=Decimal(result.model_calls),
        measured_calls=digest.calls,
    )


def run_calibrate(run: Run) -> Calibration:
    return runs_calibrate([run])
