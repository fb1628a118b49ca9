"""The cost engine, rule by rule, as ../shared/cost-model.md (version 2) states them.

Every expected figure is worked out by hand in the comment above its assertion. Most rules are shown on
one conversation of a fixed length with every cache hit found (`fixed`, `cache_hit_rate` 1), where every
figure is an exact integer count; `test_population.py` and `test_worked_examples.py` cover the rest.
"""

from datetime import date
from decimal import Context, localcontext
from decimal import Decimal as D

import pytest

from pricing.engine import APPROACHES, calls_per_turn, estimate, planned_model_calls, trace_calls
from pricing.sheet import LongContextRates
from pricing.workload import Workload
from tests.sheets import ASSISTANTS_SHUT_DOWN, FLAT, rates, sheet

# The spec's worked example: S = 1500, D = 600, 2 turns, user 100, reply 200, one function call per
# turn, tool call 50, result 400, caching on, warm prefix, every conversation 2 turns, every hit found.
WORKED = Workload(
    model="gpt-4.1",
    turns_distribution="fixed",
    cache_hit_rate=D(1),
    system_prompt_tokens=1500,
    tool_schema_tokens=600,
    turns_per_session=2,
    user_message_tokens=100,
    assistant_reply_tokens=200,
    function_calls_per_turn=D(1),
    tool_call_tokens=50,
    tool_result_tokens=400,
    sessions_per_month=1000,
)

# No system prompt, no tools, no caching, $1 per million in and out: cost is (input + output) / 1e6.
PLAIN = Workload(
    turns_distribution="fixed",
    cache_hit_rate=D(1),
    system_prompt_tokens=0,
    tool_schema_tokens=0,
    prompt_caching=False,
    function_calls_per_turn=D(0),
    user_message_tokens=100,
    assistant_reply_tokens=100,
    turns_per_session=3,
)


def per_session(result, approach="chat_completions"):
    return result.approaches[approach].per_session_usd


class TestWorkedExample:
    def test_chat_completions_call_by_call(self):
        # Turn 1: call 1 input 2200, P = 2100 -> cached 2048, output 50; call 2 input 2650,
        # P = 2200 -> cached 2176, output 200. Turn 2 (history kept 750): call 3 input 2950,
        # P = 2650 -> cached 2560; call 4 input 3400, P = 2950 -> cached 2944.
        calls = trace_calls(sheet(), WORKED, "chat_completions")
        assert [(c.turn, c.input, c.shared_prefix) for c in calls] == [
            (1, 2200, 2100),
            (1, 2650, 2200),
            (2, 2950, 2650),
            (2, 3400, 2950),
        ]
        assert [(c.turn, c.input, c.cacheable, c.output) for c in calls] == [
            (1, 2200, 2048, 50),
            (1, 2650, 2176, 200),
            (2, 2950, 2560, 50),
            (2, 3400, 2944, 200),
        ]

    @pytest.mark.parametrize("approach", APPROACHES)
    def test_every_way_gives_the_spec_figures(self, approach):
        # Totals: input 11200, cached 9728, output 500;
        # cost = (1472*2 + 9728*0.5 + 500*8) / 1e6 = 0.011808 per session.
        result = estimate(sheet(), WORKED).approaches[approach]
        assert result.tokens.input == 11200
        assert result.tokens.input_cached == 9728
        assert result.tokens.output == 500
        assert result.model_calls == 4
        assert result.per_session_usd == D("0.011808")
        # 1000 sessions, no fixed costs.
        assert result.per_month_usd == D("11.808")
        assert result.per_session_percentiles_usd == {
            "p50": D("0.011808"),
            "p90": D("0.011808"),
            "p99": D("0.011808"),
        }

    def test_assistants_without_tool_results_in_the_thread(self):
        # The thread drops turn 1's tool call and result: calls 3 and 4 have inputs 2500 and 2950,
        # cached 2176 and 2432; totals input 10300, cached 8832, output 500: $0.011352.
        result = estimate(sheet(), WORKED.replace(assistants_keep_tool_results_in_history=False))
        assistants = result.approaches["assistants"]
        assert (assistants.tokens.input, assistants.tokens.input_cached) == (10300, 8832)
        assert assistants.per_session_usd == D("0.011352")
        calls = trace_calls(
            sheet(), WORKED.replace(assistants_keep_tool_results_in_history=False), "assistants"
        )
        assert [(c.input, c.cacheable) for c in calls[2:]] == [(2500, 2176), (2950, 2432)]


class TestCallSpreading:
    # Turn t gets floor(t*r + 1/2) - floor((t-1)*r + 1/2) calls: averages round half up.
    def test_half_a_call_per_turn_lands_on_odd_turns(self):
        assert calls_per_turn(D("0.5"), 6) == [1, 0, 1, 0, 1, 0]

    def test_fractional_rate_over_ten_turns(self):
        # floor(0.3t + 0.5): 0 1 1 1 2 2 2 2 3 3 -> one call on turns 2, 5 and 9.
        assert calls_per_turn(D("0.3"), 10) == [0, 1, 0, 0, 1, 0, 0, 0, 1, 0]

    def test_rate_above_one(self):
        # floor(1.5t + 0.5): 2 3 5 6 -> 2, 1, 2, 1.
        assert calls_per_turn(D("1.5"), 4) == [2, 1, 2, 1]

    def test_whole_rate_is_the_same_every_turn(self):
        assert calls_per_turn(D("3"), 4) == [3, 3, 3, 3]

    def test_a_low_rate_still_calls_once_it_rounds_to_one(self):
        # The spec's case: 0.12 over 8 turns is one call, on turn 5 (0.6 + 0.5 = 1.1), not none.
        assert calls_per_turn(D("0.12"), 8) == [0, 0, 0, 0, 1, 0, 0, 0]

    def test_a_rate_that_never_reaches_half_a_call_never_calls(self):
        assert calls_per_turn(D("0.05"), 8) == [0] * 8


class TestHistoryRetention:
    # 2 turns, user 10, reply 20, one file search per turn (tool call 5), hosted results
    # 2 x 100 = 200 tokens, your own retrieval 1 x 50 = 50, $1 per million, no caching.
    SEARCH = PLAIN.replace(
        turns_per_session=2,
        user_message_tokens=10,
        assistant_reply_tokens=20,
        tool_call_tokens=5,
        file_search_calls_per_turn=D(1),
        file_search_results=2,
        file_search_chunk_tokens=100,
        rag_results=1,
        rag_chunk_tokens=50,
    )

    def test_assistants_keeps_the_chunks(self):
        # Turn 1: 10, then 10 + 5 + 200 = 215. Kept 235. Turn 2: 245, 450. Input 920, output 50.
        calls = trace_calls(sheet(FLAT), self.SEARCH, "assistants")
        assert [c.input for c in calls] == [10, 215, 245, 450]
        assert per_session(estimate(sheet(FLAT), self.SEARCH), "assistants") == D("0.00097")

    def test_responses_drops_hosted_results_but_keeps_the_call(self):
        # Turn 1: 10, 215. Kept: user 10 + call 5 + reply 20 = 35. Turn 2: 45, 250. Input 520,
        # output 50: $0.00057, plus two searches at $2.50 per 1000: $0.005.
        calls = trace_calls(sheet(FLAT), self.SEARCH, "responses")
        assert [c.input for c in calls] == [10, 215, 45, 250]
        assert per_session(estimate(sheet(FLAT), self.SEARCH), "responses") == D("0.00557")

    def test_your_loop_injects_your_own_chunks(self):
        # Turn 1: 10, 10 + 5 + 50 = 65. Kept 85. Turn 2: 95, 150. Input 320, output 50. No search fee.
        calls = trace_calls(sheet(FLAT), self.SEARCH, "chat_completions")
        assert [c.input for c in calls] == [10, 65, 95, 150]
        assert per_session(estimate(sheet(FLAT), self.SEARCH)) == D("0.00037")

    def test_your_loop_can_forget_tool_results(self):
        # Kept of turn 1: user 10 + reply 20 = 30. Turn 2: 40, 40 + 55 = 95.
        calls = trace_calls(
            sheet(FLAT), self.SEARCH.replace(keep_tool_results_in_history=False), "chat_completions"
        )
        assert [c.input for c in calls] == [10, 65, 40, 95]

    def test_responses_keeps_function_results(self):
        # One function call per turn (call 5, result 7) instead of searches: kept 10 + 5 + 7 + 20 = 42.
        functions = self.SEARCH.replace(
            file_search_calls_per_turn=D(0), function_calls_per_turn=D(1), tool_result_tokens=7
        )
        calls = trace_calls(sheet(FLAT), functions, "responses")
        assert [c.input for c in calls] == [10, 22, 52, 64]

    def test_reasoning_is_billed_as_output_and_never_kept(self):
        # The worked example plus 100 reasoning tokens per call: inputs unchanged, 4 x 100 = 400 more
        # output tokens at $8: 0.011808 + 0.0032 = 0.015008.
        result = estimate(sheet(), WORKED.replace(reasoning_tokens_per_call=100)).approaches[
            "chat_completions"
        ]
        assert result.tokens.input == 11200
        assert (result.tokens.output, result.tokens.reasoning) == (900, 400)
        assert result.per_session_usd == D("0.015008")


class TestTruncation:
    def test_history_budget_drops_the_oldest_turn(self):
        # Budget 350, user 100, reply 100. Turn 1: 100. Turn 2: 200 + 100 = 300. Turn 3: 400 + 100 = 500
        # is over 350, so turn 1 (200) goes: 300. Input 700 + output 300 = $0.001.
        w = PLAIN.replace(history_limit_tokens=350)
        calls = trace_calls(sheet(FLAT), w, "chat_completions")
        assert [(c.input, c.view_start) for c in calls] == [(100, 1), (300, 1), (300, 2)]
        result = estimate(sheet(FLAT), w)
        assert per_session(result) == D("0.001")
        # The managed ways have no such budget: 100 + 300 + 500 + 300 = $0.0012.
        assert per_session(result, "responses") == D("0.0012")

    def test_a_turn_left_out_comes_back_when_there_is_room(self):
        # Truncation is a view: user 100, reply 100, a function round on turns 1 and 3 (rate 0.5) whose
        # result is 1000 and is not kept, budget 1150. Turn 1: 100, then 1100. Each turn keeps 200.
        # Turn 2: 200 + 100 = 300. Turn 3: 400 + 100 = 500, then 400 + 1100 = 1500 is over: turn 1
        # goes (1300), then turn 2 (1100). Turn 4: 600 + 100 = 700 fits: turns 1 and 2 are back.
        w = PLAIN.replace(
            turns_per_session=4,
            function_calls_per_turn=D("0.5"),
            tool_call_tokens=0,
            tool_result_tokens=1000,
            keep_tool_results_in_history=False,
            history_limit_tokens=1150,
        )
        calls = trace_calls(sheet(FLAT), w, "chat_completions")
        assert [(c.turn, c.input, c.view_start) for c in calls] == [
            (1, 100, 1),
            (1, 1100, 1),
            (2, 300, 1),
            (3, 500, 1),
            (3, 1100, 3),
            (4, 700, 1),
        ]

    def test_a_dropped_turn_breaks_the_cached_prefix(self):
        # S = 1100 so caching starts. Turn 3 without a drop: P = the previous call's 1100 + 300 = 1400
        # -> 1280 cached. With the budget of 350, turn 1 is dropped: P = S + D = 1100 -> 1024.
        w = PLAIN.replace(system_prompt_tokens=1100, prompt_caching=True)
        kept = trace_calls(sheet(), w, "chat_completions")
        dropped = trace_calls(sheet(), w.replace(history_limit_tokens=350), "chat_completions")
        assert [c.cacheable for c in kept] == [1024, 1152, 1280]
        assert [c.cacheable for c in dropped] == [1024, 1152, 1024]

    def test_context_window_bounds_the_managed_ways(self):
        # Window 500, S = 100, D = 50: B = 350. Inputs 250, 450, then 650 -> drop turn 1 -> 450.
        w = PLAIN.replace(system_prompt_tokens=100, tool_schema_tokens=50)
        for approach in APPROACHES:
            calls = trace_calls(sheet(FLAT, context_window=500), w, approach)
            assert [c.input for c in calls] == [250, 450, 450]
        result = estimate(sheet(FLAT, context_window=500), w)
        assert (
            "Truncation leaves earlier turns out of 1 of the 3 calls of a 3-turn conversation, from turn 3 "
            "(reached by every conversation); a turn left out comes back for a later call with room for it."
        ) in result.approaches["responses"].notes

    def test_the_input_limit_bounds_the_history_not_the_window(self):
        # Window 1000 but at most 500 input tokens (as the GPT-5 family's 272,000 of 400,000): the same
        # inputs as a 500-token window.
        w = PLAIN.replace(system_prompt_tokens=100, tool_schema_tokens=50)
        calls = trace_calls(sheet(FLAT, context_window=1000, max_input_tokens=500), w, "responses")
        assert [c.input for c in calls] == [250, 450, 450]

    def test_a_turn_larger_than_the_window_is_an_overflow(self):
        # B = 350 and the user message alone is 400: nothing to drop, the call overflows.
        w = PLAIN.replace(
            system_prompt_tokens=100, tool_schema_tokens=50, user_message_tokens=400, turns_per_session=1
        )
        result = estimate(sheet(FLAT, context_window=500), w)
        assert (
            "Context overflow: 1 of the 1 calls of a 1-turn conversation, from turn 1 (reached by every "
            "conversation) exceed the model's 500-token input limit; the API would reject them, priced here "
            "as if accepted."
        ) in result.approaches["assistants"].notes

    # last_messages: user 10, reply 20, one function call per turn (call 5, result 7), 3 turns.
    TOOLS = PLAIN.replace(
        user_message_tokens=10,
        assistant_reply_tokens=20,
        function_calls_per_turn=D(1),
        tool_call_tokens=5,
        tool_result_tokens=7,
        assistants_truncation="last_messages",
    )

    def test_last_messages_two_keeps_only_the_previous_reply(self):
        # N = 2: one earlier message survives, the previous reply (20); its user message and tool
        # segments go. Turn 1: 10, 22. Turn 2: 30, 42. Turn 3: 30, 42. Input 176 + output 75.
        w = self.TOOLS.replace(assistants_last_messages=2)
        assert [c.input for c in trace_calls(sheet(FLAT), w, "assistants")] == [10, 22, 30, 42, 30, 42]
        assert per_session(estimate(sheet(FLAT), w), "assistants") == D("0.000251")

    def test_last_messages_three_keeps_the_previous_turn_whole(self):
        # N = 3: the cut falls before the previous user message: that turn (42) is kept with its tools.
        w = self.TOOLS.replace(assistants_last_messages=3)
        assert [c.input for c in trace_calls(sheet(FLAT), w, "assistants")] == [10, 22, 52, 64, 52, 64]

    def test_last_messages_one_keeps_no_earlier_segment(self):
        w = self.TOOLS.replace(assistants_last_messages=1)
        assert [c.input for c in trace_calls(sheet(FLAT), w, "assistants")] == [10, 22] * 3

    def test_auto_truncation_keeps_everything_that_fits(self):
        # Turn 2: 42 + 10 = 52, 64. Turn 3: 84 + 10 = 94, 106.
        w = self.TOOLS.replace(assistants_truncation="auto")
        assert [c.input for c in trace_calls(sheet(FLAT), w, "assistants")] == [10, 22, 52, 64, 94, 106]

    def test_last_messages_only_applies_to_assistants(self):
        w = self.TOOLS.replace(assistants_last_messages=1)
        assert [c.input for c in trace_calls(sheet(FLAT), w, "responses")] == [10, 22, 52, 64, 94, 106]


class TestPromptCaching:
    ONE_CALL = Workload(
        turns_distribution="fixed",
        cache_hit_rate=D(1),
        tool_schema_tokens=0,
        function_calls_per_turn=D(0),
        turns_per_session=1,
        user_message_tokens=10,
        assistant_reply_tokens=5,
    )

    def test_below_1024_tokens_nothing_is_cached(self):
        # P = S + D = 1000 < 1024: input 1010 uncached: 1010*2 + 5*8 = 2060 -> $0.00206.
        result = estimate(sheet(), self.ONE_CALL.replace(system_prompt_tokens=1000))
        assert result.approaches["responses"].tokens.input_cached == 0
        assert per_session(result) == D("0.00206")

    def test_cache_reads_come_in_128_token_steps(self):
        # P = 1100 -> floor(1100 / 128) * 128 = 1024 cached, 86 uncached:
        # 86*2 + 1024*0.5 + 5*8 = 724 -> $0.000724.
        result = estimate(sheet(), self.ONE_CALL.replace(system_prompt_tokens=1100))
        assert result.approaches["chat_completions"].tokens.input_cached == 1024
        assert per_session(result) == D("0.000724")

    def test_cold_prefix_caches_nothing_on_the_first_call(self):
        result = estimate(
            sheet(), self.ONE_CALL.replace(system_prompt_tokens=1100, warm_prefix_across_sessions=False)
        )
        assert per_session(result) == D("0.00226")  # 1110*2 + 5*8 = 2260

    def test_caching_off(self):
        # Worked example uncached: 11200*2 + 500*8 = 26400 -> $0.0264.
        assert per_session(estimate(sheet(), WORKED.replace(prompt_caching=False))) == D("0.0264")

    def test_a_model_without_a_cached_price_caches_nothing(self):
        assert per_session(estimate(sheet(rates("2", None)), WORKED)) == D("0.0264")

    def test_cache_writes_for_models_that_price_them(self):
        # $2 input, $0.20 cached, $2.50 cache write, $10 output: a model billed for cache writes caches
        # token by token. Cached per call = P: 2100, 2200, 2650, 2950 = 9900. Every call writes what of
        # its prompt it did not read, the last call included: 100, 450, 300, 450 = 1300; nothing is
        # left uncached. 9900*0.2 + 1300*2.5 + 500*10 = 1980 + 3250 + 5000 = 10230 -> $0.01023.
        writes = sheet(rates("2", "0.2", "2.5", "10"))
        result = estimate(writes, WORKED).approaches["responses"]
        assert (result.tokens.input, result.tokens.input_cached, result.tokens.input_cache_write) == (
            11200,
            9900,
            1300,
        )
        assert [(c.cacheable, c.writable) for c in trace_calls(writes, WORKED, "responses")] == [
            (2100, 2200),
            (2200, 2650),
            (2650, 2950),
            (2950, 3400),
        ]
        assert result.per_session_usd == D("0.01023")

    def test_the_hit_rate_moves_reads_to_writes(self):
        # At a 0.9 hit rate: cached 8910, written 11200 - 8910 = 2290:
        # 8910*0.2 + 2290*2.5 + 5000 = 1782 + 5725 + 5000 = 12507 -> $0.012507.
        writes = sheet(rates("2", "0.2", "2.5", "10"))
        result = estimate(writes, WORKED.replace(cache_hit_rate=D("0.9"))).approaches["responses"]
        assert (result.tokens.input_cached, result.tokens.input_cache_write) == (D("8910"), D("2290"))
        assert result.per_session_usd == D("0.012507")

    def test_an_idle_cache_expires_between_turns(self):
        # 30-minute TTL, turns 40 minutes apart (80 minutes over 2 turns): turn 2's first call finds only
        # S + D = 2100 (2048 cached) instead of 2650; its second call still finds the first.
        slow = WORKED.replace(session_minutes=D(80))
        calls = trace_calls(sheet(cache_ttl_minutes=30), slow, "chat_completions")
        assert [c.shared_prefix for c in calls] == [2100, 2200, 2100, 2950]
        quick = trace_calls(sheet(cache_ttl_minutes=30), WORKED.replace(session_minutes=D(60)), "responses")
        assert [c.shared_prefix for c in quick] == [2100, 2200, 2650, 2950]
        result = estimate(sheet(cache_ttl_minutes=30), slow)
        assert any("longer than the 30 minutes" in note for note in result.approaches["responses"].notes)


class TestPrices:
    def test_long_context_prices_apply_to_the_whole_call_above_the_threshold(self):
        # Threshold 3000: only call 4 (input 3400) is above. Calls 1-3 at 2/0.5/8: uncached 1016,
        # cached 6784, output 300 -> 2032 + 3392 + 2400 = 7824. Call 4 at 4/1/12: uncached 456,
        # cached 2944, output 200 -> 1824 + 2944 + 2400 = 7168. Total $0.014992.
        long_context = LongContextRates(D("4"), D("1"), None, D("12"), threshold_tokens=3000)
        result = estimate(sheet(long_context=long_context), WORKED)
        assert per_session(result) == D("0.014992")
        assert [
            c.long_context for c in trace_calls(sheet(long_context=long_context), WORKED, "responses")
        ] == [False, False, False, True]

    def test_input_equal_to_the_threshold_is_not_above_it(self):
        long_context = LongContextRates(D("4"), D("1"), None, D("12"), threshold_tokens=3400)
        assert per_session(estimate(sheet(long_context=long_context), WORKED)) == D("0.011808")

    def test_flex_tier_prices_responses_and_your_loop_but_not_assistants(self):
        # Flex at half price: 0.011808 / 2 = 0.005904. Assistants had no flex tier: standard.
        flexed = sheet(flex=rates("1", "0.25", None, "4"))
        result = estimate(flexed, WORKED.replace(service_tier="flex"))
        assert per_session(result, "responses") == D("0.005904")
        assert per_session(result) == D("0.005904")
        assert per_session(result, "assistants") == D("0.011808")
        assert (
            "The Assistants API had no flex or fast tier: priced at standard."
            in result.approaches["assistants"].notes
        )

    def test_a_tier_the_sheet_lacks_is_refused(self):
        with pytest.raises(KeyError, match="no 'fast' service tier"):
            estimate(sheet(), WORKED.replace(service_tier="fast"))


class TestFees:
    # One code run, on turn 1 of 2 (rate 0.5); no other tools; $1 per million, no caching.
    CODE = PLAIN.replace(
        turns_per_session=2,
        code_interpreter_calls_per_turn=D("0.5"),
        tool_call_tokens=5,
        code_interpreter_output_tokens=0,
        user_message_tokens=0,
        assistant_reply_tokens=0,
    )

    def token_cost(self, result, approach):
        return sum(
            (
                line.per_session_usd
                for line in result.approaches[approach].breakdown
                if line.category not in ("tool_fees", "your_infrastructure")
            ),
            D(0),
        )

    @pytest.mark.parametrize(
        ("minutes", "assistants", "responses_1g", "responses_4g"),
        [
            # ceil(10/60) = 1 session x $0.03; max(5, 10) x $0.03 / 20; 10 x $0.12 / 20.
            ("10", "0.03", "0.015", "0.06"),
            # ceil(90/60) = 2 x $0.03; 90 x 0.03 / 20 = 0.135.
            ("90", "0.06", "0.135", "0.54"),
            # A two-minute conversation still pays 5 container minutes: 5 x 0.03 / 20.
            ("2", "0.03", "0.0075", "0.03"),
        ],
    )
    def test_code_session_fees(self, minutes, assistants, responses_1g, responses_4g):
        w = self.CODE.replace(session_minutes=D(minutes))
        result = estimate(sheet(FLAT), w)
        fees = {
            key: next(
                line.per_session_usd
                for line in result.approaches[key].breakdown
                if line.category == "tool_fees"
            )
            for key in APPROACHES
        }
        assert fees["assistants"] == D(assistants)
        assert fees["responses"] == D(responses_1g)
        result_4g = estimate(sheet(FLAT), w.replace(container_memory="4g"))
        assert result_4g.approaches["responses"].per_session_usd - self.token_cost(
            result_4g, "responses"
        ) == D(responses_4g)

    def test_a_sandbox_fee_that_does_not_terminate_is_reported_to_30_digits(self):
        # 10 minutes at $0.50 an hour = 5 / 60 = 0.08333...
        result = estimate(
            sheet(FLAT), self.CODE.replace(session_minutes=D(10), sandbox_usd_per_hour=D("0.5"))
        )
        own = {
            line.category: line.per_session_usd for line in result.approaches["chat_completions"].breakdown
        }
        assert own["your_infrastructure"] == D("0.0833333333333333333333333333333")

    def test_an_hour_exactly_is_one_assistants_session(self):
        # 60 minutes is one started hour, 60.5 two.
        fees = {}
        for minutes in ("60", "60.5"):
            result = estimate(sheet(FLAT), self.CODE.replace(session_minutes=D(minutes)))
            lines = {
                line.category: line.per_session_usd for line in result.approaches["assistants"].breakdown
            }
            fees[minutes] = lines["tool_fees"]
        assert fees == {"60": D("0.03"), "60.5": D("0.06")}

    def test_your_sandbox_is_billed_by_the_hour(self):
        # 30 minutes at $0.60 an hour = $0.30, under "your infrastructure".
        result = estimate(
            sheet(FLAT), self.CODE.replace(session_minutes=D(30), sandbox_usd_per_hour=D("0.6"))
        )
        own = {
            line.category: line.per_session_usd for line in result.approaches["chat_completions"].breakdown
        }
        assert own["your_infrastructure"] == D("0.3")
        assert own["tool_fees"] == 0

    def test_no_code_run_no_code_fee(self):
        # 0.05 runs per turn over 8 turns rounds to no run at all.
        w = PLAIN.replace(
            turns_per_session=8, code_interpreter_calls_per_turn=D("0.05"), sandbox_usd_per_hour=D(5)
        )
        result = estimate(sheet(FLAT), w)
        for approach in APPROACHES:
            assert result.approaches[approach].per_session_usd == self.token_cost(result, approach)

    def test_vector_storage_after_the_free_gigabyte(self):
        # GB-days = 10 x 30 + 1000 sessions x 0.01 GB x 7 days = 370; free 1 x 30 -> 340 x $0.10 = $34.
        w = PLAIN.replace(
            sessions_per_month=1000,
            vector_store_gb=D(10),
            upload_gb_per_session=D("0.01"),
            upload_retention_days=D(7),
            retrieval_infra_usd_per_month=D(25),
        )
        result = estimate(sheet(FLAT), w)
        assert result.approaches["assistants"].fixed_monthly_usd == D("34")
        assert result.approaches["responses"].fixed_monthly_usd == D("34")
        assert result.approaches["chat_completions"].fixed_monthly_usd == D("25")
        # Per month: 1000 x (900 input + 300 output) / 1e6 = 1.2, plus the fixed costs.
        assert result.approaches["responses"].per_month_usd == D("35.2")

    def test_storage_within_the_free_allowance_is_free(self):
        result = estimate(sheet(FLAT), PLAIN.replace(vector_store_gb=D("0.5")))
        assert result.approaches["assistants"].fixed_monthly_usd == 0


class TestTotals:
    def test_breakdown_and_turns_add_up(self):
        w = WORKED.replace(
            file_search_calls_per_turn=D("0.5"),
            code_interpreter_calls_per_turn=D(1),
            vector_store_gb=D(3),
            # 10 minutes at $0.60 an hour: every figure terminates, so every sum is exact.
            sandbox_usd_per_hour=D("0.6"),
            reasoning_tokens_per_call=20,
        )
        result = estimate(sheet(rates("2", "0.2", "2.5", "10")), w)
        for approach in result.approaches.values():
            with localcontext(Context(prec=60)):
                session = sum((line.per_session_usd for line in approach.breakdown), D(0))
                month = sum((line.per_month_usd for line in approach.breakdown), D(0))
            assert session == approach.per_session_usd
            assert month == approach.per_month_usd
            assert approach.turns[-1].cumulative_usd == approach.per_session_usd
            assert sum(turn.input for turn in approach.turns) == approach.tokens.input
            assert (
                approach.per_month_usd
                == approach.per_session_usd * w.sessions_per_month + approach.fixed_monthly_usd
            )

    def test_break_even_of_building_your_own_loop(self):
        # From the retention case: Responses $0.00557, your loop $0.00037 per session. At 1,000,000
        # sessions: 5570 vs 370; maintenance 4 h x $100 = 400; saving 4800; build 40 h x $100 = 4000:
        # 4000 / 4800 = 0.8333... months. Assistants: 970 - 370 - 400 = 200 -> 20 months.
        w = TestHistoryRetention.SEARCH.replace(sessions_per_month=1_000_000)
        engineering = estimate(sheet(FLAT), w).engineering
        assert engineering.build_usd == D(4000)
        assert engineering.maintenance_monthly_usd == D(400)
        assert engineering.break_even_months["assistants"] == D(20)
        assert engineering.break_even_months["responses"] == D("0.833334")  # rounded up at 6 places

    def test_no_saving_means_never(self):
        engineering = estimate(sheet(), WORKED).engineering
        assert engineering.break_even_months == {"assistants": None, "responses": None}

    def test_your_loop_costs_its_engineering_every_month(self):
        # Build 40 h x $100 = $4,000 spread over 12 months = $333.33...; upkeep 4 h x $100 = $400.
        result = estimate(sheet(), WORKED)
        engineering = result.engineering
        assert engineering.amortized_build_monthly_usd == D("333.333333333333333333333333333")
        own = result.approaches["chat_completions"]
        # 11.808 + 400 + 333.333... (the build's share, to 30 significant digits).
        assert own.per_month_with_engineering_usd == D("745.141333333333333333333333333")
        assert result.approaches["responses"].per_month_with_engineering_usd == D("11.808")

    def test_the_verdict_compares_live_ways_with_engineering(self):
        # 10,000 conversations of the retention case: Responses $55.70 a month; your loop $3.70 plus
        # $733.33 of engineering; Assistants ($9.70) is shut down, a baseline only.
        result = estimate(sheet(FLAT, surfaces=ASSISTANTS_SHUT_DOWN), TestHistoryRetention.SEARCH)
        verdict = result.verdict
        assert verdict.live == ("responses", "chat_completions")
        assert verdict.cheapest == ("responses",)
        loop = verdict.comparisons["chat_completions"]
        # 3.7 + 400 + 333.333... - 55.7
        assert loop.more_usd == D("681.333333333333333333333333333")
        # "Your loop costs 1,223 % more" is relative to Responses (681.33 / 55.70); "Responses is 92.4 %
        # cheaper" to the loop (681.33 / 737.03), never above 100 %.
        assert loop.more_pct is not None and loop.cheapest_saves_pct is not None
        assert round(loop.more_pct, 2) == D("1223.22")
        assert round(loop.cheapest_saves_pct, 2) == D("92.44")
        # At 1,000,000 conversations the loop wins: $370 + $733.33 against $5,570.
        big = estimate(
            sheet(FLAT, surfaces=ASSISTANTS_SHUT_DOWN),
            TestHistoryRetention.SEARCH.replace(sessions_per_month=1_000_000),
        )
        assert big.verdict.cheapest == ("chat_completions",)

    def test_a_tie_is_a_tie(self):
        no_engineering = WORKED.replace(build_hours=D(0), maintenance_hours_per_month=D(0))
        result = estimate(sheet(surfaces=ASSISTANTS_SHUT_DOWN), no_engineering)
        assert result.verdict.cheapest == ("responses", "chat_completions")


class TestNotes:
    def test_assistants_is_a_historical_baseline(self):
        result = estimate(sheet(surfaces=ASSISTANTS_SHUT_DOWN), WORKED)
        assert result.approaches["assistants"].status == "shut down"
        assert (
            "OpenAI shut the Assistants API down on 2026-08-26: shown as a historical / migration baseline."
        ) in result.approaches["assistants"].notes
        before = estimate(sheet(surfaces=ASSISTANTS_SHUT_DOWN, as_of=date(2026, 6, 1)), WORKED)
        assert before.approaches["assistants"].status == "deprecated"
        assert (
            "OpenAI shuts the Assistants API down on 2026-08-26; its successor is the Responses API."
            in before.approaches["assistants"].notes
        )

    def test_model_shutdown_date(self):
        result = estimate(sheet(shutdown=date(2027, 1, 14)), WORKED)
        assert "gpt-4.1 is scheduled to shut down on 2027-01-14." in result.approaches["responses"].notes
        gone = estimate(sheet(shutdown=date(2026, 10, 23), model="gpt-4"), WORKED)
        assert "gpt-4 was shut down on 2026-10-23." in gone.approaches["chat_completions"].notes


def test_api_dict_money_is_an_exact_string():
    data = estimate(sheet(), WORKED).to_dict()
    assert data["approaches"]["chat_completions"]["per_session_usd"] == "0.011808"
    assert data["approaches"]["assistants"]["tokens"] == {
        "input": "11200",
        "input_cached": "9728",
        "input_cache_write": "0",
        "output": "500",
        "reasoning": "0",
    }
    assert data["approaches"]["assistants"]["model_calls"] == "4"
    assert data["population"] == {
        "distribution": "fixed",
        "mean_turns": "2",
        "max_turns": 2,
        "turns_percentiles": {"p50": 2, "p90": 2, "p99": 2},
    }
    assert data["engineering"]["break_even_months"] == {"assistants": None, "responses": None}
    assert data["prices"]["service_tiers"]["standard"] == {
        "input_per_mtok": "2",
        "cached_input_per_mtok": "0.5",
        "cache_write_per_mtok": None,
        "output_per_mtok": "8",
        "long_context": None,
    }


def test_the_compute_an_estimate_costs_is_known_before_it_runs():
    # Fixed 2 turns, one function call per turn: 4 calls per way, 12 in all.
    assert planned_model_calls(WORKED) == 12
    # Geometric with mean 8 runs to 160 turns, two calls each: 320 per way.
    assert planned_model_calls(Workload()) == 960
