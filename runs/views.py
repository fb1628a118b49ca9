"""The run inspector: runs with their totals, a run call by call, and its calibration."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404, render

from pricing.catalog import PriceTableError
from runs.models import Run
from runs.services import (
    CALIBRATION_TOLERANCE,
    DERIVED_INPUTS,
    CalibrationError,
    MeasureError,
    run_calibrate,
)


def run_list(request):
    return render(request, "runs/run_list.html", {"runs": Run.objects.all()[:200]})


def run_detail(request, run_id: int):
    run = get_object_or_404(Run, pk=run_id)
    return render(request, "runs/run_detail.html", {"run": run, "calls": run.calls.order_by("index")})


def run_calibration(request, run_id: int):
    run = get_object_or_404(Run, pk=run_id)
    context = {"run": run, "tolerance_percent": CALIBRATION_TOLERANCE * 100}
    try:
        calibration = run_calibrate(run)
    except (CalibrationError, MeasureError, PriceTableError) as exc:
        context["error"] = str(exc)
        return render(request, "runs/run_calibration.html", context, status=422)
    inputs = calibration.workload.to_dict()
    derived = {key: inputs[key] for key in DERIVED_INPUTS if key in inputs}
    context.update(
        calibration=calibration,
        inputs=derived.items(),
        error_percent=calibration.relative_error * 100,
        estimate_query=urlencode(
            {
                key: str(value).lower() if isinstance(value, bool) else value
                for key, value in derived.items()
                if value is not None
            }
        ),
    )
    return render(request, "runs/run_calibration.html", context)
