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
shared database cache in production, so every gunicorn worker counts against the same limit.
Settings: RATELIMIT_ENABLED (default True); RATELIMITS = {"share": (limit, period)} overrides a
decorator's numbers by name.
"""

from __future__ import annotations

import ipaddress
import math
import time
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


def hit(name: str, key: str, limit: int, period: int, now: float | None = None) -> tuple[bool, int]:
    """Count one request for (name, key); return (allowed, seconds until the window resets)."""
    now = time.time() if now is None else now
    window = int(now // period)
    cache_key = f"ratelimit:{name}:{key}:{window}"
    # add() is a no-op when the key exists. incr() is atomic on locmem/memcached/redis; on the database
    # cache it reads then writes, so two workers racing can lose a count: the limit is approximate.
    cache.add(cache_key, 0, timeout=period + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=period + 1)
        count = 1
    retry_after = max(1, math.ceil((window + 1) * period - now))
    return count <= limit, retry_after


def wants_json(request: HttpRequest) -> bool:
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def too_many(request: HttpRequest, what: str, retry_after: int) -> HttpResponse:
    minutes = math.ceil(retry_after / 60)
    wait = f"{retry_after} seconds" if retry_after < 120 else f"{minutes} minutes"
    message = f"Too many {what} from your address: try again in {wait}."
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
):
    """Decorate a view: at most `limit` `methods` requests per client per `period` seconds."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method in methods and getattr(settings, "RATELIMIT_ENABLED", True):
                the_limit, the_period = getattr(settings, "RATELIMITS", {}).get(name, (limit, period))
                allowed, retry_after = hit(name, client_ip(request), the_limit, the_period)
                if not allowed:
                    return too_many(request, what, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
