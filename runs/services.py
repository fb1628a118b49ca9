"""Measured runs: measuring lives in `runs.measuring`, calibration in `runs.calibration`; this module is
the door the views and commands import them through, and the price sheet a run is priced with."""

from __future__ import annotations

from datetime import date

from pricing.catalog import PriceTableError, price_sheet_for, today
from pricing.sheet import PriceSheet
from runs.measuring import (
    MeasureError,
    free_offline_port,
    run_measure,
    run_resume,
    run_to_dict,
    script_resolve,
)

# Measuring lives in runs.measuring; its names stay importable from here.
__all__ = [
    "MeasureError",
    "free_offline_port",
    "price_sheet_for_run",
    "run_measure",
    "run_resume",
    "run_to_dict",
    "script_resolve",
]


def price_sheet_for_run(model: str, as_of: date | None = None) -> PriceSheet:
    """The sheet a run is priced with; an unknown model or an empty table is a MeasureError on `model`."""
    try:
        return price_sheet_for(model, as_of or today())
    except PriceTableError as exc:
        raise MeasureError(str(exc), "model") from None
