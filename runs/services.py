"""Calibrating the estimator against measured runs (measuring itself is `runs.measuring`).

`run_derive_workload` turns a stored run into estimator inputs; `run_calibrate` prices them with the
cost engine and sets the estimate for `chat_completions` against the measured cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import fmean

from agentloop.tokens import TOKENS_PRIMING_REPLY, count_message, count_tools
from pricing.catalog import PriceTableError, price_sheet_for, sync_prices, today
from pricing.engine import estimate
from pricing.models import LanguageModel
from pricing.sheet import PriceSheet, decimal_str
from pricing.workload import Workload, parse_workload

# Measuring lives in runs.measuring; these names stay importable from here.
from runs.measuring import (  # noqa: F401
    MeasureError,
    free_offline_port,
    run_measure,
    run_resume,
    run_to_dict,
    script_resolve,
)
from runs.models import Run

CALIBRATION_TOLERANCE = Decimal("0.02")
# The estimator inputs a run determines; the others keep their defaults (they do not change the cost
# of one conversation on chat_completions: traffic, fees, build and maintenance).
DERIVED_INPUTS = (
    "model",
    "turns_distribution",
    "cache_hit_rate",
    "turns_per_session",
    "system_prompt_tokens",
    "tool_schema_tokens",
    "user_message_tokens",
    "assistant_reply_tokens",
    "function_calls_per_turn",
    "tool_call_tokens",
    "tool_result_tokens",
    "reasoning_tokens_per_call",
    "prompt_caching",
    "warm_prefix_across_sessions",
    "history_limit_tokens",
    "keep_tool_results_in_history",
)


def price_sheet_for_run(model: str, as_of: date | None = None) -> PriceSheet:
    if not LanguageModel.objects.exists():
        sync_prices()  # a fresh install: the table is seeded from the bundled genai-prices data, offline
    try:
        return price_sheet_for(model, as_of or today())
    except PriceTableError as exc:
        raise MeasureError(str(exc), "model") from None


@dataclass(frozen=True, slots=True)
class Calibration:
    run: Run
    workload: Workload
    sheet: PriceSheet
    estimated_usd: Decimal
    measured_usd: Decimal
    estimated_calls: int
    measured_calls: int

    @property
    def relative_error(self) -> Decimal:
        """(estimated - measured) / measured: positive when the estimate is too high."""
        return (self.estimated_usd - self.measured_usd) / self.measured_usd

    @property
    def within_tolerance(self) -> bool:
        return abs(self.relative_error) <= CALIBRATION_TOLERANCE

    def to_dict(self) -> dict:
        return {
            "run": self.run.pk,
            "approach": "chat_completions",
            "inputs": self.workload.to_dict(),
            "estimated_usd": decimal_str(self.estimated_usd),
            "measured_usd": decimal_str(self.measured_usd),
            "relative_error": format(self.relative_error, ".6f"),
            "estimated_calls": self.estimated_calls,
            "measured_calls": self.measured_calls,
        }


class CalibrationError(ValueError):
    pass


def _turns(messages: list[dict]) -> list[list[dict]]:
    turns: list[list[dict]] = []
    for message in messages:
        if message.get("role") == "user":
            turns.append([message])
        elif turns:
            turns[-1].append(message)
    return turns


def run_derive_workload(run: Run) -> Workload:
    """Estimator inputs that describe this run: average segment sizes and tool rounds per turn.

    Sizes are counted as the context carries them (per-message overhead included), with one
    adjustment: the estimator uses one size for a segment as output and as history, while a message
    in the history costs its output tokens plus the overhead (3 + role). Output sizes are therefore the
    measured completion tokens, and the overhead of the reply moves to the user message and that of
    a tool call to its result: a turn's history, and every call's context, add up the same.
    """
    calls = [call for call in run.calls.order_by("index") if not call.error]
    turns = _turns(run.messages)
    if not calls or not turns or run.turns_completed == 0:
        raise CalibrationError(f"run {run.pk} has no completed turn to calibrate from")
    turns = turns[: run.turns_completed]
    encoding = run.model  # the counter renders per model family (gpt-5's tool calls differ from gpt-4o's)
    system = next((m for m in run.messages if m.get("role") == "system"), None)
    replies = [c for c in calls if not c.tool_calls and c.turn <= run.turns_completed]
    tool_rounds = [c for c in calls if c.tool_calls and c.turn <= run.turns_completed]
    user_sizes, reply_history, call_history, result_sizes = [], [], [], []
    for turn in turns:
        user_sizes.append(count_message(turn[0], encoding))
        rounds = [m for m in turn if m.get("tool_calls")]
        call_history.extend(count_message(m, encoding) for m in rounds)
        for position, message in enumerate(turn):
            if message.get("tool_calls"):
                results = []
                for follower in turn[position + 1 :]:
                    if follower.get("role") != "tool":
                        break
                    results.append(count_message(follower, encoding))
                result_sizes.append(sum(results))
        if turn[-1].get("role") == "assistant" and not turn[-1].get("tool_calls"):
            reply_history.append(count_message(turn[-1], encoding))
    reply_output = fmean(c.completion_tokens - c.reasoning_tokens for c in replies)  # visible output only
    reply_overhead = fmean(reply_history) - reply_output if reply_history else 0
    inputs = {
        "model": run.model,
        # One recorded conversation: its length, and every prefix the offline server could serve.
        "turns_distribution": "fixed",
        "cache_hit_rate": "1",
        "turns_per_session": len(turns),
        "system_prompt_tokens": (count_message(system, encoding) if system else 0) + TOKENS_PRIMING_REPLY,
        "tool_schema_tokens": count_tools(run.tool_definitions, encoding),
        "user_message_tokens": round(fmean(user_sizes) + reply_overhead),
        "assistant_reply_tokens": round(reply_output),
        "function_calls_per_turn": str(Decimal(len(tool_rounds)) / Decimal(len(turns))),
        "reasoning_tokens_per_call": round(fmean(c.reasoning_tokens for c in calls)),
        "prompt_caching": True,
        "warm_prefix_across_sessions": calls[0].cached_tokens > 0,
        "keep_tool_results_in_history": True,
    }
    if tool_rounds:
        call_output = fmean(c.completion_tokens - c.reasoning_tokens for c in tool_rounds)
        inputs["tool_call_tokens"] = round(call_output)
        inputs["tool_result_tokens"] = round(fmean(result_sizes) + fmean(call_history) - call_output)
    if run.history_budget is not None:
        inputs["history_limit_tokens"] = max(
            1, run.history_budget - inputs["system_prompt_tokens"] - inputs["tool_schema_tokens"]
        )
    rate = Decimal(inputs["function_calls_per_turn"])
    inputs["function_calls_per_turn"] = decimal_str(rate.quantize(Decimal("0.000001")))
    return parse_workload(inputs)


def run_calibrate(run: Run) -> Calibration:
    """The estimate of the run's workload for `chat_completions` against the run's measured cost."""
    workload = run_derive_workload(run)
    sheet = price_sheet_for_run(run.model, run.price_as_of)
    result = estimate(sheet, workload).approaches["chat_completions"]
    measured = sum(
        (
            call.cost_usd
            for call in run.calls.filter(turn__lte=run.turns_completed)
            if call.cost_usd is not None
        ),
        Decimal(0),
    )
    if measured == 0:
        raise CalibrationError(f"run {run.pk} has no measured cost to compare with")
    return Calibration(
        run=run,
        workload=workload,
        sheet=sheet,
        estimated_usd=result.per_session_usd,
        measured_usd=measured,
        estimated_calls=result.model_calls,
        measured_calls=run.calls.filter(turn__lte=run.turns_completed, error="").count(),
    )
