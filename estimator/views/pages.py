"""The estimator page and the "How we calculate" page.

One URL serves the form and its results: a plain GET (JavaScript off, or a bookmarked link) renders
the whole page; an htmx request from the form renders only the results partial, or, when the inputs
cannot be priced, only the list of errors (the last good results stay on the page, marked out of date);
the model picker's "show older models" asks for the picker alone.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django_htmx.http import reswap, retarget

from estimator.budget import spends_compute
from estimator.forms import TOKEN_FIELDS
from estimator.howto import how_we_calculate_context
from estimator.htmx import HtmxRequest
from estimator.page import estimator_page

TEMPLATE = "estimator/estimator.html"


@require_safe
@spends_compute
def estimator(request: HtmxRequest) -> HttpResponse:
    partial = bool(request.htmx) and not request.htmx.boosted
    target = request.htmx.target if partial else None
    page = estimator_page(request.GET, with_form=not partial or target == "model-picker")
    # A new model offers other tiers, and a tier it lacks stays choosable only while chosen: after either
    # changes, site.js asks for the tier menu to come back with the results (out of band).
    tiers = request.headers.get("X-Tier-Menu") == "1"
    context = {**page.as_context(), "token_fields": TOKEN_FIELDS, "tier_menu": tiers}
    if target == "model-picker":
        return render(request, f"{TEMPLATE}#model_picker", context)
    if partial and page.results is None:
        response = render(request, f"{TEMPLATE}#results_status", context)
        return reswap(retarget(response, "#results-status"), "outerHTML")
    if partial:
        return render(request, f"{TEMPLATE}#results", context)
    return render(request, TEMPLATE, context, status=400 if page.errors else 200)


@require_safe
def how_we_calculate(request: HttpRequest) -> HttpResponse:
    return render(request, "estimator/how_we_calculate.html", how_we_calculate_context())
