"""The loop: call the model; while it asks for tools, run them and call again; stop at a reply.

    agent = Agent(openai.OpenAI(), "gpt-4.1", system="You are ...", tools=registry, prices=tier_prices)
    result = agent.send("Where is my order?")

Retries and timeouts are the openai SDK's own (`max_retries`, `timeout`); there is no second retry layer.
Every model call and every tool call is logged as a structured record on the `agentloop` logger
(`record.agentloop` holds the fields) and kept as a `CallRecord` with its usage, cost and latency.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from decimal import Decimal

import openai

from agentloop.history import History
from agentloop.storage import Storage
from agentloop.tokens import count_tools, encoding_for_model
from agentloop.tools import ToolError, ToolRegistry
from agentloop.usage import CallRecord, Prices, ToolCallRecord, Usage, call_cost

log = logging.getLogger("agentloop")

INTERRUPTED_TOOL_RESULT = "error: this tool call was interrupted and is not run again; ask again if needed"


class LoopLimitError(RuntimeError):
    """A limit stopped the turn; what was done so far is saved."""


class ToolRoundLimitExceeded(LoopLimitError):
    pass


class CostLimitExceeded(LoopLimitError):
    pass


class WallTimeExceeded(LoopLimitError):
    pass


class TurnInterrupted(RuntimeError):
    """`send` while the last turn never finished: call `finish_interrupted_turn()` first."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_tool_rounds: int = 10  # per turn
    max_cost_usd: Decimal | None = None  # per conversation
    max_seconds: float | None = None  # per turn, wall time


@dataclass(frozen=True, slots=True)
class TurnResult:
    turn: int
    reply: str
    calls: list[CallRecord]

    @property
    def cost_usd(self) -> Decimal | None:
        costs = [call.cost_usd for call in self.calls]
        return None if any(cost is None for cost in costs) else sum(costs, Decimal(0))


class Agent:
    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        *,
        system: str | None = None,
        tools: ToolRegistry | None = None,
        prices: Prices | None = None,
        encoding: str | None = None,
        history_budget: int | None = None,
        limits: Limits = Limits(),
        max_retries: int = 2,
        timeout: float = 60.0,
        storage: Storage | None = None,
        conversation_id: str = "default",
        tool_errors: str = "return",  # or "raise"
        request_options: dict | None = None,
    ):
        if tool_errors not in ("return", "raise"):
            raise ValueError("tool_errors must be 'return' or 'raise'")
        self.client = client.with_options(max_retries=max_retries, timeout=timeout)
        self.model, self.prices, self.limits = model, prices, limits
        self.timeout, self.history_budget, self.tool_errors = timeout, history_budget, tool_errors
        self.tools = tools or ToolRegistry()
        self.tool_definitions = self.tools.definitions()
        self.encoding = encoding or encoding_for_model(model)
        self.tool_tokens = count_tools(self.tool_definitions, self.encoding)
        self.storage, self.conversation_id = storage, conversation_id
        self.request_options = request_options or {}
        saved = storage.load(conversation_id) if storage is not None else None
        if saved is not None and saved.messages:  # a conversation saved with nothing in it starts afresh
            self.history = History(self.encoding, saved.messages)
            self.calls, self.turns_completed = saved.calls, saved.turns_completed
        else:
            self.history = History(self.encoding, [{"role": "system", "content": system}] if system else [])
            self.calls, self.turns_completed = [], 0
        self._unsaved: dict[int, CallRecord] = {}  # call records new or changed since the last save

    @property
    def cost_usd(self) -> Decimal:
        return sum((call.cost_usd or Decimal(0) for call in self.calls), Decimal(0))

    @property
    def interrupted(self) -> bool:
        users = sum(1 for message in self.history.messages if message.get("role") == "user")
        return users > self.turns_completed

    def send(self, user_text: str) -> TurnResult:
        if self.interrupted:
            turn = self.turns_completed + 1
            raise TurnInterrupted(f"turn {turn} never finished: call finish_interrupted_turn() first")
        self.history.append({"role": "user", "content": user_text})
        return self._run_turn(rounds=0)

    def finish_interrupted_turn(self) -> TurnResult | None:
        """Continue a turn a crash or a limit stopped, without running any of its tool calls again."""
        if not self.interrupted:
            return None
        messages = self.history.messages
        last_user = max(i for i, m in enumerate(messages) if m.get("role") == "user")
        answered = {m["tool_call_id"] for m in messages[last_user:] if m.get("role") == "tool"}
        for call in self.calls:
            for tool_call in call.tool_calls:
                if call.turn == self.turns_completed + 1 and tool_call.id not in answered:
                    # It may have run before the crash: running it again could repeat a side effect.
                    tool_call.error = "interrupted; not run again"
                    self._unsaved[call.index] = call
                    self._log_tool(tool_call, call.turn, 0.0)
                    message = {
                        "role": "tool",
                        "tool_call_id": tool_call.id,
                        "content": INTERRUPTED_TOOL_RESULT,
                    }
                    self.history.append(message)
        self._save()
        return self._run_turn(rounds=sum(1 for m in messages[last_user:] if m.get("tool_calls")))

    def _run_turn(self, rounds: int) -> TurnResult:
        turn, started, first_call = self.turns_completed + 1, time.monotonic(), len(self.calls)
        while True:
            call = self._call_model(turn, rounds, started)
            if not call.tool_calls:
                self.turns_completed = turn
                self._save()
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
            self._unsaved[call.index] = call  # now with its tool results
            self._save()

    def _remaining_seconds(self, turn: int, started: float) -> float | None:
        if self.limits.max_seconds is None:
            return None
        remaining = self.limits.max_seconds - (time.monotonic() - started)
        if remaining <= 0:
            self._save()
            raise WallTimeExceeded(f"turn {turn}: over the {self.limits.max_seconds} s wall-time ceiling")
        return remaining

    def _call_model(self, turn: int, rounds: int, started: float) -> CallRecord:
        remaining = self._remaining_seconds(turn, started)
        messages, dropped = self.history.window(self.history_budget, self.tool_tokens)
        request = {"model": self.model, "messages": messages, **self.request_options}
        if self.tool_definitions:
            request["tools"] = self.tool_definitions
        if remaining is not None:
            request["timeout"] = min(self.timeout, remaining)
        record = CallRecord(index=len(self.calls) + 1, turn=turn, round=rounds, model=self.model)
        began = time.perf_counter()
        try:
            raw = self.client.chat.completions.with_raw_response.create(**request)
            completion = raw.parse()
        except openai.APIError as exc:
            record.latency_ms = (time.perf_counter() - began) * 1000
            record.error = f"{type(exc).__name__}: {exc}"
            record.request_id = getattr(exc, "request_id", None)
            self._append_call(record, dropped)
            self._save()
            raise
        record.latency_ms = (time.perf_counter() - began) * 1000
        record.retries_taken, record.request_id = raw.retries_taken, raw.request_id
        choice = completion.choices[0]
        record.finish_reason, record.reply = choice.finish_reason, choice.message.content
        record.usage = Usage.from_api(completion.usage)
        record.cost_usd = call_cost(record.usage, self.prices) if self.prices is not None else None
        assistant: dict = {"role": "assistant", "content": choice.message.content}
        if choice.message.tool_calls:
            record.tool_calls = [
                ToolCallRecord(tc.id, tc.function.name, tc.function.arguments)
                for tc in choice.message.tool_calls
            ]
            assistant["tool_calls"] = [
                {"id": tc.id, "type": "function", "function": {"name": tc.name, "arguments": tc.arguments}}
                for tc in record.tool_calls
            ]
        self.history.append(assistant)
        self._append_call(record, dropped)
        if self.limits.max_cost_usd is not None and self.cost_usd > self.limits.max_cost_usd:
            self._save()
            ceiling = self.limits.max_cost_usd
            raise CostLimitExceeded(
                f"conversation cost {self.cost_usd:f} USD is over the {ceiling} USD ceiling"
            )
        return record

    def _run_tool(self, tool_call: ToolCallRecord, turn: int) -> None:
        began = time.perf_counter()
        try:
            tool_call.result = self.tools.dispatch(tool_call.name, tool_call.arguments)
        except ToolError as exc:
            tool_call.error = exc.message
        self._log_tool(tool_call, turn, (time.perf_counter() - began) * 1000)
        if tool_call.error is not None and self.tool_errors == "raise":
            self._save()
            raise ToolError(tool_call.name, tool_call.error)
        content = tool_call.result if tool_call.error is None else f"error: {tool_call.error}"
        self.history.append({"role": "tool", "tool_call_id": tool_call.id, "content": content})

    def _append_call(self, record: CallRecord, dropped_turns: int) -> None:
        self.calls.append(record)
        self._unsaved[record.index] = record
        self._log_call(record, dropped_turns)

    def _save(self) -> None:
        if self.storage is None:
            return
        changed = list(self._unsaved.values())
        self.storage.save(self.conversation_id, self.history.messages, changed, self.turns_completed)
        self._unsaved.clear()

    def _log_call(self, record: CallRecord, dropped_turns: int) -> None:
        level = logging.ERROR if record.error else logging.INFO
        if not log.isEnabledFor(level):  # building the record costs more than the rest of the loop's work
            return
        fields = {"event": "model_call", "conversation": self.conversation_id, "dropped_turns": dropped_turns}
        fields.update({k: v for k, v in record.to_dict().items() if k not in ("tool_calls", "reply")})
        fields["tool_calls"] = [tc.name for tc in record.tool_calls]
        log.log(level, "model call", extra={"agentloop": fields})

    def _log_tool(self, tool_call: ToolCallRecord, turn: int, latency_ms: float) -> None:
        fields = {
            "event": "tool_call",
            "conversation": self.conversation_id,
            "turn": turn,
            "id": tool_call.id,
        }
        fields.update(name=tool_call.name, arguments=tool_call.arguments, error=tool_call.error)
        fields["latency_ms"] = latency_ms
        level = logging.WARNING if tool_call.error else logging.INFO
        log.log(level, "tool call", extra={"agentloop": fields})
