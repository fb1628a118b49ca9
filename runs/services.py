"""Measured runs: run a workload script through the reference loop and store it.

`run_measure` runs a script (offline server, OpenAI, or any compatible endpoint) and stores every call;
`runs.calibration` sets the estimator against what a run cost.
"""

from __future__ import annotations

import os
import socket
from datetime import date
from pathlib import Path

import openai
from django.utils import timezone

from agentloop.fake_server import FakeOpenAIServer
from agentloop.loop import Agent, Limits
from agentloop.script import BUNDLED, Script, ScriptError, bundled_script_path, load_script
from agentloop.tokens import encoding_for_model
from pricing.catalog import PriceTableError, price_sheet_for, sync_prices, today
from pricing.models import LanguageModel
from pricing.sheet import PriceSheet, decimal_str
from runs.models import Run, RunStatus
from runs.storage import DatabaseStorage

OFFLINE_PORTS = range(8500, 8600)


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
    for port in OFFLINE_PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise MeasureError("no free port in 8500-8599 for the offline server", "offline")


def price_sheet_for_run(model: str, as_of: date | None = None) -> PriceSheet:
    if not LanguageModel.objects.exists():
        sync_prices()  # a fresh install: the table is seeded from the bundled genai-prices data, offline
    try:
        return price_sheet_for(model, as_of or today())
    except PriceTableError as exc:
        raise MeasureError(str(exc), "model") from None


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
    """Run every turn of a script through the loop and store the run; failures are stored, then raised."""
    script, source = script_resolve(spec)
    model = model or script.model
    sheet = price_sheet_for_run(model, as_of)
    if offline and base_url:
        raise MeasureError("give either --offline or --base-url, not both", "base_url")
    api_key = api_key or os.environ.get("OPENAI_API_KEY")
    if not offline and not api_key:
        if base_url is None:
            raise MeasureError("OPENAI_API_KEY is not set: set it, or use --offline", "api_key")
        api_key = "not-needed"  # many local OpenAI-compatible servers take any key
    # The offline server reports cache writes for a model the price table bills for them.
    writes = {model} if sheet.tier("standard").rates.cache_write is not None else set()
    server = None
    if offline:
        server = FakeOpenAIServer([script], port=free_offline_port(), cache_write_models=writes).start()
    try:
        client = openai.OpenAI(
            api_key="offline" if offline else api_key, base_url=server.base_url if server else base_url
        )
        run = Run.objects.create(
            script_name=script.name,
            script_file=source,
            model=model,
            encoding=encoding_for_model(model),
            endpoint="offline" if offline else (base_url or str(client.base_url)),
            offline=offline,
            price_as_of=sheet.as_of,
            price_version=sheet.version,
            history_budget=history_budget,
            tool_definitions=script.tool_definitions(),
            turns_planned=len(script.turns),
        )
        agent = Agent(
            client,
            model,
            system=script.system,
            tools=script.registry(),
            prices=sheet.tier("standard"),
            history_budget=history_budget,
            limits=limits or Limits(),
            max_retries=max_retries,
            timeout=timeout,
            storage=DatabaseStorage(),
            conversation_id=str(run.pk),
        )
        try:
            for turn in script.turns:
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
        "status": run.status,
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
