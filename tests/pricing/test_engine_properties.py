"""Properties of the cost engine that must hold for any workload (hypothesis)."""

from decimal import Decimal as D
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.engine import APPROACHES, estimate, trace_calls
from pricing.sheet import LongContextRates
from pricing.workload import Workload
from tests.sheets import rates, sheet

# Realistic price ratios: a cache write costs more than plain input, a cache read far less, and the
# long-context tier costs more than the standard one; a small threshold so workloads here cross it.
WITH_WRITES = sheet(
    rates("2", "0.2", "2.5", "10"),
    long_context=LongContextRates(D("4"), D("0.4"), D("5"), D("15"), threshold_tokens=6000),
    context_window=40_000,
)
READS_ONLY = sheet(rates("2", "0.5", None, "8"), context_window=40_000)
SHEETS = st.sampled_from([WITH_WRITES, READS_ONLY])
# "No truncation in play": a window nothing here can fill.
ROOMY: dict[str, Any] = {"context_window": 10**9}

tokens = st.integers(min_value=0, max_value=3000)
rate = st.decimals(min_value=0, max_value=3, places=1)


@st.composite
def workloads(draw, truncation=True):
    values = {
        "turns_distribution": draw(st.sampled_from(["fixed", "fixed", "geometric"])),
        "cache_hit_rate": draw(st.sampled_from([D(1), D("0.9"), D("0.5")])),
        "turns_per_session": draw(st.integers(1, 12)),
        "sessions_per_month": draw(st.integers(0, 10**6)),
        "system_prompt_tokens": draw(tokens),
        "tool_schema_tokens": draw(tokens),
        "user_message_tokens": draw(tokens),
        "assistant_reply_tokens": draw(tokens),
        "tool_call_tokens": draw(st.integers(0, 300)),
        "tool_result_tokens": draw(tokens),
        "reasoning_tokens_per_call": draw(st.integers(0, 500)),
        "function_calls_per_turn": draw(rate),
        "file_search_calls_per_turn": draw(rate),
        "code_interpreter_calls_per_turn": draw(rate),
        "web_search_calls_per_turn": draw(rate),
        "web_search_result_tokens": draw(tokens),
        "file_search_results": draw(st.integers(1, 5)),
        "file_search_chunk_tokens": draw(st.integers(100, 800)),
        "rag_results": draw(st.integers(1, 5)),
        "rag_chunk_tokens": draw(st.integers(1, 800)),
        "code_interpreter_output_tokens": draw(tokens),
        "session_minutes": draw(st.decimals(min_value=D("0.5"), max_value=120, places=1)),
        "prompt_caching": draw(st.booleans()),
        "warm_prefix_across_sessions": draw(st.booleans()),
        "keep_tool_results_in_history": draw(st.booleans()),
        "assistants_keep_tool_results_in_history": draw(st.booleans()),
        "vector_store_gb": draw(st.decimals(min_value=0, max_value=50, places=2)),
        "sandbox_usd_per_hour": draw(st.decimals(min_value=0, max_value=2, places=2)),
        "container_memory": draw(st.sampled_from(["1g", "4g", "16g", "64g"])),
    }
    if truncation:
        values["history_limit_tokens"] = draw(st.none() | st.integers(1, 30_000))
        values["assistants_truncation"] = draw(st.sampled_from(["auto", "last_messages"]))
        values["assistants_last_messages"] = draw(st.integers(1, 30))
    return Workload(**values)


def per_month(result):
    return {key: result.approaches[key].per_month_usd for key in APPROACHES}


def per_session(result):
    return {key: result.approaches[key].per_session_usd for key in APPROACHES}


def never_lower(before: dict, after: dict) -> bool:
    return all(after[key] >= before[key] for key in APPROACHES)


@settings(max_examples=150, deadline=None)
@given(workloads(), SHEETS, st.integers(1, 10**6))
def test_cost_never_falls_when_sessions_rise(workload, price_sheet, more):
    before = estimate(price_sheet, workload)
    after = estimate(price_sheet, workload.replace(sessions_per_month=workload.sessions_per_month + more))
    assert never_lower(per_month(before), per_month(after))


@settings(max_examples=150, deadline=None)
@given(workloads(), SHEETS, st.integers(1, 5))
def test_cost_never_falls_when_turns_rise(workload, price_sheet, more):
    # With a fixed length a longer conversation only adds turns. (Under a spread, a longer mean also
    # shortens the minutes between turns, which can keep the cache warm and lower the cost.)
    workload = workload.replace(turns_distribution="fixed")
    before = estimate(price_sheet, workload)
    after = estimate(price_sheet, workload.replace(turns_per_session=workload.turns_per_session + more))
    assert never_lower(per_session(before), per_session(after))
    assert never_lower(per_month(before), per_month(after))


TOKEN_FIELDS = [
    "system_prompt_tokens",
    "tool_schema_tokens",
    "user_message_tokens",
    "assistant_reply_tokens",
    "tool_call_tokens",
    "tool_result_tokens",
    "reasoning_tokens_per_call",
    "code_interpreter_output_tokens",
    "file_search_chunk_tokens",
    "file_search_results",
    "rag_chunk_tokens",
    "rag_results",
]
CAPS = {
    "file_search_chunk_tokens": 4096,
    "file_search_results": 50,
    "rag_chunk_tokens": 4096,
    "rag_results": 50,
}


@settings(max_examples=300, deadline=None)
@given(workloads(truncation=False), st.sampled_from(TOKEN_FIELDS), st.integers(1, 2000), st.booleans())
def test_without_caching_or_truncation_cost_never_falls_when_tokens_rise(workload, field, more, writes):
    price_sheet = sheet(
        rates("2", "0.2", "2.5", "10") if writes else rates("2", "0.5", None, "8"),
        long_context=LongContextRates(D("4"), D("0.4"), D("5"), D("15"), threshold_tokens=6000),
        **ROOMY,
    )
    workload = workload.replace(prompt_caching=False)
    bigger = min(getattr(workload, field) + more, CAPS.get(field, 2_000_000))
    before = estimate(price_sheet, workload)
    after = estimate(price_sheet, workload.replace(**{field: bigger}))
    assert never_lower(per_session(before), per_session(after))


@settings(max_examples=200, deadline=None)
@given(workloads(), SHEETS, st.sampled_from(APPROACHES))
def test_cached_never_exceeds_input_in_any_call(workload, price_sheet, approach):
    step = 1 if price_sheet.tier("standard").bills_cache_writes else 128
    for call in trace_calls(price_sheet, workload, approach):
        assert 0 <= call.cacheable <= call.shared_prefix <= call.input
        assert call.cacheable % step == 0
        assert call.cacheable == 0 or call.cacheable >= 1024
        # What a call writes (its prompt in cache steps less what it reads) is never negative.
        assert call.writable == 0 or call.cacheable <= call.writable <= call.input


@settings(max_examples=200, deadline=None)
@given(workloads())
def test_turning_caching_off_never_lowers_cost(workload):
    # For a model without a cache-write price. One billed for writes pays them on every call (above the
    # input price), so with few reads caching can cost more than none: cost model v2's rule.
    price_sheet = READS_ONLY
    cached = estimate(price_sheet, workload.replace(prompt_caching=True))
    uncached = estimate(price_sheet, workload.replace(prompt_caching=False))
    assert never_lower(per_session(cached), per_session(uncached))


@settings(max_examples=200, deadline=None)
@given(workloads(truncation=False), SHEETS)
def test_the_three_ways_agree_when_nothing_that_differs_is_used(workload, price_sheet):
    # Differences between the ways: hosted file search, web search and code, reasoning carried by
    # Responses, retention switches, service tiers, truncation settings, storage and your own
    # infrastructure. Use none of them.
    plain = workload.replace(
        file_search_calls_per_turn=D(0),
        code_interpreter_calls_per_turn=D(0),
        web_search_calls_per_turn=D(0),
        reasoning_tokens_per_call=0,
        keep_tool_results_in_history=True,
        assistants_keep_tool_results_in_history=True,
        vector_store_gb=D(0),
        upload_gb_per_session=D(0),
    )
    result = estimate(price_sheet, plain)
    first = result.approaches["assistants"]
    for approach in ("responses", "chat_completions"):
        other = result.approaches[approach]
        assert other.per_month_usd == first.per_month_usd
        assert other.per_session_percentiles_usd == first.per_session_percentiles_usd
        assert other.tokens == first.tokens
        assert other.model_calls == first.model_calls
