"""The run inspector: runs with their totals, a run call by call, and its calibration.

Staff only, like the admin: a run holds a whole conversation (system prompt, user messages, tool
arguments and results, replies), the endpoint and its errors. Anonymous visitors are sent to the admin
login; staff without the `runs` app's view permissions get 403.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from pricing.catalog import PriceTableError
from runs.access import staff_permission
from runs.calibration import CALIBRATION_TOLERANCE, CalibrationError, run_calibrate
from runs.import_results import fitted_query
from runs.models import Run


@require_safe
@staff_permission("runs.view_run")
def run_list(request: HttpRequest) -> HttpResponse:
    return render(request, "runs/run_list.html", {"runs": Run.objects.all()[:200]})


@require_safe
@staff_permission("runs.view_run")
@staff_permission("runs.view_call")
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(Run, pk=run_id)
    return render(request, "runs/run_detail.html", {"run": run, "calls": run.calls.order_by("index")})


@require_safe
@staff_permission("runs.view_run")
def run_calibration(request: HttpRequest, run_id: int) -> HttpResponse:
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
