"""The engine against the naive reference (`tests/pricing/reference.py`): the same calls, call by call,
and the same money to the cent (to 1e-15 relative, as the cost model asks), on random workloads with
every input varied."""

from datetime import date
from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.engine import APPROACHES, estimate, trace_calls
from pricing.sheet import LongContextRates, SurfaceLifecycle
from pricing.workload import Workload
from tests.pricing.reference import ReferenceApproach
from tests.sheets import rates, sheet

SHEETS = [
    sheet(rates("2", "0.5"), context_window=12_000),
    sheet(
        rates("2", "0.2", "2.5", "10"),
        long_context=LongContextRates(D("4"), D("0.4"), D("5"), D("15"), threshold_tokens=6000),
        context_window=40_000,
        max_input_tokens=9_000,
        cache_ttl_minutes=30,
    ),
    sheet(rates("1.25", None), flex=rates("0.6", "0.06", None, "4"), context_window=20_000),
]
tokens = st.integers(0, 2500)
rate = st.decimals(min_value=0, max_value=D("2.5"), places=2)


@st.composite
def workloads(draw):
    distribution = draw(st.sampled_from(["fixed", "geometric", "histogram"]))
    values = {
        "turns_distribution": distribution,
        "sessions_per_month": draw(st.integers(0, 10**6)),
        "system_prompt_tokens": draw(tokens),
        "tool_schema_tokens": draw(tokens),
        "user_message_tokens": draw(tokens),
        "assistant_reply_tokens": draw(tokens),
        "tool_call_tokens": draw(st.integers(0, 300)),
        "tool_result_tokens": draw(tokens),
        "reasoning_tokens_per_call": draw(st.sampled_from([0, 0, 50, 400])),
        "function_calls_per_turn": draw(rate),
        "file_search_calls_per_turn": draw(rate),
        "web_search_calls_per_turn": draw(rate),
        "code_interpreter_calls_per_turn": draw(rate),
        "file_search_results": draw(st.integers(1, 4)),
        "file_search_chunk_tokens": draw(st.integers(100, 900)),
        "rag_results": draw(st.integers(1, 4)),
        "rag_chunk_tokens": draw(st.integers(1, 900)),
        "web_search_result_tokens": draw(st.integers(0, 3000)),
        "search_api_usd_per_kcalls": draw(st.decimals(min_value=0, max_value=20, places=2)),
        "code_interpreter_output_tokens": draw(tokens),
        "session_minutes": draw(st.decimals(min_value=D("0.5"), max_value=300, places=2)),
        "prompt_caching": draw(st.booleans()),
        "cache_hit_rate": draw(st.sampled_from([D(1), D("0.9"), D("0.37"), D(0)])),
        "warm_prefix_across_sessions": draw(st.booleans()),
        "keep_tool_results_in_history": draw(st.booleans()),
        "assistants_keep_tool_results_in_history": draw(st.booleans()),
        "assistants_truncation": draw(st.sampled_from(["auto", "last_messages"])),
        "assistants_last_messages": draw(st.integers(1, 6)),
        "history_limit_tokens": draw(st.none() | st.integers(1, 15_000)),
        "container_memory": draw(st.sampled_from(["1g", "4g", "16g", "64g"])),
        "sandbox_usd_per_hour": draw(st.decimals(min_value=0, max_value=2, places=2)),
        "vector_store_gb": draw(st.decimals(min_value=0, max_value=5, places=1)),
    }
    if distribution == "histogram":
        lengths = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4, unique=True))
        weights = [draw(st.decimals(min_value=D("0.5"), max_value=50, places=1)) for _ in lengths]
        values["turns_histogram"] = tuple(zip(lengths, weights, strict=True))
        values["turns_per_session"] = None
    else:
        values["turns_per_session"] = draw(st.integers(1, 3 if distribution == "geometric" else 8))
    return Workload(**values)


def relative_gap(engine: D, exact: Fraction) -> Fraction:
    gap = abs(Fraction(engine) - exact)
    return gap / exact if exact else gap


@settings(max_examples=120, deadline=None)
@given(workloads(), st.sampled_from(range(len(SHEETS))), st.sampled_from(["standard", "flex"]))
def test_the_engine_agrees_with_the_naive_reference(workload, sheet_index, tier):
    price_sheet = SHEETS[sheet_index]
    if tier not in price_sheet.service_tiers:
        tier = "standard"
    workload = workload.replace(service_tier=tier)
    result = estimate(price_sheet, workload)
    for key in APPROACHES:
        reference = ReferenceApproach(key, workload, price_sheet)
        longest = result.population.max_turns
        expected_calls = reference.conversation(longest)
        calls = trace_calls(price_sheet, workload, key)
        assert [
            (c.turn, c.input, c.shared_prefix, c.cacheable, c.writable, c.output, c.long_context)
            for c in calls
        ] == [
            (c.turn, c.input, c.shared_prefix, c.cacheable, c.writable, c.output, c.long_context)
            for c in expected_calls
        ], key
        approach = result.approaches[key]
        for figures in approach.turns:
            assert relative_gap(figures.cumulative_usd, reference.cost(figures.turn)) < Fraction(1, 10**25)
        assert relative_gap(approach.per_session_usd, reference.per_session()) < Fraction(1, 10**15), key


def test_the_reference_reproduces_the_worked_example():
    # The spec's example A: $0.011808 a conversation, every way.
    worked = Workload(
        system_prompt_tokens=1500,
        tool_schema_tokens=600,
        turns_per_session=2,
        turns_distribution="fixed",
        user_message_tokens=100,
        assistant_reply_tokens=200,
        tool_call_tokens=50,
        tool_result_tokens=400,
        cache_hit_rate=D(1),
    )
    for approach in APPROACHES:
        assert ReferenceApproach(approach, worked, sheet()).per_session() == Fraction("0.011808")


def test_surfaces_do_not_change_the_arithmetic():
    shut = sheet(surfaces={"assistants": SurfaceLifecycle(date(2026, 8, 26), "responses")})
    w = Workload(turns_distribution="fixed")
    assert estimate(shut, w).approaches["assistants"].per_session_usd == (
        estimate(sheet(), w).approaches["assistants"].per_session_usd
    )
