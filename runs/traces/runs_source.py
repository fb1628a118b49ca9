"""The project's own measured runs (`/runs/`) as imported traffic: one run is one conversation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from agentloop.usage import Usage
from runs.models import Run
from runs.traces.records import ReadProgress, ToolUse, TraceCall
from runs.traces.sizes import system_tokens, tools_tokens

USAGE_FIELDS = (
    "prompt_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "completion_tokens",
    "reasoning_tokens",
)


def _system_texts(run: Run) -> list[str]:
    texts = []
    for message in run.messages:
        if message.get("role") != "system":
            break
        texts.append(message.get("content") or "")
    return texts


def run_calls(
    runs: Iterable[Run],
    progress: ReadProgress,
    *,
    keep_text: bool = False,
    completed_turns_only: bool = False,
) -> Iterator[TraceCall]:
    """Every successful call of each run (of its completed turns only, if asked), timed from the run's
    start by the calls' latencies and priced on the date the run took its prices from."""
    for run in runs:
        system = system_tokens(run.model, _system_texts(run))
        tools = tools_tokens(run.model, run.tool_definitions)
        clock = run.started_at
        failed = 0
        for call in run.calls.order_by("index"):
            if call.error:
                failed += 1
                continue
            if completed_turns_only and call.turn > run.turns_completed:
                continue
            yield TraceCall(
                line=call.index,
                conversation_key=f"run {run.pk}",
                model=call.model,
                usage=Usage(**{name: getattr(call, name) for name in USAGE_FIELDS}),
                at=clock,
                latency_ms=call.latency_ms,
                starts_turn=call.round == 0,
                tool_uses=tuple(ToolUse("function", str(tc.get("name", ""))) for tc in call.tool_calls),
                system_tokens=system,
                tools_tokens=tools,
                priced_on=run.price_as_of,
                text={"reply": call.reply, "tool_calls": call.tool_calls} if keep_text else None,
            )
            clock += timedelta(milliseconds=call.latency_ms)
        if failed:
            progress.notes.append(f"run {run.pk}: {failed} failed calls (no usage) left out.")
