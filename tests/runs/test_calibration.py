"""Calibration: a measured run imported as traffic, its fitted workload priced under cost model v2 for
chat_completions, against what its calls cost (the issue's 2 % target on `measure --offline`)."""

from decimal import Decimal

import pytest

from agentloop.offline import OfflineServer, bundled_scripts, free_port
from runs.calibration import CalibrationError, run_calibrate, runs_calibrate
from runs.models import Run
from runs.services import run_measure
from tests.runs.conftest import AS_OF

# Per bundled script on the offline server: estimated and measured USD per conversation.
FIGURES = {
    "support_agent": ("0.014184", "0.014156", "0.001978"),
    "document_qa": ("0.022896", "0.022672", "0.009880"),
    "coding_agent": ("0.02989004544", "0.030206", "-0.010460"),  # a cache hit rate under 1: see below
}


@pytest.mark.parametrize("name", list(FIGURES))
def test_bundled_scripts_calibrate_within_two_percent(price_table, name):
    calibration = run_calibrate(run_measure(name, offline=True, as_of=AS_OF))
    estimated, measured, error = FIGURES[name]
    assert calibration.estimated_usd == Decimal(estimated)
    assert calibration.measured_usd == Decimal(measured)
    assert calibration.to_dict()["relative_error"] == error
    assert calibration.relative_error == (Decimal(estimated) - Decimal(measured)) / Decimal(measured)
    assert calibration.within_tolerance
    assert calibration.estimated_calls == calibration.measured_calls


def test_fitted_inputs_of_the_support_run(price_table):
    calibration = run_calibrate(run_measure("support_agent", offline=True, as_of=AS_OF))
    assert calibration.fitted.inputs == {
        "model": "gpt-4.1",
        "turns_distribution": "fixed",
        "turns_per_session": 4,
        "system_prompt_tokens": 993,  # the system message (990) + the 3 tokens priming every reply
        "tool_schema_tokens": 180,
        "user_message_tokens": 28,  # (30 + 36 + 22 + 22) / 4 = 27.5: the message and the reply's overhead
        "assistant_reply_tokens": 77,  # (95 + 84 + 70 + 57) / 4 = 76.5, rounded half up
        "function_calls_per_turn": "1",
        "tool_call_tokens": 20,  # (14 + 16 + 32 + 16) / 4 = 19.5
        "tool_result_tokens": 175,  # (195 + 174 + 155 + 174) / 4 = 174.5: the input's growth after a round
        "reasoning_tokens_per_call": 0,
        "session_minutes": calibration.fitted.inputs["session_minutes"],  # measured latencies
        "warm_prefix_across_sessions": False,  # a fresh offline server: the first call found no cache
        "prompt_caching": True,
        "cache_hit_rate": "1",  # every later call found its whole cacheable prefix
    }
    assert "sessions_per_month" not in calibration.fitted.inputs  # one conversation has no time span


def test_three_runs_calibrate_as_a_histogram_of_their_lengths(price_table):
    runs = [run_measure(name, offline=True, as_of=AS_OF) for name in FIGURES]
    calibration = runs_calibrate(runs)
    assert calibration.fitted.inputs["turns_distribution"] == "histogram"
    assert calibration.fitted.inputs["turns_histogram"] == [[3, 1], [4, 2]]
    # Three different agents averaged into one workload: sizes that belong to one script are spread
    # over all three, so the mixture misses by 6.4 % (each script alone is within 2 %).
    assert calibration.measured_usd == (Decimal("0.014156") + Decimal("0.022672") + Decimal("0.030206")) / 3
    assert calibration.to_dict()["relative_error"] == "-0.064190"


def test_a_replayed_conversation_is_warm_and_cached_beyond_any_estimate(price_table, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with OfflineServer(bundled_scripts(), port=free_port()) as server:
        run_measure("support_agent", base_url=server.base_url, as_of=AS_OF)
        second = run_measure("support_agent", base_url=server.base_url, as_of=AS_OF)
    # System (990) and tools (180) were cached by the first run: 1,170 -> 1,152 in 128-token steps.
    assert second.calls.get(index=1).cached_tokens == 1152
    calibration = run_calibrate(second)
    assert calibration.fitted.inputs["warm_prefix_across_sessions"] is True
    # The identical replay finds every earlier request of the first run in the cache, the first call's
    # too: more than any rule expects. The fitted rate is capped at 1 and the estimate is 16.4 % high;
    # the page says why.
    assert calibration.fitted.inputs["cache_hit_rate"] == "1"
    assert (calibration.estimated_usd, calibration.measured_usd) == (Decimal("0.012456"), Decimal("0.0107"))
    assert calibration.to_dict()["relative_error"] == "0.164112"
    assert not calibration.within_tolerance


def test_a_run_without_a_finished_turn_cannot_be_calibrated(price_table):
    run = Run.objects.create(script_name="empty", model="gpt-4.1", endpoint="offline", price_as_of=AS_OF)
    with pytest.raises(CalibrationError, match=f"^run {run.pk} has no completed turn to calibrate from$"):
        run_calibrate(run)


def test_a_model_billed_for_cache_writes(price_table):
    run = run_measure("support_agent", offline=True, model="gpt-5.6-terra", as_of=AS_OF)
    # gpt-5.6 caches to the token and every call writes what it did not read, up to the end of its last
    # message (as OpenAI bills it: the last message's end and the reply's priming, 3 tokens, are never
    # cached), so each of the 8 calls writes its input less what it read less 3, and reads 3 tokens less of
    # the previous call than its whole prompt. It reasons (192 tokens a call, the family's default).
    assert (run.prompt_tokens, run.cached_tokens, run.cache_write_tokens) == (
        14974,
        12531,
        14974 - 12531 - 8 * 3,
    )
    assert (run.completion_tokens, run.reasoning_tokens) == (1920, 8 * 192)
    calibration = run_calibrate(run)
    assert calibration.fitted.inputs["reasoning_tokens_per_call"] == 192
    # Cost model v2 counts the previous call's whole prompt as cacheable: 12,531 of its 12,552.
    assert calibration.fitted.inputs["cache_hit_rate"] == "0.998327"
    assert (calibration.estimated_usd, calibration.measured_usd) == (
        Decimal("0.0315778211564"),
        Decimal("0.0316417"),
    )
    assert calibration.to_dict()["relative_error"] == "-0.002019"
    assert calibration.within_tolerance
