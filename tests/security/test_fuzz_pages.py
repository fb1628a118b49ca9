"""Hostile input on the browser endpoints: the form page (full and htmx), share creation, the token
counter, exports and share links. Never a 500, errors next to the field they are about, nothing stored
from a rejected request, and user text never comes back unescaped."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from estimator.models import Scenario
from estimator.tokencount import TEXT_FIELDS
from tests.security.fuzzing import (
    FIELD_NAMES,
    HOSTILE_STRINGS,
    assert_named_errors,
    assert_nothing_stored,
    fuzz_settings,
    row_counts,
    strict_json,
    text,
)

# Payloads that do harm if they reach the page unescaped. Each must never appear verbatim.
XSS = [
    '<script>alert("xss")</script>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" autofocus onfocus="alert(1)',
    "' onmouseover='alert(1)",
    "</textarea><script>alert(1)</script>",
    "</title><svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<!--",
    "]]><script>alert(1)</script>",
    "{{ csp_nonce }}",
    '<div hx-get="/admin/" hx-trigger="load">',
]
xss = st.sampled_from(XSS)
form_value = text | xss | st.integers().map(str) | st.sampled_from(HOSTILE_STRINGS)
ERROR_P = re.compile(r'<p class="error" (?:id="err-|data-token-error=")([\w]+)"[^>]*>(.*?)</p>', re.S)


def encode(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def form_body(pairs) -> bytes:
    return "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs).encode()


def assert_escaped(response, sent_values) -> None:
    html = response.content.decode("utf-8", "replace")
    for value in sent_values:
        if isinstance(value, str) and re.search(r"[<>\"']", value) and len(value) >= 4:
            assert value not in html, f"unescaped user text in the page: {value!r}"


def erred_fields(response) -> set[str]:
    return {name for name, body in ERROR_P.findall(response.content.decode()) if body.strip()}


def check_page(response, pairs: list[tuple[str, str]]) -> None:
    event(f"HTTP {response.status_code}")
    assert response.status_code in {200, 400}, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("text/html")
    assert_escaped(response, [value for _, value in pairs])
    fields = erred_fields(response)
    if response.status_code == 400:
        assert fields, "a 400 page with no field error"
    # Every error shown sits next to a field the request sent (or the model the page defaulted).
    assert fields <= {key for key, _ in pairs} | {"model"}, (fields, sorted(key for key, _ in pairs))


field_pairs = st.lists(
    st.tuples(st.sampled_from(FIELD_NAMES) | text, form_value),
    max_size=6,
)


@pytest.mark.django_db
class TestFormPage:
    @fuzz_settings(weight=0.5)
    @given(pairs=field_pairs, htmx=st.booleans())
    @example(pairs=[(name, XSS[0]) for name in FIELD_NAMES], htmx=False)
    @example(pairs=[(name, XSS[3]) for name in FIELD_NAMES], htmx=True)
    def test_random_queries(self, client, price_table, pairs, htmx):
        before = row_counts()
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.get("/?" + form_body(pairs).decode(), **headers)
        check_page(response, pairs)
        assert_nothing_stored(before)

    def test_every_field_hostile_at_once(self, client, price_table):
        for payload in XSS:
            response = client.get("/", {name: payload for name in FIELD_NAMES})
            assert response.status_code == 400
            assert_escaped(response, [payload])
            # The model is looked up only once the other inputs parse, so it may not be listed yet; the
            # form reads the histogram box only with the histogram distribution, not a hostile one.
            assert erred_fields(response) >= set(FIELD_NAMES) - {"model", "turns_histogram"}


@pytest.mark.django_db
class TestShare:
    @fuzz_settings(weight=0.5)
    @given(pairs=field_pairs)
    @example(pairs=[(name, XSS[1]) for name in FIELD_NAMES])
    @example(pairs=[("turns_per_session", "2"), ("model", "gpt-4.1")])
    def test_random_share_posts(self, client, price_table, settings, pairs):
        settings.RATELIMIT_ENABLED = False
        before = row_counts()
        response = client.post("/share", form_body(pairs), content_type="application/x-www-form-urlencoded")
        if response.status_code == 302:
            event("shared")
            assert re.fullmatch(r"/s/[A-Za-z0-9_-]{16}", response["Location"]), response["Location"]
            after = row_counts()
            assert after.pop("estimator.Scenario") == before.pop("estimator.Scenario") + 1
            assert after == before
        else:
            check_page(response, pairs)
            assert response.status_code == 400
            assert_nothing_stored(before)

    def test_share_links_are_not_enumerable(self, client, price_table, settings):
        settings.RATELIMIT_ENABLED = False
        slugs = set()
        for n in range(5):
            response = client.post("/share", {"turns_per_session": str(n + 1)})
            slugs.add(response["Location"].rsplit("/", 1)[-1])
        assert len(slugs) == 5
        for slug in slugs:
            # 16 URL-safe characters from 12 random bytes: 96 bits, no sequence to walk.
            assert re.fullmatch(r"[A-Za-z0-9_-]{16}", slug)
        assert not {str(pk) for pk in Scenario.objects.values_list("pk", flat=True)} & slugs
        scenario = Scenario.objects.first()
        assert scenario is not None
        assert client.get(f"/s/{scenario.pk}").status_code == 404

    def test_share_is_rate_limited_per_client(self, client, price_table):
        """The real limit on the real view: the 21st share in 10 minutes is refused, nothing stored."""
        for n in range(20):
            assert client.post("/share", {"turns_per_session": "3"}).status_code == 302, n
        before = row_counts()
        response = client.post("/share", {"turns_per_session": "3"})
        assert response.status_code == 429
        assert "Too many share links" in response.content.decode()
        assert int(response["Retry-After"]) > 0
        assert_nothing_stored(before)
        # Another client is not affected; a forged X-Forwarded-For does not make a new client.
        assert client.post("/share", {"turns_per_session": "3"}, REMOTE_ADDR="192.0.2.44").status_code == 302
        forged = client.post("/share", {"turns_per_session": "3"}, HTTP_X_FORWARDED_FOR="192.0.2.99")
        assert forged.status_code == 429

    @pytest.mark.parametrize(
        "path",
        [
            "/s/AAAAAAAAAAAAAAAA",
            "/s/' OR 1=1 --",
            "/s/%00",
            "/s/" + "a" * 5000,
            "/s/<script>",
            "/s/..%2F..%2Fetc%2Fpasswd",
            "/s/AAAAAAAAAAAAAAAA.csv",
            "/s/AAAAAAAAAAAAAAAA.exe",
            "/export.exe",
            "/export.",
        ],
    )
    def test_unknown_links_are_404(self, client, price_table, path):
        response = client.get(path)
        assert response.status_code == 404
        assert b"<script>" not in response.content


@pytest.mark.django_db
class TestExports:
    @fuzz_settings(weight=0.3)
    @given(pairs=field_pairs, fmt=st.sampled_from(["csv", "json"]))
    def test_random_live_exports(self, client, price_table, pairs, fmt):
        before = row_counts()
        response = client.get(f"/export.{fmt}?" + form_body(pairs).decode())
        event(f"HTTP {response.status_code}")
        assert response.status_code in {200, 400}, response.content[:300]
        if response.status_code == 400:
            errors = assert_named_errors(response, {k for k, _ in pairs})
            assert set(errors) <= {k for k, _ in pairs} | {"model"}
        elif fmt == "json":
            strict_json(response.content)
        assert_nothing_stored(before)


TEXTS = list(TEXT_FIELDS)


@pytest.mark.django_db
class TestTokenCounter:
    @fuzz_settings(weight=0.5)
    @given(
        texts=st.dictionaries(st.sampled_from(TEXTS), text | xss | st.text(max_size=400), max_size=4),
        extra=field_pairs,
        htmx=st.booleans(),
    )
    @example(texts={name: XSS[0] for name in TEXTS}, extra=[], htmx=False)
    @example(texts={name: XSS[2] for name in TEXTS}, extra=[], htmx=True)
    @example(
        texts={"tools_json": '[{"type": "function", "function": {"name": "<b>x</b>"}}]'}, extra=[], htmx=False
    )
    @example(texts={"tools_json": "NaN"}, extra=[], htmx=True)
    @example(texts={"system_prompt": "\ud800"}, extra=[], htmx=False)
    def test_random_texts(self, client, price_table, settings, texts, extra, htmx):
        settings.RATELIMIT_ENABLED = False
        before = row_counts()
        pairs = list(texts.items()) + extra
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(
            "/tokens/count", form_body(pairs), content_type="application/x-www-form-urlencoded", **headers
        )
        event(f"HTTP {response.status_code}")
        assert response.status_code in {200, 400}, (response.status_code, response.content[:300])
        assert_escaped(response, [v for _, v in pairs])
        fields = erred_fields(response)
        assert fields <= set(TEXTS) | {k for k, _ in extra} | {"model"}, fields
        assert_nothing_stored(before)

    @pytest.mark.parametrize("htmx", [False, True])
    def test_deeply_nested_tools_json(self, client, price_table, htmx):
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        body = form_body([("tools_json", "[" * 100_000 + "]" * 100_000)])
        response = client.post(
            "/tokens/count", body, content_type="application/x-www-form-urlencoded", **headers
        )
        assert response.status_code in {200, 400}
        assert "tools_json" in erred_fields(response)

    def test_nul_byte_in_model(self, client, price_table):
        body = form_body([("system_prompt", "hello"), ("model", "gpt-4.1\x00")])
        response = client.post("/tokens/count", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code in {200, 400}
        response = client.get("/", {"model": "gpt-4.1\x00"})
        assert response.status_code == 400
        assert "model" in erred_fields(response)

    @pytest.mark.parametrize("megabytes", [3, 8])
    def test_several_megabytes_of_text(self, client, price_table, megabytes):
        before = row_counts()
        body = b"system_prompt=" + b"a" * (megabytes * 1024 * 1024)
        response = client.post("/tokens/count", body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400
        assert "system_prompt" in erred_fields(response)
        assert_nothing_stored(before)

    def test_wrong_content_type(self, client, price_table):
        response = client.post("/tokens/count", {"system_prompt": "hi"})  # multipart
        assert response.status_code == 400
        assert "system_prompt" in erred_fields(response)

    def test_token_counting_is_rate_limited(self, client, price_table, settings):
        settings.RATELIMITS = {"tokens": (3, 600)}
        for _ in range(3):
            response = client.post(
                "/tokens/count", b"system_prompt=hi", content_type="application/x-www-form-urlencoded"
            )
            assert response.status_code == 200
        response = client.post(
            "/tokens/count", b"system_prompt=hi", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 429
