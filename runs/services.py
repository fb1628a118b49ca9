"""Measured runs: run a workload script through the reference loop and store it, and calibrate the estimator.

`run_measure` runs a script (offline server, OpenAI, or any compatible endpoint) and stores every call.
`run_derive_workload` turns a stored run into estimator inputs; `run_calibrate` prices them with the
cost engine and sets the estimate for `chat_completions` against the measured cost.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from statistics import fmean

import openai
from django.utils import timezone

from agentloop.loop import Agent, Limits
from agentloop.offline import (
    BUNDLED,
    OfflineServer,
    Script,
    ScriptError,
    bundled_script_path,
    free_port,
    load_script,
)
from agentloop.tokens import TOKENS_PRIMING_REPLY, count_message, count_tools, encoding_for_model
from agentloop.tools import ToolRegistry
from pricing.catalog import PriceTableError, price_sheet_for, sync_prices, today
from pricing.engine import estimate
from pricing.models import LanguageModel
from pricing.sheet import PriceSheet, decimal_str
from pricing.workload import Workload, parse_workload
from runs.liveness import current_process
from runs.models import Run, RunStatus
from runs.storage import DatabaseStorage

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


class MeasureError(ValueError):
    """A measure request that cannot run; `field` names the option at fault."""

    def __init__(self, message: str, field: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def script_resolve(spec: str) -> tuple[Script, str]:
    """A script from a bundled name (`support_agent`) or a file path; (script, where it came from)."""
    path = bundled_script_path(spec) if spec in BUNDLED else Path(spec)
    try:
        return load_script(path), str(path)
    except ScriptError as exc:
        raise MeasureError(str(exc), "script") from None


def free_offline_port() -> int:
    """A free port in 8500-8599, the range this project's helpers use on a shared machine."""
    try:
        return free_port()
    except OSError:
        raise MeasureError("no free port in 8500-8599 for the offline server", "offline") from None


def price_sheet_for_run(model: str, as_of: date | None = None) -> PriceSheet:
    if not LanguageModel.objects.exists():
        sync_prices()  # a fresh install: the table is seeded from the bundled genai-prices data, offline
    try:
        return price_sheet_for(model, as_of or today())
    except PriceTableError as exc:
        raise MeasureError(str(exc), "model") from None


def _client_for(offline: bool, base_url: str | None, api_key: str | None) -> tuple[str | None, str]:
    """(base_url, api_key) for the SDK client; MeasureError when neither a key nor --offline is given."""
    if offline and base_url:
        raise MeasureError("give either --offline or --base-url, not both", "base_url")
    api_key = api_key or os.environ.get("OPENAI_API_KEY")
    if not offline and not api_key:
        if base_url is None:
            raise MeasureError("OPENAI_API_KEY is not set: set it, or use --offline", "api_key")
        api_key = "not-needed"  # many local OpenAI-compatible servers take any key
    return base_url, "offline" if offline else str(api_key)


def run_measure(
    spec: str,
    *,
    model: str | None = None,
    base_url: str | None = None,
    offline: bool = False,
    api_key: str | None = None,
    history_budget: int | None = None,
    max_retries: int = 2,
    timeout: float = 60.0,
    limits: Limits | None = None,
    as_of: date | None = None,
) -> Run:
    """Run every turn of a script through the loop and store the run; failures are stored, then raised.
    The script is checked whole first (tool schemas, names, Unicode): a bad one leaves no run behind."""
    script, source = script_resolve(spec)
    registry = script.registry()  # the schemas were checked when the script loaded
    model = model or script.model
    sheet = price_sheet_for_run(model, as_of)
    base_url, api_key = _client_for(offline, base_url, api_key)
    run = Run.objects.create(
        script_name=script.name,
        script_file=source,
        model=model,
        encoding=encoding_for_model(model),
        endpoint="offline" if offline else (base_url or str(openai.OpenAI(api_key=api_key).base_url)),
        offline=offline,
        price_as_of=sheet.as_of,
        price_version=sheet.version,
        history_budget=history_budget,
        tool_definitions=script.tool_definitions(),
        turns_planned=len(script.turns),
        measured_by=current_process(),
        heartbeat_at=timezone.now(),
    )
    return _measure(run, script, registry, sheet, base_url, api_key, max_retries, timeout, limits)


def run_resume(
    run_id: int,
    *,
    api_key: str | None = None,
    max_retries: int = 2,
    timeout: float = 60.0,
    limits: Limits | None = None,
) -> Run:
    """Continue an interrupted (or failed) run where its last save left it, with the same script,
    model, endpoint and prices; no tool call that may have run before is run again."""
    run = Run.objects.filter(pk=run_id).first()
    if run is None:
        raise MeasureError(f"no run {run_id}", "resume")
    status = run.effective_status
    if status == RunStatus.COMPLETED:
        raise MeasureError(f"run {run_id} is completed: nothing to resume", "resume")
    if status == RunStatus.RUNNING:
        raise MeasureError(f"run {run_id} is still being measured (by {run.measured_by})", "resume")
    script, _ = script_resolve(run.script_file or run.script_name)
    registry = script.registry()  # the schemas were checked when the script loaded
    sheet = price_sheet_for_run(run.model, run.price_as_of)
    base_url, api_key = _client_for(run.offline, None if run.offline else run.endpoint, api_key)
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, error="", measured_by=current_process(), heartbeat_at=timezone.now()
    )
    run.refresh_from_db()
    return _measure(run, script, registry, sheet, base_url, api_key, max_retries, timeout, limits)


def _measure(
    run: Run,
    script: Script,
    registry: ToolRegistry,
    sheet: PriceSheet,
    base_url: str | None,
    api_key: str,
    max_retries: int,
    timeout: float,
    limits: Limits | None,
) -> Run:
    # The offline server reports cache writes for a model the price table bills for them.
    writes = {run.model} if sheet.tier("standard").rates.cache_write is not None else set()
    server = None
    if run.offline:
        server = OfflineServer([script], port=free_offline_port(), cache_write_models=writes)
    try:
        client = openai.OpenAI(api_key=api_key, base_url=server.start().base_url if server else base_url)
        agent = Agent(
            client,
            run.model,
            system=script.system,
            tools=registry,
            prices=sheet.tier("standard"),
            history_budget=run.history_budget,
            limits=limits or Limits(),
            max_retries=max_retries,
            timeout=timeout,
            storage=DatabaseStorage(),
            conversation_id=str(run.pk),
        )
        try:
            if agent.interrupted:
                agent.finish_interrupted_turn()
            for turn in script.turns[agent.turns_completed :]:
                agent.send(turn.user)
        except Exception as exc:
            Run.objects.filter(pk=run.pk).update(
                status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
            )
            raise
        Run.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED, finished_at=timezone.now())
        run.refresh_from_db()
        return run
    finally:
        if server is not None:
            server.stop()


def run_to_dict(run: Run) -> dict:
    return {
        "id": run.pk,
        "script": run.script_name,
        "model": run.model,
        "endpoint": run.endpoint,
        "status": run.effective_status,
        "error": run.error or None,
        "turns": run.turns_completed,
        "price_as_of": run.price_as_of.isoformat(),
        "price_version": run.price_version,
        "totals": {
            "calls": run.calls_count,
            "prompt_tokens": run.prompt_tokens,
            "cached_tokens": run.cached_tokens,
            "cache_write_tokens": run.cache_write_tokens,
            "completion_tokens": run.completion_tokens,
            "reasoning_tokens": run.reasoning_tokens,
            "cost_usd": decimal_str(run.cost_usd),
            "latency_ms": round(run.latency_ms, 3),
            "retries": run.retries,
        },
        "calls": [
            {
                "index": call.index,
                "turn": call.turn,
                "round": call.round,
                "prompt_tokens": call.prompt_tokens,
                "cached_tokens": call.cached_tokens,
                "cache_write_tokens": call.cache_write_tokens,
                "completion_tokens": call.completion_tokens,
                "reasoning_tokens": call.reasoning_tokens,
                "cost_usd": None if call.cost_usd is None else decimal_str(call.cost_usd),
                "latency_ms": round(call.latency_ms, 3),
                "retries_taken": call.retries_taken,
                "request_id": call.request_id or None,
                "finish_reason": call.finish_reason or None,
                "tool_calls": call.tool_calls,
                "error": call.error or None,
            }
            for call in run.calls.order_by("index")
        ],
    }


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
