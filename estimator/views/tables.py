"""Two tables beside the estimator: the readable price table and every model for one workload.

Each is a whole page for a plain GET and its table alone for htmx (the filter form, or the estimator's
results loading the models table as their own fragment).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from estimator.budget import spends_compute
from estimator.compare import models_compare
from estimator.forms import parsed_inputs, raw_inputs
from estimator.htmx import HtmxRequest
from estimator.price_table import price_table_page
from estimator.services import EstimateInputError


def _fragment(request: HtmxRequest) -> bool:
    return bool(request.htmx) and not request.htmx.boosted


@require_safe
def prices(request: HtmxRequest) -> HttpResponse:
    page = price_table_page(request.GET)
    template = "estimator/prices.html" + ("#price_table" if _fragment(request) else "")
    return render(request, template, {"page": page})


@require_safe
@spends_compute
def compare(request: HtmxRequest) -> HttpResponse:
    """Every model priced for the inputs in the query string (the estimator's own)."""
    template = "estimator/compare.html" + ("#models_table" if _fragment(request) else "")
    try:
        table = models_compare(
            parsed_inputs(raw_inputs(request.GET)), show_older=bool(request.GET.get("older_models"))
        )
    except EstimateInputError as exc:
        return render(request, template, {"errors": exc.errors, "query": request.GET.urlencode()}, status=400)
    return render(request, template, {"table": table, "query": request.GET.urlencode()})
