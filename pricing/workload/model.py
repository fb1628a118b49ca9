"""The workload: every input of the cost model as one pydantic model, with its range, default, unit,
help text and form group in one place.

`Workload` validates JSON bodies, query strings and form text alike (numbers through
`pricing.workload.numbers`, so every entry point reads "1,000" and refuses "1,5" the same way); its JSON
Schema is the API's. Errors are in the project's words, keyed by the field at fault
(`pricing.workload.parse_workload` turns them into `{"field": ["message"]}`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from pricing.sheet import decimal_str

M = 1_000_000
# Decimals without an upper bound still need one so a hostile input cannot blow up the arithmetic.
DECIMAL_CEILING = Decimal("1e12")
DECIMAL_MAX_PLACES = 12

ServiceTier = Literal["standard", "flex", "fast"]
ContainerMemory = Literal["1g", "4g", "16g", "64g"]
AssistantsTruncation = Literal["auto", "last_messages"]
TurnsDistribution = Literal["geometric", "fixed", "histogram"]
# (turns, weight) pairs: the relative share of conversations with that many turns.
TurnsHistogram = tuple[tuple[int, Decimal], ...]


def _about(label: str, unit: str, help_text: str, **extra: Any) -> dict[str, Any]:
    return {"title": label, "description": help_text, "json_schema_extra": {"x-unit": unit, **extra}}


def whole(default: int | None, lo: int, hi: int, label: str, unit: str, help_text: str) -> Any:
    return Field(default, ge=lo, le=hi, **_about(label, unit, help_text))


def decimal(
    default: str, lo: str, hi: str | None, label: str, unit: str, help_text: str, *, exclusive: bool = False
) -> Any:
    bounds: dict[str, Any] = {"gt" if exclusive else "ge": Decimal(lo)}
    bounds["le"] = DECIMAL_CEILING if hi is None else Decimal(hi)
    extra = {"x-open-ended": True} if hi is None else {}
    return Field(Decimal(default), **bounds, **_about(label, unit, help_text, **extra))


def flag(default: bool, label: str, help_text: str) -> Any:
    return Field(default, **_about(label, "", help_text))


def choice(default: str, label: str, help_text: str) -> Any:
    return Field(default, **_about(label, "", help_text))


class Inputs(BaseModel):
    """A group of inputs, as the form shows them: `group` and `title` name it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    group: ClassVar[str]
    title: ClassVar[str]


class Traffic(Inputs):
    group, title = "traffic", "Traffic"

    model: str | None = Field(None, **_about("Model", "", "Model used by all three ways."))
    sessions_per_month: int = whole(
        10000,
        0,
        10**9,
        "Conversations per month",
        "conversations",
        "How many conversations the agent has in a month.",
    )
    service_tier: ServiceTier = choice(
        "standard",
        "Service tier",
        "Price tier for Responses and your own loop; the Assistants API was always standard.",
    )


class Conversation(Inputs):
    group, title = "conversation", "Conversation shape"

    turns_distribution: TurnsDistribution = choice(
        "geometric",
        "Conversation lengths",
        "How lengths spread: geometric around the mean, every conversation the same (fixed), or your "
        "own histogram.",
    )
    turns_histogram: TurnsHistogram | None = Field(
        None,
        validate_default=True,
        **_about(
            "Length histogram",
            "turns:share pairs",
            "With the histogram distribution: how many conversations have each length, as turns:share "
            "pairs (1:40, 2:25, 10:5); shares are relative.",
        ),
    )
    turns_per_session: int | None = Field(
        8,
        ge=1,
        le=1000,
        validate_default=True,
        **_about(
            "Turns per conversation",
            "user messages",
            "User messages in a conversation: every conversation's (fixed) or the mean (geometric).",
        ),
    )
    system_prompt_tokens: int = whole(
        1500, 0, 2 * M, "System prompt", "tokens", "Instructions sent with every call."
    )
    user_message_tokens: int = whole(120, 0, 2 * M, "User message", "tokens", "Size of each user message.")
    assistant_reply_tokens: int = whole(
        300, 0, 2 * M, "Assistant reply", "tokens", "Visible final answer per turn."
    )
    reasoning_tokens_per_call: int = whole(
        0,
        0,
        2 * M,
        "Reasoning per call",
        "tokens",
        "Hidden reasoning output of each model call: billed as output.",
    )
    prompt_caching: bool = flag(
        True,
        "Prompt caching",
        "Apply OpenAI's automatic prefix caching (1,024-token minimum, 128-token steps).",
    )
    cache_hit_rate: Decimal = decimal(
        "0.9",
        "0",
        "1",
        "Cache hit rate",
        "share",
        "Share of cacheable prefixes OpenAI actually finds: caching is best effort (routing, eviction).",
    )
    warm_prefix_across_sessions: bool = flag(
        True,
        "Warm prefix across conversations",
        "The first call of a conversation finds instructions and tools already cached.",
    )
    assistants_truncation: AssistantsTruncation = choice(
        "auto", "Assistants truncation", "The Assistants run's truncation strategy."
    )
    assistants_last_messages: int = whole(
        20, 1, 1000, "Assistants last messages", "messages", "N for the last_messages truncation strategy."
    )
    assistants_keep_tool_results_in_history: bool = flag(
        True,
        "Assistants threads keep tool results",
        "Later runs still see earlier tool calls and outputs (undocumented; community reports say so).",
    )


class Tools(Inputs):
    group, title = "tools", "Tools"

    tool_schema_tokens: int = whole(
        600, 0, 2 * M, "Tool definitions", "tokens", "Function and tool definitions sent with every call."
    )
    function_calls_per_turn: Decimal = decimal(
        "1",
        "0",
        "50",
        "Function calls per turn",
        "calls (average)",
        "Function-tool rounds per turn; 0.5 means one call every other turn.",
    )
    tool_call_tokens: int = whole(
        60, 0, 2 * M, "Tool call size", "tokens", "Output the model writes per tool call (arguments, code)."
    )
    tool_result_tokens: int = whole(
        500, 0, 2 * M, "Function result size", "tokens", "Tokens of each function result fed back."
    )
    web_search_calls_per_turn: Decimal = decimal(
        "0", "0", "50", "Web searches per turn", "searches (average)", "Web searches per turn."
    )
    web_search_result_tokens: int = whole(
        8000,
        0,
        2 * M,
        "Web search content",
        "tokens",
        "Search content the model reads per search (OpenAI bills some models a fixed 8,000-token block).",
    )
    search_api_usd_per_kcalls: Decimal = decimal(
        "5",
        "0",
        None,
        "Your search API",
        "USD / 1,000 searches",
        "What your own search API costs: your loop's web search, and Assistants', which had none.",
    )


class Retrieval(Inputs):
    group, title = "retrieval", "Files and retrieval"

    file_search_calls_per_turn: Decimal = decimal(
        "0", "0", "50", "File searches per turn", "searches (average)", "Retrieval rounds per turn."
    )
    file_search_results: int = whole(
        20,
        1,
        50,
        "Hosted file search results",
        "chunks",
        "Chunks injected per hosted file search (OpenAI's default is 20).",
    )
    file_search_chunk_tokens: int = whole(
        800, 100, 4096, "Hosted chunk size", "tokens", "Tokens per hosted chunk (OpenAI's default is 800)."
    )
    rag_results: int = whole(
        5, 1, 50, "Your retrieval results", "chunks", "Chunks your own retrieval injects (custom loop)."
    )
    rag_chunk_tokens: int = whole(
        400, 1, 4096, "Your chunk size", "tokens", "Tokens per chunk of your own retrieval."
    )
    vector_store_gb: Decimal = decimal(
        "0", "0", "100000", "Knowledge base in vector storage", "GB", "Kept in vector storage all month."
    )
    upload_gb_per_session: Decimal = decimal(
        "0", "0", "1000", "Uploads per conversation", "GB", "Files a user uploads in one conversation."
    )
    upload_retention_days: Decimal = decimal(
        "7", "0", "365", "Upload retention", "days", "Days an upload stays in vector storage."
    )


class Code(Inputs):
    group, title = "code", "Code execution"

    code_interpreter_calls_per_turn: Decimal = decimal(
        "0", "0", "50", "Code runs per turn", "runs (average)", "Code-execution rounds per turn."
    )
    code_interpreter_output_tokens: int = whole(
        300, 0, 2 * M, "Code output size", "tokens", "Tokens of execution output fed back."
    )
    session_minutes: Decimal = decimal(
        "10",
        "0",
        "1440",
        "Conversation length",
        "minutes",
        "Wall-clock length of a conversation (sets code-session fees).",
        exclusive=True,
    )
    container_memory: ContainerMemory = choice(
        "1g", "Responses container size", "Memory of the Responses code-interpreter container."
    )


class Loop(Inputs):
    group, title = "loop", "Your own loop"

    history_limit_tokens: int | None = whole(
        None,
        1,
        10**7,
        "History budget",
        "tokens",
        "Your loop's sliding-window budget for history; empty means the model's context window.",
    )
    keep_tool_results_in_history: bool = flag(
        True, "Keep tool results in history", "Your loop keeps tool calls and results after their turn."
    )
    retrieval_infra_usd_per_month: Decimal = decimal(
        "0",
        "0",
        None,
        "Your retrieval hosting",
        "USD / month",
        "Vector database or search hosting for your own loop.",
    )
    sandbox_usd_per_hour: Decimal = decimal(
        "0",
        "0",
        None,
        "Your code sandbox",
        "USD / hour",
        "Code sandbox for your own loop, per hour of conversation.",
    )


class Build(Inputs):
    group, title = "build", "Build vs buy"

    build_hours: Decimal = decimal(
        "40", "0", None, "Build time", "hours", "Engineering time to build the custom loop."
    )
    maintenance_hours_per_month: Decimal = decimal(
        "4", "0", None, "Maintenance", "hours / month", "Upkeep of the custom loop."
    )
    engineer_usd_per_hour: Decimal = decimal(
        "100", "0", None, "Engineer cost", "USD / hour", "Loaded hourly cost of an engineer."
    )
    amortization_months: Decimal = decimal(
        "12",
        "0",
        "120",
        "Build cost spread over",
        "months",
        "Months over which the build cost is spread in your loop's monthly cost with engineering.",
        exclusive=True,
    )


INPUT_GROUPS: tuple[type[Inputs], ...] = (Traffic, Conversation, Tools, Retrieval, Code, Loop, Build)


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return decimal_str(value)
    if isinstance(value, tuple):  # the histogram: [[turns, "weight"], ...]
        return [[turns, decimal_str(weight)] for turns, weight in value]
    return value


# pydantic lists the fields of the last base first: the bases are in reverse so the form's order holds.
class Workload(Build, Loop, Code, Retrieval, Tools, Conversation, Traffic):
    """One agent workload: every input of the cost model, with its default filled in."""

    model_config = ConfigDict(frozen=True, extra="forbid", title="Workload")

    @field_validator("*", mode="before")
    @classmethod
    def _read(cls, raw: object, info: ValidationInfo) -> object:
        """Every raw value (JSON or text) through the field's own reader, with the project's messages."""
        from pricing.workload.fields import INPUTS  # built from this class, after it exists

        assert info.field_name is not None  # a "*" field validator always runs for a field
        try:
            return INPUTS[info.field_name].read(raw)
        except ValueError as exc:
            raise PydanticCustomError("workload_input", str(exc)) from None

    @model_validator(mode="before")
    @classmethod
    def _length_from_histogram(cls, data: Any) -> Any:
        """With a histogram the mean comes from it: an absent turns_per_session is null, not 8."""
        if isinstance(data, dict) and str(data.get("turns_distribution", "")).strip() == "histogram":
            return {"turns_per_session": None, **data}
        return data

    @field_validator("turns_histogram")
    @classmethod
    def _histogram_with_its_distribution(cls, value: TurnsHistogram | None, info: ValidationInfo) -> object:
        distribution = info.data.get("turns_distribution")
        if distribution == "histogram" and value is None:
            raise PydanticCustomError("workload_input", 'is required with turns_distribution "histogram".')
        if distribution not in (None, "histogram") and value is not None:
            raise PydanticCustomError("workload_input", 'is only read with turns_distribution "histogram".')
        return value

    @field_validator("turns_per_session")
    @classmethod
    def _length_or_histogram(cls, value: int | None, info: ValidationInfo) -> object:
        distribution = info.data.get("turns_distribution")
        if distribution == "histogram" and value is not None:
            raise PydanticCustomError(
                "workload_input", "leave it out with a histogram: the mean length comes from the histogram."
            )
        if distribution not in (None, "histogram") and value is None:
            raise PydanticCustomError("workload_input", "must be a whole number.")
        return value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready inputs: ints and bools as JSON, decimals as exact strings."""
        return {name: _json_value(value) for name, value in self.__dict__.items()}

    def replace(self, **changes: Any) -> Workload:
        return self.model_copy(update=changes)
