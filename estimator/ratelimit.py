"""A small per-client rate limiter on Django's cache.

    from estimator.ratelimit import ratelimit

    @ratelimit("share", limit=20, period=600)       # 20 POSTs per client per 10 minutes
    def share_create(request): ...

Only the listed methods count (POST by default), so GET on the same view is free. Over the
limit the view is not called: the answer is HTTP 429 with a Retry-After header and a message that
says what happened: `{"errors": {"__all__": [...]}}` for JSON clients (paths under /api/, or an
Accept header that asks for JSON), a short HTML fragment otherwise (htmx swaps it if told to).

The client is REMOTE_ADDR, or with DJANGO_PROXY_COUNT=N the address N hops from the right of
X-Forwarded-For (what the trusted proxies saw, not what the client claims). IPv6 clients are
counted per /64, since one host usually holds the whole prefix.

Counts are fixed windows in the "default" cache: LocMemCache in development (per process), the
shared database cache in production (every gunicorn worker on the machine counts against the same
limit), Redis with CACHE_URL=redis://... (every app server counts against the same limit). Each count
is one atomic increment (`spend`); `Limit` and `spend` also count weighted amounts, so a budget (a
limit on a sum, such as simulated model calls per minute) is one more `Limit`.
Settings: RATELIMIT_ENABLED (default True); RATELIMITS = {"share": (limit, period)} overrides a
limit's numbers by name.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html


def client_ip(request: HttpRequest) -> str:
    """The client's address as the trusted edge saw it, normalised (IPv6 as its /64)."""
    raw = request.META.get("REMOTE_ADDR", "")
    hops = getattr(settings, "PROXY_COUNT", 0)
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            raw = forwarded[-hops]
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return "unknown"
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class Limit:
    """At most `limit` units per client per `period` seconds, in fixed windows. A unit is one request
    for a plain rate limit, or whatever a request costs (say, simulated model calls) for a budget."""

    name: str
    limit: int
    period: int
    what: str = "requests"

    def configured(self) -> Limit:
        """This limit with the numbers from settings.RATELIMITS[name], when set there."""
        override = getattr(settings, "RATELIMITS", {}).get(self.name)
        if override is None:
            return self
        return replace(self, limit=override[0], period=override[1])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    used: int  # units spent in this window, this request's included when allowed
    retry_after: int  # seconds until the window resets


def spend(limit: Limit, key: str, amount: int = 1, now: float | None = None) -> Decision:
    """Spend `amount` units of `limit` for client `key`; refused (and not spent) when it would go over.

    One atomic increment in the shared cache (Redis INCRBY, locmem's lock, AtomicDatabaseCache's row
    lock): concurrent requests on any number of workers and machines never lose a count. A refused
    amount is given back, so a client over the limit can still spend what fits in the window.
    """
    if amount < 0:
        raise ValueError("a rate-limit amount cannot be negative")
    now = time.time() if now is None else now
    window = int(now // limit.period)
    cache_key = f"ratelimit:{limit.name}:{key}:{window}"
    retry_after = max(1, math.ceil((window + 1) * limit.period - now))
    # A client already over the limit is refused on a read: a flood of refused requests writes nothing
    # (on the database cache every write takes the write lock every other request waits for).
    spent = cache.get(cache_key)
    if isinstance(spent, int) and spent + amount > limit.limit:
        return Decision(False, spent, retry_after)
    # add() stores the first amount of a window; afterwards incr() adds atomically.
    if cache.add(cache_key, amount, timeout=limit.period + 1):
        used = amount
    else:
        try:
            used = cache.incr(cache_key, amount)
        except ValueError:  # expired between add() and incr(): this window starts over
            cache.set(cache_key, amount, timeout=limit.period + 1)
            used = amount
    if used > limit.limit:
        try:
            cache.decr(cache_key, amount)
        except ValueError:  # the window ended meanwhile: nothing left to give back
            pass
        return Decision(False, used - amount, retry_after)
    return Decision(True, used, retry_after)


def hit(name: str, key: str, limit: int, period: int, now: float | None = None) -> tuple[bool, int]:
    """Count one request for (name, key); return (allowed, seconds until the window resets)."""
    decision = spend(Limit(name, limit, period), key, 1, now)
    return decision.allowed, decision.retry_after


def wants_json(request: HttpRequest) -> bool:
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def too_many(request: HttpRequest, what: str, retry_after: int) -> HttpResponse:
    minutes = math.ceil(retry_after / 60)
    wait = f"{retry_after} seconds" if retry_after < 120 else f"{minutes} minutes"
    message = f"Too many {what} from your address: try again in {wait}."
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"errors": {"__all__": [message]}}, status=429)
    else:
        response = HttpResponse(
            format_html('<p class="error" role="alert" data-error="rate-limit">{}</p>', message),
            status=429,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(retry_after)
    return response


def ratelimit(
    name: str,
    *,
    limit: int,
    period: int,
    methods: tuple[str, ...] = ("POST",),
    what: str = "requests",
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: at most `limit` `methods` requests per client per `period` seconds."""

    the_limit = Limit(name, limit, period, what)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method in methods and getattr(settings, "RATELIMIT_ENABLED", True):
                decision = spend(the_limit.configured(), client_ip(request))
                if not decision.allowed:
                    return too_many(request, what, decision.retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
