"""The database implementation of the loop's storage interface (`agentloop.storage.Storage`)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from agentloop.storage import Conversation
from agentloop.usage import CallRecord, ToolCallRecord, Usage
from runs.models import Call, Run

TOTALS = ("prompt_tokens", "cached_tokens", "cache_write_tokens", "completion_tokens", "reasoning_tokens")


def _record(call: Call) -> CallRecord:
    return CallRecord(
        index=call.index,
        turn=call.turn,
        round=call.round,
        model=call.model,
        usage=Usage(**{name: getattr(call, name) for name in TOTALS}),
        cost_usd=call.cost_usd,
        latency_ms=call.latency_ms,
        retries_taken=call.retries_taken,
        request_id=call.request_id or None,
        finish_reason=call.finish_reason or None,
        reply=call.reply or None,
        tool_calls=[ToolCallRecord(**tc) for tc in call.tool_calls],
        error=call.error or None,
    )


def _row_values(record: CallRecord) -> dict:
    return {
        "turn": record.turn,
        "round": record.round,
        "model": record.model,
        **{name: getattr(record.usage, name) for name in TOTALS},
        "cost_usd": record.cost_usd,
        "latency_ms": record.latency_ms,
        "retries_taken": record.retries_taken,
        "request_id": record.request_id or "",
        "finish_reason": record.finish_reason or "",
        "reply": record.reply or "",
        "tool_calls": [_tool_dict(tool_call) for tool_call in record.tool_calls],
        "error": record.error or "",
    }


def _tool_dict(tool_call: ToolCallRecord) -> dict:
    return {
        "id": tool_call.id,
        "name": tool_call.name,
        "arguments": tool_call.arguments,
        "result": tool_call.result,
        "error": tool_call.error,
    }


class DatabaseStorage:
    """Conversations are Runs, addressed by their primary key as a string."""

    @staticmethod
    def _run_id(conversation_id: str) -> int:
        if not str(conversation_id).isdigit():
            raise ValueError(f"conversation_id must be a Run id (digits), not {conversation_id!r}")
        return int(conversation_id)

    def load(self, conversation_id: str) -> Conversation | None:
        run = Run.objects.filter(pk=self._run_id(conversation_id)).first()
        if run is None:
            return None
        calls = [_record(call) for call in run.calls.order_by("index")]
        return Conversation(messages=run.messages, calls=calls, turns_completed=run.turns_completed)

    @transaction.atomic
    def save(
        self, conversation_id: str, messages: list[dict], calls: list[CallRecord], turns_completed: int
    ) -> None:
        run = Run.objects.select_for_update().get(pk=self._run_id(conversation_id))
        for record in calls:
            Call.objects.update_or_create(run=run, index=record.index, defaults=_row_values(record))
        sums = run.calls.aggregate(
            **{name: Sum(name) for name in TOTALS},
            cost=Sum("cost_usd"),
            latency=Sum("latency_ms"),
            retries=Sum("retries_taken"),
        )
        for name in TOTALS:
            setattr(run, name, sums[name] or 0)
        run.cost_usd = sums["cost"] or Decimal(0)
        run.latency_ms = sums["latency"] or 0
        run.retries = sums["retries"] or 0
        run.calls_count = run.calls.count()
        run.messages = messages
        run.turns_completed = turns_completed
        run.heartbeat_at = timezone.now()
        run.save()
