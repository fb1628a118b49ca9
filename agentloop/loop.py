"""The loop: call the model; while it asks for tools, run them and call again; stop at a reply.

    agent = Agent(openai.OpenAI(), "gpt-4.1", system="You are ...", tools=registry, prices=tier_prices)
    result = agent.send("Where is my order?")                 # or stream: send(text, on_text=print)

Retries and timeouts are the openai SDK's own (`max_retries`, `timeout`); there is no second retry layer.
Persistence: the conversation is saved once the model has asked for tools, before any of them runs, and
once more when the turn ends, however it ends (a `finally`). A turn that never ended is finished with
`finish_interrupted_turn()`, which never runs a tool call again that may have run before the crash.
Every model call and tool call is logged on the `agentloop` logger (`record.agentloop` holds the fields).
Limits and the errors that stop a turn are in `agentloop.limits`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

import openai

from agentloop.history import History
from agentloop.limits import (
    CostLimitExceeded,
    Limits,
    ToolRoundLimitExceeded,
    TurnInterrupted,
    WallTimeExceeded,
)
from agentloop.logs import log_model_call, log_tool_call
from agentloop.response import OnText, read_completion, read_stream
from agentloop.storage import Conversation, Storage
from agentloop.tokens import count_tools
from agentloop.tools import ToolError, ToolRegistry
from agentloop.usage import CallRecord, Prices, ToolCallRecord, call_cost

INTERRUPTED_TOOL_RESULT = "error: this tool call was interrupted and is not run again; ask again if needed"


@dataclass(frozen=True, slots=True)
class TurnResult:
    turn: int
    reply: str
    calls: list[CallRecord]

    @property
    def cost_usd(self) -> Decimal | None:
        costs = [call.cost_usd for call in self.calls if call.cost_usd is not None]
        return None if len(costs) < len(self.calls) else sum(costs, Decimal(0))


class Agent:
    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        *,
        system: str | None = None,
        tools: ToolRegistry | None = None,
        prices: Prices | None = None,
        history_budget: int | None = None,
        limits: Limits | None = None,
        max_retries: int = 2,
        timeout: float = 60.0,
        storage: Storage | None = None,
        conversation_id: str = "default",
        tool_errors: str = "return",  # or "raise"
    ):
        if tool_errors not in ("return", "raise"):
            raise ValueError("tool_errors must be 'return' or 'raise'")
        self.client = client.with_options(max_retries=max_retries, timeout=timeout)
        self.model, self.prices, self.limits, self.timeout = model, prices, limits or Limits(), timeout
        self.history_budget, self.tool_errors = history_budget, tool_errors
        self.tools = tools or ToolRegistry()
        self.tool_definitions = self.tools.definitions()
        self.tool_tokens = count_tools(self.tool_definitions, model)
        self.storage, self.conversation_id = storage, conversation_id
        saved = storage.load(conversation_id) if storage is not None else None
        if saved is None or not saved.messages:  # a conversation saved with nothing in it starts afresh
            saved = Conversation([{"role": "system", "content": system}] if system else [])
        self.history = History(model, saved.messages)
        self.calls, self.turns_completed = saved.calls, saved.turns_completed
        self._saved = len(self.calls)  # calls stored by the last save (the last of them may change since)

    @property
    def interrupted(self) -> bool:
        return sum(1 for m in self.history.messages if m.get("role") == "user") > self.turns_completed

    def send(self, user_text: str, on_text: OnText | None = None) -> TurnResult:
        """Run one turn; with `on_text` the model's replies stream to it as they arrive."""
        if self.interrupted:
            turn = self.turns_completed + 1
            raise TurnInterrupted(f"turn {turn} never finished: call finish_interrupted_turn() first")
        self.history.messages.append({"role": "user", "content": user_text})
        return self._run_turn(0, on_text)

    def finish_interrupted_turn(self) -> TurnResult | None:
        """Continue a turn a crash or a limit stopped, without running any of its tool calls again."""
        if not self.interrupted:
            return None
        messages = self.history.messages
        last_user = max(i for i, m in enumerate(messages) if m.get("role") == "user")
        answered = {m["tool_call_id"] for m in messages[last_user:] if m.get("role") == "tool"}
        for call in (c for c in self.calls if c.turn == self.turns_completed + 1):
            for tool_call in (t for t in call.tool_calls if t.id not in answered):
                # It may have run before the crash: running it again could repeat a side effect.
                tool_call.error = "interrupted; not run again"
                log_tool_call(self.conversation_id, tool_call, call.turn, 0.0)
                messages.append(
                    {"role": "tool", "tool_call_id": tool_call.id, "content": INTERRUPTED_TOOL_RESULT}
                )
        return self._run_turn(sum(1 for m in messages[last_user:] if m.get("tool_calls")), None)

    def _run_turn(self, rounds: int, on_text: OnText | None) -> TurnResult:
        turn, started, first_call = self.turns_completed + 1, time.monotonic(), len(self.calls)
        try:
            while True:
                call = self._call_model(turn, rounds, started, on_text)
                if not call.tool_calls:
                    self.turns_completed = turn
                    return TurnResult(turn, call.reply or "", self.calls[first_call:])
                self._save()  # the request for tools is stored before any tool runs
                if rounds >= self.limits.max_tool_rounds:
                    limit = self.limits.max_tool_rounds
                    raise ToolRoundLimitExceeded(
                        f"turn {turn}: the model asked for more than {limit} tool rounds"
                    )
                rounds += 1
                for tool_call in call.tool_calls:
                    self._run_tool(tool_call, turn)
        finally:
            self._save()

    def _call_model(self, turn: int, rounds: int, started: float, on_text: OnText | None) -> CallRecord:
        messages, dropped = self.history.window(self.history_budget, self.tool_tokens)
        request: dict = {"model": self.model, "messages": messages}
        if self.tool_definitions:
            request["tools"] = self.tool_definitions
        if on_text is not None:
            request.update(stream=True, stream_options={"include_usage": True})
        if self.limits.max_seconds is not None:
            remaining = self.limits.max_seconds - (time.monotonic() - started)
            if remaining <= 0:
                raise WallTimeExceeded(f"turn {turn}: over the {self.limits.max_seconds} s wall-time ceiling")
            request["timeout"] = min(self.timeout, remaining)
        record = CallRecord(index=len(self.calls) + 1, turn=turn, round=rounds, model=self.model)
        self.calls.append(record)
        began = time.perf_counter()
        try:
            raw = self.client.chat.completions.with_raw_response.create(**request)
            reply = read_stream(raw.parse(), on_text) if on_text is not None else read_completion(raw.parse())
        except openai.APIError as exc:
            record.error, record.request_id = f"{type(exc).__name__}: {exc}", getattr(exc, "request_id", None)
            raise
        finally:
            record.latency_ms = (time.perf_counter() - began) * 1000
            if record.error is not None:
                log_model_call(self.conversation_id, record, dropped)
        record.retries_taken, record.request_id = raw.retries_taken, raw.request_id
        record.finish_reason, record.reply, record.usage = reply.finish_reason, reply.content, reply.usage
        record.cost_usd = call_cost(reply.usage, self.prices) if self.prices is not None else None
        record.tool_calls = [
            ToolCallRecord(c["id"], c["function"]["name"], c["function"]["arguments"])
            for c in reply.tool_calls
        ]
        self.history.messages.append(reply.message())
        log_model_call(self.conversation_id, record, dropped)
        ceiling = self.limits.max_cost_usd
        if ceiling is not None:
            cost = sum((call.cost_usd or Decimal(0) for call in self.calls), Decimal(0))
            if cost > ceiling:
                raise CostLimitExceeded(f"conversation cost {cost:f} USD is over the {ceiling} USD ceiling")
        return record

    def _run_tool(self, tool_call: ToolCallRecord, turn: int) -> None:
        began, error = time.perf_counter(), None
        try:
            tool_call.result = self.tools.dispatch(tool_call.name, tool_call.arguments)
        except ToolError as exc:
            tool_call.error, error = exc.message, exc
        log_tool_call(self.conversation_id, tool_call, turn, (time.perf_counter() - began) * 1000)
        if error is not None and self.tool_errors == "raise":
            raise error
        content = tool_call.result if error is None else f"error: {error.message}"
        self.history.messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": content})

    def _save(self) -> None:
        # What changed since the last save: the calls made since, and the last call it stored (its tool
        # calls get their results, or are marked interrupted, after it is stored).
        if self.storage is not None:
            changed = self.calls[max(self._saved - 1, 0) :]
            self.storage.save(self.conversation_id, self.history.messages, changed, self.turns_completed)
            self._saved = len(self.calls)
