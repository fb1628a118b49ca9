"""Shared pieces of the fuzz tests: hostile values, hypothesis settings, and the invariants.

Examples per test: FUZZ_EXAMPLES (default 300) times the test's weight; `FUZZ_SCALE=10 pytest
tests/security` runs ten times as many. The database is not rolled back between examples of one
test, which is what lets `assert_nothing_stored` see a leak.
"""

from __future__ import annotations

import json
import math
import os
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from pricing.workload import FIELDS, FIELDS_BY_NAME

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
BASE_EXAMPLES = 300


def fuzz_settings(weight: float = 1.0) -> settings:
    return settings(
        max_examples=max(10, int(BASE_EXAMPLES * weight * SCALE)),
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        derandomize=os.environ.get("FUZZ_RANDOM", "") == "",
        database=None,
    )


FIELD_NAMES = [spec.name for spec in FIELDS]

# Text that has broken parsers before: number look-alikes, odd unicode, control characters, markup.
HOSTILE_STRINGS = [
    "",
    " ",
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-inf",
    "1e999",
    "-1e999",
    "1e-999",
    "1E+999999999999",
    "0E-1000000000",
    "1e308",
    "0x10",
    "0b101",
    "0o17",
    "1_000",
    "1,000",
    "1.000,5",
    "--1",
    "+-1",
    "+5",
    "-0",
    "0.",
    ".5",
    "5.",
    "1/2",
    "½",
    "²",
    "①",
    "٣",
    "５",
    "𝟗",
    "1\x00",
    "\x00",
    "\u202e123",
    "\ufeff42",
    "1\u200b2",
    "\ud800",
    "true",
    "false",
    "null",
    "None",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "'; DROP TABLE pricing_tokenprice; --",
    "../../etc/passwd",
    "%00",
    "%s%s%s%n",
    "{{ 7*7 }}",
    "9" * 25,
    "gpt-4.1",
    "gpt-4.1 ",
    "GPT-4.1",
    "standard",
    "flex",
    "fast",
    "priority",
    "1g",
    "64g",
    "auto",
    "last_messages",
    "2026-01-01",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "2026-01-01T00:00:00",
]

HUGE_INTS = [
    0,
    1,
    -1,
    2**31,
    -(2**31),
    2**63,
    -(2**63) - 1,
    10**9,
    10**9 + 1,
    10**20,
    -(10**20),
]

# Long digit strings and huge integers are built, not listed, so hypothesis's reports stay short.
long_digits = st.integers(20, 5000).flatmap(
    lambda n: st.sampled_from(["9" * n, "1" + "0" * n, "0." + "0" * n + "1", "-" + "9" * n])
)
text = st.text(max_size=60) | st.sampled_from(HOSTILE_STRINGS) | long_digits
numbers = (
    st.integers()
    | st.sampled_from(HUGE_INTS)
    | st.integers(20, 4000).map(lambda n: 10**n)
    | st.integers(20, 4000).map(lambda n: -(10**n))
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=False, allow_infinity=False, places=None).map(str)
)
scalars = st.none() | st.booleans() | numbers | text
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)


def _in_range_value(spec) -> st.SearchStrategy:
    """A value the field accepts (small enough that the engine stays fast)."""
    if spec.kind == "int":
        hi = min(int(spec.maximum), 50 if spec.name == "turns_per_session" else int(spec.maximum))
        return st.integers(int(spec.minimum), hi)
    if spec.kind == "optional_int":
        return st.none() | st.integers(int(spec.minimum), int(spec.maximum))
    if spec.kind == "decimal":
        top: Decimal = spec.maximum if spec.maximum is not None else Decimal(10**6)
        if "calls_per_turn" in spec.name:
            top = Decimal(3)
        lo = spec.minimum + (Decimal("0.01") if spec.minimum_exclusive else 0)
        return st.decimals(min_value=lo, max_value=top, places=2).map(str)
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "choice":
        return st.sampled_from(spec.choices)
    return st.sampled_from(["gpt-4.1", "gpt-4o-mini", "gpt-5"])


# Payloads: mostly real field names with hostile or in-range values, sometimes unknown keys.
field_value = st.sampled_from(FIELD_NAMES).flatmap(
    lambda name: st.tuples(st.just(name), json_values | _in_range_value(FIELDS_BY_NAME[name]))
)
unknown_key = st.tuples(text.filter(lambda k: k not in FIELDS_BY_NAME and k != "as_of"), json_values)
as_of_value = st.tuples(st.just("as_of"), text | json_values)
payloads = st.lists(
    st.one_of(field_value, field_value, field_value, unknown_key, as_of_value), max_size=8
).map(dict)


def dumps(payload: object) -> bytes:
    """JSON as a hostile client would send it: NaN/Infinity literals allowed, lone surrogates kept."""

    def default(value):
        if isinstance(value, Decimal):
            return str(value)
        raise TypeError(type(value))

    return json.dumps(payload, allow_nan=True, default=default).encode("utf-8", "surrogatepass")


def row_counts() -> dict[str, int]:
    """Rows in every table the project has (models whose migration has not landed yet are skipped)."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.db_table in tables
    }


def assert_nothing_stored(before: dict[str, int]) -> None:
    after = row_counts()
    changed = {
        label: (before.get(label), count) for label, count in after.items() if before.get(label) != count
    }
    assert not changed, f"a request changed stored rows: {changed}"


def strict_json(raw: bytes) -> Any:
    """Parse a response body, refusing NaN/Infinity (a JSON client would choke on them)."""

    def refuse(name):
        raise AssertionError(f"response contains {name}")

    return json.loads(raw, parse_constant=refuse)


def assert_named_errors(response, sent_keys: set[str] | None = None, allowed: frozenset[str] = frozenset()):
    """A 4xx JSON body {"errors": {field: [message, ...]}} whose every key names a field."""
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = strict_json(response.content)
    assert set(body) == {"errors"}, body
    errors = body["errors"]
    assert isinstance(errors, dict) and errors, body
    known = set(FIELD_NAMES) | {"as_of", "body"} | set(allowed)
    for key, messages in errors.items():
        assert isinstance(key, str), body
        assert isinstance(messages, list) and messages, body
        assert all(isinstance(m, str) and m.strip() for m in messages), body
        if key in known:
            continue
        assert sent_keys is not None, f"error key {key!r} names no field: {body}"
        assert any(str(k)[:100] == key for k in sent_keys), f"error key {key!r} is not a sent key: {body}"
    return errors


def finite_money(value: str) -> bool:
    try:
        number = Decimal(value)
    except Exception:
        return False
    return number.is_finite() and not math.isnan(float(number))
