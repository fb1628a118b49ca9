"""A compute budget per client: how many model calls its estimates may simulate each minute.

What an estimate costs is known before it runs (`pricing.engine.planned_model_calls`: its longest
conversation's calls, three ways), from 12 for two turns to 603,000 for the largest allowed workload
(about half a second of CPU). Every endpoint that estimates (the page and its partial, the API, the
charts, the exports, share pages) spends from one budget per client address, in the shared cache, so the
limit holds across workers and app servers. Only computing spends: an estimate already in the cache
(`estimator.estimate_cache`) is free. Over the budget is HTTP 429 with `Retry-After` and a message that
says what the estimate costs and what is left.

    @spends_compute          # on every view that estimates: its estimates spend the client's budget
    def export_live(request, fmt): ...

The decorator makes the request's budget current for the view's duration (a context variable, like an
active translation), so `estimator.services.estimate_priced` charges it without every call in between
passing it on; outside a view (the CLI, the calibration of a measured run) nothing is charged.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from estimator.ratelimit import Limit, client_ip, spend, wants_json

BUDGET_PERIOD = 60  # seconds

Charge = Callable[[int], None]
View = Callable[..., HttpResponse]
_current: ContextVar[Charge | None] = ContextVar("compute_charge", default=None)


class ComputeBudgetExceeded(Exception):
    """An estimate would go over the client's budget; nothing was computed or spent."""

    def __init__(self, calls: int, used: int, limit: Limit, retry_after: int):
        self.calls, self.used, self.limit, self.retry_after = calls, used, limit, retry_after
        left = max(0, limit.limit - used)
        super().__init__(
            f"This estimate simulates {calls:,} model calls and your address has {left:,} of its "
            f"{limit.limit:,} a minute left: try again in {retry_after} seconds, or estimate fewer turns "
            "or tool calls."
        )


def compute_limit() -> Limit:
    """The budget in force: COMPUTE_BUDGET_PER_MINUTE (DJANGO_COMPUTE_BUDGET), or RATELIMITS["compute"]."""
    budget = Limit("compute", settings.COMPUTE_BUDGET_PER_MINUTE, BUDGET_PERIOD, "simulated model calls")
    return budget.configured()


def compute_budget(request: HttpRequest) -> Charge:
    """What an estimate for this request spends, from its client's budget (refused over it)."""
    key = client_ip(request)

    def charge(calls: int) -> None:
        if not getattr(settings, "RATELIMIT_ENABLED", True):
            return
        limit = compute_limit()
        decision = spend(limit, key, calls)
        if not decision.allowed:
            raise ComputeBudgetExceeded(calls, decision.used, limit, decision.retry_after)

    return charge


def over_budget(request: HttpRequest, exc: ComputeBudgetExceeded) -> HttpResponse:
    """HTTP 429: JSON for the API and exports, the results pane for htmx, a page otherwise."""
    message = str(exc)
    if wants_json(request) or request.path.endswith((".json", ".csv", ".svg")):
        response: HttpResponse = JsonResponse({"errors": {"__all__": [message]}}, status=429)
    elif getattr(request, "htmx", False):
        response = render(request, "estimator/over_budget.html#pane", {"message": message}, status=429)
    else:
        # The same URL again, inputs and all (a GET page; a refused share post goes back to the form).
        retry = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        context = {"message": message, "retry_url": retry}
        response = render(request, "estimator/over_budget.html", context, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def current_charge() -> Charge | None:
    """The budget of the request being served, when its view spends compute (`spends_compute`)."""
    return _current.get()


def spends_compute(view: View) -> View:
    """Decorate a view whose estimates spend the client's compute budget; over it, HTTP 429."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = _current.set(compute_budget(request))
        try:
            return view(request, *args, **kwargs)
        except ComputeBudgetExceeded as exc:
            return over_budget(request, exc)
        finally:
            _current.reset(token)

    return wrapped
