"""The estimator page and the "How we calculate" page.

One URL serves the form and its results: a plain GET (JavaScript off, or a bookmarked link) renders
the whole page; an htmx request from the form renders only the results partial.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from estimator.forms import TOKEN_FIELDS
from estimator.howto import how_we_calculate_context
from estimator.htmx import HtmxRequest
from estimator.results import estimator_page

TEMPLATE = "estimator/estimator.html"


@require_safe
def estimator(request: HtmxRequest) -> HttpResponse:
    page = estimator_page(request.GET)
    context = {**page.as_context(), "token_fields": TOKEN_FIELDS}
    if request.htmx and not request.htmx.boosted:
        return render(request, f"{TEMPLATE}#results", context)
    return render(request, TEMPLATE, context, status=400 if page.errors else 200)


@require_safe
def how_we_calculate(request: HttpRequest) -> HttpResponse:
    return render(request, "estimator/how_we_calculate.html", how_we_calculate_context())
