"""What an imported model call is, whatever format it came from, and the error a bad file raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from agentloop.usage import Usage

# The kinds of tool round the cost model prices (`function_calls_per_turn`, `file_search_…`, …).
TOOL_KINDS = ("file_search", "web_search", "function", "code_interpreter")
APIS = ("chat_completions", "responses")


class TraceFormatError(ValueError):
    """A file that cannot be imported: where (line), what (field) and why, for the user to fix."""

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None):
        where = ", ".join(part for part in (f"line {line}" if line else "", field or "") if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.line = line
        self.field = field
        self.reason = message


@dataclass(frozen=True, slots=True)
class ToolUse:
    kind: str  # one of TOOL_KINDS
    name: str


@dataclass(slots=True)
class TraceCall:
    """One model call as recorded. Sizes are token counts; text is kept only when the uploader asks."""

    line: int
    conversation_key: str
    model: str
    usage: Usage
    api: str = "chat_completions"
    at: datetime | None = None
    latency_ms: float | None = None
    recorded_cost_usd: Decimal | None = None
    service_tier: str = "standard"
    # True: the call answers a new user message; False: it continues a turn after tool results;
    # None: the format does not say (then a call continues the turn when the previous one asked for tools).
    starts_turn: bool | None = None
    tool_uses: tuple[ToolUse, ...] = ()
    # Hosted tool calls the API ran inside this one call (Responses `web_search_call`, …), by kind.
    hosted_uses: tuple[ToolUse, ...] = ()
    # Tokens of the instructions (system messages, + 3 priming the reply) and tool definitions, when
    # the request is in the trace.
    system_tokens: int | None = None
    tools_tokens: int | None = None
    text: dict | None = None
    # The date whose prices apply when it is not the call's own date (a measured run keeps the date
    # its prices were taken from).
    priced_on: date | None = None

    @property
    def asked_for_tools(self) -> bool:
        return bool(self.tool_uses)

    @property
    def visible_output(self) -> int:
        return max(0, self.usage.completion_tokens - self.usage.reasoning_tokens)


@dataclass(slots=True)
class ReadProgress:
    """How far a reader is through its input: for the progress bar and the CLI's progress line."""

    bytes_read: int = 0
    lines_read: int = 0
    calls_read: int = 0
    notes: list[str] = field(default_factory=list)
