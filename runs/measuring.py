"""Measured runs: a workload script through the reference loop, stored call by call, and resumed.

`run_measure` runs a script (offline server, OpenAI, or any compatible endpoint) and stores every call;
`run_resume` continues a run whose process died (or that failed) from its last save.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import openai
from django.utils import timezone

from agentloop.limits import Limits
from agentloop.loop import Agent
from agentloop.offline import (
    BUNDLED,
    OfflineServer,
    Script,
    ScriptError,
    bundled_script_path,
    free_port,
    load_script,
)
from agentloop.tokens import encoding_for_model
from agentloop.tools import ToolRegistry
from pricing.sheet import PriceSheet, decimal_str
from runs.liveness import current_process
from runs.models import Run, RunStatus
from runs.storage import DatabaseStorage


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
    sheet = _price_sheet(model, as_of)
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
    sheet = _price_sheet(run.model, run.price_as_of)
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


def _price_sheet(model: str, as_of: date | None) -> PriceSheet:
    from runs.services import price_sheet_for_run  # the calibration's door to the price table

    return price_sheet_for_run(model, as_of)
