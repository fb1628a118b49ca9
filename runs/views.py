"""The run inspector: runs with their totals, a run call by call, and its calibration."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from pricing.catalog import PriceTableError
from runs.calibration import CALIBRATION_TOLERANCE, CalibrationError, run_calibrate
from runs.import_results import fitted_query
from runs.models import Run


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
    except (CalibrationError, PriceTableError) as exc:
        context["error"] = str(exc)
        return render(request, "runs/run_calibration.html", context, status=422)
    context.update(
        calibration=calibration,
        derivations=calibration.fitted.derivations,
        error_percent=calibration.relative_error * 100,
        estimate_query=fitted_query({**calibration.fitted.inputs, "as_of": run.price_as_of.isoformat()}),
    )
    return render(request, "runs/run_calibration.html", context)
