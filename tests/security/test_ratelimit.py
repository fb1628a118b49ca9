"""estimator.ratelimit: per-client limits on Django's cache, 429 with a message that says why."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from estimator.ratelimit import Limit, client_ip, hit, ratelimit, spend

rf = RequestFactory()


@ratelimit("test-share", limit=3, period=60, what="shared links")
def share_view(request):
    return HttpResponse("created", status=201)


def post(ip="203.0.113.7", path="/s/new", **extra):
    return share_view(rf.post(path, REMOTE_ADDR=ip, **extra))


def test_allows_up_to_the_limit_then_429_with_retry_after():
    assert [post().status_code for _ in range(3)] == [201, 201, 201]
    response = post()
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    assert b"Too many shared links from your address: try again in" in response.content
    assert response["Content-Type"].startswith("text/html")


def test_json_clients_get_the_api_error_shape():
    for _ in range(3):
        post(path="/api/share")
    response = post(path="/api/share")
    assert response.status_code == 429
    body = json.loads(response.content)
    assert list(body["errors"]) == ["__all__"]
    assert body["errors"]["__all__"][0].startswith("Too many shared links")
    for _ in range(3):
        post(ip="198.51.100.1", HTTP_ACCEPT="application/json")
    assert post(ip="198.51.100.1", HTTP_ACCEPT="application/json")["Content-Type"] == "application/json"


def test_each_client_has_its_own_count():
    for _ in range(3):
        post(ip="203.0.113.1")
    assert post(ip="203.0.113.1").status_code == 429
    assert post(ip="203.0.113.2").status_code == 201


def test_only_listed_methods_count():
    for _ in range(10):
        assert share_view(rf.get("/s/new", REMOTE_ADDR="203.0.113.9")).status_code == 201
    assert post(ip="203.0.113.9").status_code == 201


def test_spoofed_forwarded_for_is_ignored_without_trusted_proxies():
    for n in range(3):
        post(HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    assert post(HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


@override_settings(PROXY_COUNT=1)
def test_behind_one_proxy_the_last_forwarded_address_is_the_client():
    request = rf.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.20")
    assert client_ip(request) == "198.51.100.20"  # what the proxy saw; 1.2.3.4 is the client's claim
    for _ in range(3):
        post(ip="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert post(ip="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 429
    assert post(ip="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.21").status_code == 201


def test_ipv6_clients_share_their_slash_64():
    assert client_ip(rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64"
    assert client_ip(rf.get("/", REMOTE_ADDR="::ffff:192.0.2.5")) == "192.0.2.5"
    assert client_ip(rf.get("/", REMOTE_ADDR="not an address")) == "unknown"
    for n in range(3):
        post(ip=f"2001:db8:1:2::{n + 1}")
    assert post(ip="2001:db8:1:2::ffff").status_code == 429


def test_the_window_resets():
    now = 1_000_000 * 60.0
    assert [hit("w", "k", 2, 60, now=now)[0] for _ in range(3)] == [True, True, False]
    assert hit("w", "k", 2, 60, now=now + 60)[0] is True


@override_settings(RATELIMITS={"test-share": (1, 60)})
def test_settings_override_the_numbers():
    assert post().status_code == 201
    assert post().status_code == 429


@override_settings(RATELIMIT_ENABLED=False)
def test_can_be_switched_off():
    assert all(post().status_code == 201 for _ in range(10))


BUDGET = Limit("test-budget", limit=1000, period=60, what="simulated model calls")
NOW = 2_000_000 * 60.0


def test_a_budget_is_a_limit_on_a_sum_of_weighted_amounts():
    assert spend(BUDGET, "client", 600, now=NOW).used == 600
    assert spend(BUDGET, "client", 400, now=NOW).used == 1000
    refused = spend(BUDGET, "client", 1, now=NOW + 30)
    assert refused.allowed is False
    assert refused.used == 1000
    assert refused.retry_after == 30


def test_a_refused_amount_is_not_spent_so_a_smaller_one_still_fits():
    spend(BUDGET, "client", 700, now=NOW)
    assert spend(BUDGET, "client", 400, now=NOW).allowed is False
    fits = spend(BUDGET, "client", 300, now=NOW)
    assert (fits.allowed, fits.used) == (True, 1000)


def test_an_amount_over_the_whole_budget_is_refused_even_in_a_fresh_window():
    decision = spend(BUDGET, "client", 1001, now=NOW)
    assert (decision.allowed, decision.used) == (False, 0)
    assert spend(BUDGET, "client", 1000, now=NOW).allowed is True


def test_a_negative_amount_is_a_programming_error():
    with pytest.raises(ValueError, match="negative"):
        spend(BUDGET, "client", -1, now=NOW)


@override_settings(RATELIMITS={"test-budget": (10, 60)})
def test_settings_override_a_budget_too():
    limit = BUDGET.configured()
    assert (limit.limit, limit.period, limit.what) == (10, 60, "simulated model calls")
    assert spend(limit, "client", 11, now=NOW).allowed is False


def test_a_client_over_its_limit_is_refused_without_a_write(monkeypatch):
    # A flood of refused requests must not queue on the database cache's write lock.
    budget = Limit("test-budget", 1000, 60)
    assert spend(budget, "203.0.113.9", 900, now=120.0).allowed

    def no_write(*args, **kwargs):
        raise AssertionError("a refused spend wrote to the cache")

    for name in ("add", "incr", "decr", "set"):
        monkeypatch.setattr(cache, name, no_write)
    decision = spend(budget, "203.0.113.9", 200, now=121.0)
    assert (decision.allowed, decision.used, decision.retry_after) == (False, 900, 59)
