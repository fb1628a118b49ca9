"""Estimates from raw inputs: the one function the API, the page and the CLI call.

`estimate_compute(raw)` parses the inputs, finds the price sheet in force on `as_of`, and runs the
engine. Every problem comes back as `EstimateInputError` with messages keyed by the field at fault.
"""

from __future__ import annotations

from datetime import date

from estimator.budget import current_charge
from estimator.estimate_cache import estimate_cached, estimate_key
from pricing.catalog import PriceTableError, default_model_id, price_sheet_for, today
from pricing.engine import Estimate, estimate, planned_model_calls
from pricing.sheet import PriceSheet
from pricing.workload import Workload, WorkloadError, parse_workload

EXTRA_INPUTS = frozenset({"as_of"})
EARLIEST_AS_OF = date(2020, 1, 1)


class EstimateInputError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in errors.items()))
        self.errors = errors


def parse_as_of(raw: object) -> date:
    """`as_of` as a date: absent or empty means today."""
    if raw is None or raw == "":
        return today()
    if not isinstance(raw, str):
        raise EstimateInputError({"as_of": ["must be a date as YYYY-MM-DD."]})
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        raise EstimateInputError({"as_of": ["must be a date as YYYY-MM-DD."]}) from None
    if value < EARLIEST_AS_OF or value.year > 2100:
        raise EstimateInputError({"as_of": [f"must be between {EARLIEST_AS_OF} and 2100-12-31."]})
    return value


def workload_and_sheet(raw: dict) -> tuple[Workload, PriceSheet]:
    """Parse inputs and price them: the workload (model filled in) and the sheet in force on `as_of`."""
    try:
        workload = parse_workload(raw, ignore=EXTRA_INPUTS)
    except WorkloadError as exc:
        errors = dict(exc.errors)
        try:
            parse_as_of(raw.get("as_of") if isinstance(raw, dict) else None)
        except EstimateInputError as as_of_error:
            errors.update(as_of_error.errors)
        raise EstimateInputError(errors) from None
    as_of = parse_as_of(raw.get("as_of"))
    try:
        model = workload.model or default_model_id()
        sheet = price_sheet_for(model, as_of)
    except PriceTableError as exc:
        raise EstimateInputError({exc.field: [str(exc)]}) from None
    if workload.service_tier not in sheet.service_tiers:
        offered = ", ".join(sheet.service_tiers)
        raise EstimateInputError(
            {
                "service_tier": [
                    f"{sheet.model} has no {workload.service_tier} tier on {as_of} (offered: {offered})."
                ]
            }
        )
    return workload.replace(model=sheet.model), sheet


def estimate_priced(sheet: PriceSheet, workload: Workload) -> Estimate:
    """The estimate of a workload on a sheet, computed once for identical inputs and prices
    (`estimate_cache`); computing it first spends its simulated calls from the request's compute budget
    (`estimator.budget`), which may refuse with ComputeBudgetExceeded."""
    calls = planned_model_calls(workload)

    def compute() -> Estimate:
        charge = current_charge()
        if charge is not None:
            charge(calls)
        return estimate(sheet, workload)

    result, _computed = estimate_cached(estimate_key(sheet, workload), calls, compute)
    return result


def estimate_compute(raw: dict) -> Estimate:
    """The estimate for raw inputs (an API body, a query string, the form, a CLI scenario)."""
    workload, sheet = workload_and_sheet(raw)
    return estimate_priced(sheet, workload)
