"""Hostile input on /api/estimate: never a 500, every error names its field, nothing stored."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.security.fuzzing import (
    FIELD_NAMES,
    HOSTILE_STRINGS,
    assert_named_errors,
    assert_nothing_stored,
    dumps,
    finite_money,
    fuzz_settings,
    json_values,
    payloads,
    row_counts,
    strict_json,
    text,
)

URL = "/api/estimate"
OK_OR_REFUSED = {200, 400, 413, 415}


def encode(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def check_response(response, sent_keys: set[str]) -> None:
    event(f"HTTP {response.status_code}")
    assert response.status_code in OK_OR_REFUSED, (response.status_code, response.content[:500])
    if response.status_code == 200:
        body = strict_json(response.content)
        assert set(body["approaches"]) == {"assistants", "responses", "chat_completions"}
        for approach in body["approaches"].values():
            assert finite_money(approach["per_month_usd"]), approach["per_month_usd"]
    else:
        assert_named_errors(response, sent_keys)


@pytest.mark.django_db
class TestEstimatePost:
    @fuzz_settings(weight=4)
    @given(payload=payloads)
    @example(payload={"turns_per_session": float("nan")})
    @example(payload={"sessions_per_month": float("inf")})
    @example(payload={"session_minutes": "NaN"})
    @example(payload={"vector_store_gb": "Infinity"})
    @example(payload={"history_limit_tokens": 10**4000})
    @example(payload={"function_calls_per_turn": "1e-999"})
    @example(payload={"model": {"$ne": None}})
    @example(payload={"as_of": ["2026-01-01"]})
    @example(payload={"\ud800": 1})
    @example(payload={"x" * 5000: 1})
    def test_random_payloads(self, client, price_table, payload):
        before = row_counts()
        response = client.post(URL, data=dumps(payload), content_type="application/json")
        check_response(response, set(payload))
        assert_nothing_stored(before)

    @fuzz_settings(weight=1)
    @given(value=json_values)
    def test_any_json_document(self, client, price_table, value):
        """Top-level arrays, strings, numbers: refused as a body error."""
        before = row_counts()
        response = client.post(URL, data=dumps(value), content_type="application/json")
        if isinstance(value, dict):
            check_response(response, set(value))
        else:
            assert response.status_code == 400
            assert set(assert_named_errors(response)) == {"body"}
        assert_nothing_stored(before)

    @fuzz_settings(weight=1)
    @given(raw=st.binary(max_size=300))
    @example(raw=b"")
    @example(raw=b"\xff\xfe{\x00}\x00")
    @example(raw=b'{"turns_per_session": NaN}')
    @example(raw=b'{"turns_per_session": Infinity}')
    @example(raw=b'{"turns_per_session": -Infinity}')
    @example(raw=b'{"turns_per_session": 1e999}')
    @example(raw=b'{"turns_per_session": 8,}')
    @example(raw=b'{"turns_per_session": 8, "turns_per_session": "x"}')
    @example(raw=b'{"a": "\\ud800"}')
    def test_raw_bytes(self, client, price_table, raw):
        before = row_counts()
        response = client.post(URL, data=raw, content_type="application/json")
        try:
            sent = json.loads(raw)
        except ValueError:
            sent = None
        check_response(response, set(sent) if isinstance(sent, dict) else set())
        assert_nothing_stored(before)

    @pytest.mark.parametrize("depth", [21, 100, 1000, 100_000])
    @pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
    def test_deep_json(self, client, price_table, depth, opener, closer):
        before = row_counts()
        inner = opener * depth + "1" + closer * depth
        for body in (inner, '{"turns_per_session": ' + inner + "}"):
            response = client.post(URL, data=body, content_type="application/json")
            assert response.status_code in {400, 413}, response.content[:300]
            errors = assert_named_errors(response)
            assert set(errors) <= {"body", "turns_per_session"}
        assert_nothing_stored(before)

    @pytest.mark.parametrize("megabytes", [1, 5])
    def test_several_megabyte_body(self, client, price_table, megabytes):
        before = row_counts()
        padding = "x" * (megabytes * 1024 * 1024)
        response = client.post(URL, data=json.dumps({"model": padding}), content_type="application/json")
        assert response.status_code == 413
        assert set(assert_named_errors(response)) == {"body"}
        assert_nothing_stored(before)

    def test_lying_content_length(self, client, price_table):
        response = client.post(URL, data=b"{}", content_type="application/json", CONTENT_LENGTH="-1")
        assert response.status_code in {400, 413}
        assert_named_errors(response)
        response = client.post(URL, data=b"{}", content_type="application/json", CONTENT_LENGTH="abc")
        assert response.status_code in {400, 413}
        assert_named_errors(response)

    @pytest.mark.parametrize(
        "content_type",
        ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "json"],
    )
    def test_wrong_content_type(self, client, price_table, content_type):
        response = client.post(URL, data=b'{"turns_per_session": 2}', content_type=content_type)
        assert response.status_code == 415
        assert set(assert_named_errors(response)) == {"body"}

    def test_every_field_named_when_all_bad(self, client, price_table):
        """One payload with every field wrong: each one comes back by name."""
        payload: dict[str, object] = {name: {"nested": ["object"]} for name in FIELD_NAMES}
        payload["model"] = 12
        response = client.post(URL, data=json.dumps(payload), content_type="application/json")
        assert response.status_code == 400
        errors = assert_named_errors(response, set(payload))
        assert set(errors) == set(payload)


@pytest.mark.django_db
class TestEstimateGet:
    @fuzz_settings(weight=2)
    @given(
        pairs=st.lists(
            st.tuples(
                st.sampled_from(FIELD_NAMES) | text | st.just("as_of"),
                text | st.integers().map(str) | st.sampled_from(HOSTILE_STRINGS),
            ),
            max_size=8,
        )
    )
    def test_random_query_strings(self, client, price_table, pairs):
        before = row_counts()
        query = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
        response = client.get(f"{URL}?{query}")
        # Django decodes the query string as UTF-8 with replacement characters, as this does.
        check_response(response, {unquote(encode(k), errors="replace") for k, _ in pairs})
        assert_nothing_stored(before)

    @fuzz_settings(weight=1)
    @given(raw=st.binary(max_size=200))
    def test_raw_query_bytes(self, client, price_table, raw):
        """Undecodable, half-escaped, repeated: whatever the query string holds."""
        before = row_counts()
        query = quote(raw, safe="=&%+;")
        response = client.get(f"{URL}?{query}")
        assert response.status_code in OK_OR_REFUSED, response.content[:300]
        if response.status_code != 200:
            body = strict_json(response.content)
            assert body["errors"]
        assert_nothing_stored(before)

    def test_each_field_names_itself(self, client, price_table):
        for name in FIELD_NAMES:
            for value in ["NaN", "Infinity", "-1e999", "9" * 50, "<script>", "\u202e1", "1\x00"]:
                response = client.get(URL, {name: value})
                assert response.status_code == 400, f"{name}={value!r} was accepted"
                errors = assert_named_errors(response, {name})
                assert set(errors) == {name}, errors

    @pytest.mark.parametrize("model", ["\x00", "gpt-4.1\x00", "a\x00b"])
    def test_nul_byte_in_model(self, client, price_table, model):
        for response in (
            client.get(URL, {"model": model}),
            client.post(URL, data=json.dumps({"model": model}), content_type="application/json"),
        ):
            assert response.status_code == 400
            assert set(assert_named_errors(response, {"model"})) == {"model"}

    def test_other_methods(self, client, price_table):
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(URL, data="{}", content_type="application/json")
            assert response.status_code == 405
