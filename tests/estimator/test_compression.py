"""Pages, SVG charts and JSON go out gzipped to clients that accept it, with Django's random padding of
the gzip header (its mitigation for BREACH-style attacks) on; clients that do not ask get plain bodies."""

from __future__ import annotations

import gzip

import pytest

from estimator.charts import CHART_KEYS
from pricing.sync import sync_prices

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
URLS = {
    "/": "text/html; charset=utf-8",
    "/how-we-calculate": "text/html; charset=utf-8",
    f"/chart/{CHART_KEYS[0]}.svg?turns_per_session=4": "image/svg+xml; charset=utf-8",
    "/api/estimate?turns_per_session=4": "application/json",
    "/api/prices": "application/json",
}


@pytest.fixture
def price_table(db):
    sync_prices()


def padding_length(body: bytes) -> int:
    """Length of the random file name Django writes into the gzip header (the FNAME field)."""
    assert body[3] == gzip.FNAME
    return body.index(b"\x00", 10) - 10


@pytest.mark.django_db
def test_pages_charts_and_json_are_gzipped_and_decompress_to_the_plain_body(client, price_table):
    for url, content_type in URLS.items():
        plain = client.get(url)
        packed = client.get(url, **GZIP)
        assert plain.status_code == packed.status_code == 200, url
        assert packed["Content-Type"] == content_type, url
        assert packed["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in packed["Vary"], url
        assert "Content-Encoding" not in plain, url
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 2, url
        if "/chart/" in url or "/api/" in url:  # deterministic bodies: the same bytes either way
            assert gzip.decompress(packed.content) == plain.content, url
        else:
            assert gzip.decompress(packed.content).decode().startswith("<!doctype html>"), url


@pytest.mark.django_db
def test_the_gzip_header_carries_random_padding(client, price_table):
    lengths = {padding_length(client.get("/api/prices", **GZIP).content) for _ in range(20)}
    assert len(lengths) > 1
    assert all(0 <= length < 100 for length in lengths)


def test_tiny_responses_are_not_worth_compressing(client):
    response = client.get("/healthz", **GZIP)
    assert response.content == b"ok"
    assert "Content-Encoding" not in response
