"""The worked examples of ../shared/cost-model.md (version 2), A to F, to the token and the cent.

gpt-4.1: $2 input, $0.50 cached input, $8 output per million tokens, no cache-write price, a 24-hour
cache. S = 1500, D = 600, 2 turns, user 100, reply 200, one function call per turn, tool call 50,
result 400, caching on, warm prefix, 1,000 conversations a month.
"""

from decimal import Decimal as D

import pytest

from pricing.engine import APPROACHES, estimate, trace_calls
from pricing.workload import Workload
from tests.sheets import sheet

A = Workload(
    model="gpt-4.1",
    turns_distribution="fixed",
    turns_per_session=2,
    cache_hit_rate=D(1),
    system_prompt_tokens=1500,
    tool_schema_tokens=600,
    user_message_tokens=100,
    assistant_reply_tokens=200,
    function_calls_per_turn=D(1),
    tool_call_tokens=50,
    tool_result_tokens=400,
    sessions_per_month=1000,
)


def session(workload: Workload) -> dict[str, D]:
    result = estimate(sheet(), workload)
    return {key: result.approaches[key].per_session_usd for key in APPROACHES}


class TestA:
    def test_call_by_call(self):
        # Turn 1: call 1 input 2200, P = 2100 -> cached 2048, output 50; call 2 input 2650, P = 2200
        # -> cached 2176, output 200. Turn 2 (history kept 750): call 3 input 2950, P = 2650 -> cached
        # 2560; call 4 input 3400, P = 2950 -> cached 2944.
        calls = trace_calls(sheet(), A, "chat_completions")
        assert [(c.input, c.shared_prefix, c.cacheable, c.output) for c in calls] == [
            (2200, 2100, 2048, 50),
            (2650, 2200, 2176, 200),
            (2950, 2650, 2560, 50),
            (3400, 2950, 2944, 200),
        ]

    def test_the_same_for_all_three_ways(self):
        # Input 11200, cached 9728, output 500: (1472*2 + 9728*0.5 + 500*8) / 1e6 = $0.011808.
        result = estimate(sheet(), A)
        for key in APPROACHES:
            approach = result.approaches[key]
            assert (approach.tokens.input, approach.tokens.input_cached, approach.tokens.output) == (
                11200,
                9728,
                500,
            )
            assert approach.per_session_usd == D("0.011808")

    def test_assistants_without_tool_results_in_the_thread(self):
        # Calls 3 and 4 have inputs 2500 and 2950, cached 2176 and 2432: $0.011352.
        w = A.replace(assistants_keep_tool_results_in_history=False)
        calls = trace_calls(sheet(), w, "assistants")
        assert [(c.input, c.cacheable) for c in calls[2:]] == [(2500, 2176), (2950, 2432)]
        assert session(w)["assistants"] == D("0.011352")


def test_b_a_cache_hit_rate_of_90_percent():
    # Cached 0.9 * 9728 = 8755.2, uncached 2444.8: $0.0132672.
    w = A.replace(cache_hit_rate=D("0.9"))
    result = estimate(sheet(), w).approaches["responses"]
    assert (result.tokens.input_cached, result.tokens.input - result.tokens.input_cached) == (
        D("8755.2"),
        D("2444.8"),
    )
    assert set(session(w).values()) == {D("0.0132672")}


def test_c_a_histogram_of_lengths():
    # [[1, 3], [4, 1]]: cost(1) = $0.005364, cost(4) = $0.027168, mean 1.75 turns;
    # 0.75 * 0.005364 + 0.25 * 0.027168 = $0.010815; 3.5 model calls; p50 = 1 turn, p90 = 4 turns.
    w = A.replace(
        turns_distribution="histogram", turns_histogram=((1, D(3)), (4, D(1))), turns_per_session=None
    )
    result = estimate(sheet(), w)
    approach = result.approaches["chat_completions"]
    assert approach.turns[0].cumulative_usd == D("0.005364")
    assert approach.turns[3].cumulative_usd == D("0.027168")
    assert result.population.mean_turns == D("1.75")
    assert approach.per_session_usd == D("0.010815")
    assert approach.model_calls == D("3.5")
    assert (result.population.percentiles["p50"], result.population.percentiles["p90"]) == (1, 4)
    assert approach.per_session_percentiles_usd["p50"] == D("0.005364")


def test_d_reasoning_carried_by_responses_within_a_turn():
    # 100 reasoning tokens per call: your loop and Assistants $0.015008 (400 more output tokens at $8).
    # Responses carries call 1's and call 3's reasoning to calls 2 and 4 (inputs 2750 and 3500, input
    # 11400, cached 9344): $0.015984.
    w = A.replace(reasoning_tokens_per_call=100)
    assert session(w) == {
        "assistants": D("0.015008"),
        "responses": D("0.015984"),
        "chat_completions": D("0.015008"),
    }
    responses = estimate(sheet(), w).approaches["responses"]
    assert [c.input for c in trace_calls(sheet(), w, "responses")] == [2200, 2750, 2950, 3500]
    assert (responses.tokens.input, responses.tokens.input_cached) == (11400, 9344)


def test_e_web_search_hosted_or_your_own():
    # No function call, one web search per turn of 1000 tokens: your loop and Assistants $0.02488
    # (tokens $0.01488 + 2 searches x $0.005); Responses, which does not carry the search content into
    # turn 2, $0.033952 (tokens $0.013952 + 2 x $0.01).
    w = A.replace(function_calls_per_turn=D(0), web_search_calls_per_turn=D(1), web_search_result_tokens=1000)
    assert session(w) == {
        "assistants": D("0.02488"),
        "responses": D("0.033952"),
        "chat_completions": D("0.02488"),
    }
    fees = {
        line.category: line.per_session_usd for line in estimate(sheet(), w).approaches["responses"].breakdown
    }
    assert fees["tool_fees"] == D("0.02")


class TestF:
    DEFAULT = Workload(model="gpt-4.1", cache_hit_rate=D(1))

    def test_eight_turns_every_time(self):
        assert session(self.DEFAULT.replace(turns_distribution="fixed"))["chat_completions"] == D("0.0832")

    def test_a_geometric_spread_around_eight_costs_a_third_more(self):
        result = estimate(sheet(), self.DEFAULT)
        approach = result.approaches["chat_completions"]
        assert round(approach.per_session_usd, 8) == D("0.11068571")
        assert round(approach.per_session_usd / D("0.0832") - 1, 2) == D("0.33")
        assert result.population.percentiles == {"p50": 6, "p90": 18, "p99": 35}
        assert approach.per_session_percentiles_usd == {
            "p50": D("0.0564"),
            "p90": D("0.276336"),
            "p99": D("0.828832"),
        }
        assert result.population.max_turns == 160


@pytest.mark.parametrize("approach", APPROACHES)
def test_a_as_json(approach):
    body = estimate(sheet(), A).to_dict()["approaches"][approach]
    assert body["per_session_usd"] == "0.011808"
    assert body["per_month_usd"] == "11.808"
    assert body["tokens"]["input"] == "11200"
