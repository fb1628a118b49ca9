"""Share links and exports: save a scenario, show it read-only, download it as CSV or JSON."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST, require_safe

from estimator.budget import spends_compute
from estimator.charts import CHART_KEYS, SIZES, chart_svg
from estimator.exports import estimate_csv, estimate_json
from estimator.forms import parsed_inputs, raw_inputs
from estimator.models import Scenario
from estimator.page import estimator_page
from estimator.ratelimit import ratelimit
from estimator.scenarios import SharedView, save_scenario, shared_view
from estimator.services import EstimateInputError, estimate_compute
from pricing.engine import Estimate


@require_POST
@ratelimit("share", limit=20, period=600, what="share links")  # each share is a row kept forever
@spends_compute
def share(request: HttpRequest) -> HttpResponse:
    try:
        scenario = save_scenario(parsed_inputs(raw_inputs(request.POST)))  # what the form estimates
    except EstimateInputError:
        # Same form, same values, errors next to their fields: nothing typed is lost.
        page = estimator_page(request.POST)
        return render(request, "estimator/estimator.html", page.as_context(), status=400)
    return redirect("scenario", slug=scenario.slug, permanent=False)


@require_safe
@spends_compute
def scenario(request: HttpRequest, slug: str) -> HttpResponse:
    view: SharedView = shared_view(get_object_or_404(Scenario, slug=slug))
    return render(request, "estimator/scenario.html", {"shared": view, "results": view.results})


def _check_format(fmt: str) -> None:
    if fmt not in ("csv", "json"):
        raise Http404("Exports come as .csv or .json.")


def _download(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@spends_compute
def export_live(request: HttpRequest, fmt: str) -> HttpResponse:
    _check_format(fmt)
    try:
        body = estimate_compute(raw_inputs(request.GET)).to_dict()
    except EstimateInputError as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    if fmt == "csv":
        return _download(HttpResponse(estimate_csv(body), content_type="text/csv"), "estimate.csv")
    return _download(JsonResponse(estimate_json(body)), "estimate.json")


@require_safe
@spends_compute
def export_scenario(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    _check_format(fmt)
    view = shared_view(get_object_or_404(Scenario, slug=slug), compare=False)
    body = view.results.estimate.to_dict() if view.results is not None else view.version_1
    if body is None:  # neither v2 results nor a version-1 snapshot: not a link a share makes
        raise Http404("This link has no results to export.")
    name = f"scenario-{view.scenario.slug}"
    if fmt == "csv":
        return _download(HttpResponse(estimate_csv(body), content_type="text/csv"), f"{name}.csv")
    return _download(JsonResponse(estimate_json(body, view.scenario)), f"{name}.json")


# A chart is an image document: pygal's own <style> inside it, nothing else, never a script.
CHART_POLICY = {"default-src": [CSP.NONE], "style-src": [CSP.UNSAFE_INLINE]}


def _svg(request: HttpRequest, result: Estimate, key: str, max_age: int) -> HttpResponse:
    size = request.GET.get("size") or "large"
    if key not in CHART_KEYS or size not in SIZES:
        raise Http404(f"Charts are {', '.join(CHART_KEYS)}, in sizes {', '.join(SIZES)}.")
    response = HttpResponse(chart_svg(result, key, size), content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_safe
@csp_override(CHART_POLICY)
@spends_compute
def chart_live(request: HttpRequest, key: str) -> HttpResponse:
    """A chart of the estimate for the inputs in the query string (the same inputs as the page's)."""
    try:
        result = estimate_compute(raw_inputs(request.GET))
    except EstimateInputError as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    # Today's prices: a short lifetime, so a price edit shows within minutes.
    return _svg(request, result, key, max_age=300)


@require_safe
@csp_override(CHART_POLICY)
@spends_compute
def chart_scenario(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    view = shared_view(get_object_or_404(Scenario, slug=slug), compare=False)
    if view.results is None:
        raise Http404("A link saved under cost model version 1 has no charts: edit a copy to draw them.")
    # A shared scenario never changes: its chart can be kept for a day.
    return _svg(request, view.results.estimate, key, max_age=86400)
