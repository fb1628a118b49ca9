"""The workload: every input of the cost model, its range, default, unit and help text.

`FIELDS` is the one table the API, the browser form, the CLI and the "How we calculate" page read.
`parse_workload()` turns raw values (JSON values or query-string text) into a `Workload`, or raises
`WorkloadError` whose `errors` name every bad field. No database here: whether `model` is in the price
table is checked by the caller that has the table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

from pricing.sheet import CONTAINER_SIZES, SERVICE_TIERS, decimal_str

GROUPS = (
    ("traffic", "Traffic"),
    ("conversation", "Conversation shape"),
    ("tools", "Tools"),
    ("retrieval", "Files and retrieval"),
    ("code", "Code execution"),
    ("loop", "Your own loop"),
    ("build", "Build vs buy"),
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: str  # "int", "decimal", "bool", "choice", "model", "optional_int"
    default: object
    group: str
    label: str
    unit: str
    help: str
    minimum: int | Decimal | None = None
    maximum: int | Decimal | None = None
    # session_minutes must be strictly above its minimum (0 < minutes).
    minimum_exclusive: bool = False
    choices: tuple[str, ...] = ()


def _int(name, default, lo, hi, group, label, unit, help_text):
    return FieldSpec(name, "int", default, group, label, unit, help_text, lo, hi)


def _dec(name, default, lo, hi, group, label, unit, help_text, exclusive=False):
    return FieldSpec(
        name,
        "decimal",
        Decimal(default),
        group,
        label,
        unit,
        help_text,
        Decimal(lo),
        None if hi is None else Decimal(hi),
        exclusive,
    )


def _bool(name, default, group, label, help_text):
    return FieldSpec(name, "bool", default, group, label, "", help_text)


def _choice(name, default, choices, group, label, help_text):
    return FieldSpec(name, "choice", default, group, label, "", help_text, choices=tuple(choices))


M = 1_000_000
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("model", "model", None, "traffic", "Model", "", "Model used by all three ways."),
    _int(
        "sessions_per_month",
        10000,
        0,
        10**9,
        "traffic",
        "Conversations per month",
        "conversations",
        "How many conversations the agent has in a month.",
    ),
    _choice(
        "service_tier",
        "standard",
        SERVICE_TIERS,
        "traffic",
        "Service tier",
        "Price tier for Responses and your own loop; the Assistants API was always standard.",
    ),
    _int(
        "turns_per_session",
        8,
        1,
        1000,
        "conversation",
        "Turns per conversation",
        "user messages",
        "User messages in one conversation.",
    ),
    _int(
        "system_prompt_tokens",
        1500,
        0,
        2 * M,
        "conversation",
        "System prompt",
        "tokens",
        "Instructions sent with every call.",
    ),
    _int(
        "user_message_tokens",
        120,
        0,
        2 * M,
        "conversation",
        "User message",
        "tokens",
        "Size of each user message.",
    ),
    _int(
        "assistant_reply_tokens",
        300,
        0,
        2 * M,
        "conversation",
        "Assistant reply",
        "tokens",
        "Visible final answer per turn.",
    ),
    _int(
        "reasoning_tokens_per_call",
        0,
        0,
        2 * M,
        "conversation",
        "Reasoning per call",
        "tokens",
        "Hidden reasoning output of each model call: billed as output, never kept.",
    ),
    _bool(
        "prompt_caching",
        True,
        "conversation",
        "Prompt caching",
        "Apply OpenAI's automatic prefix caching (1,024-token minimum, 128-token steps).",
    ),
    _bool(
        "warm_prefix_across_sessions",
        True,
        "conversation",
        "Warm prefix across conversations",
        "The first call of a conversation finds instructions and tools already cached.",
    ),
    _int(
        "tool_schema_tokens",
        600,
        0,
        2 * M,
        "tools",
        "Tool definitions",
        "tokens",
        "Function and tool definitions sent with every call.",
    ),
    _dec(
        "function_calls_per_turn",
        "1",
        "0",
        "50",
        "tools",
        "Function calls per turn",
        "calls (average)",
        "Function-tool rounds per turn; 0.5 means one call every other turn.",
    ),
    _int(
        "tool_call_tokens",
        60,
        0,
        2 * M,
        "tools",
        "Tool call size",
        "tokens",
        "Output the model writes per tool call (arguments, code).",
    ),
    _int(
        "tool_result_tokens",
        500,
        0,
        2 * M,
        "tools",
        "Function result size",
        "tokens",
        "Tokens of each function result fed back.",
    ),
    _dec(
        "file_search_calls_per_turn",
        "0",
        "0",
        "50",
        "retrieval",
        "File searches per turn",
        "searches (average)",
        "Retrieval rounds per turn.",
    ),
    _int(
        "file_search_results",
        20,
        1,
        50,
        "retrieval",
        "Hosted file search results",
        "chunks",
        "Chunks injected per hosted file search (OpenAI's default is 20).",
    ),
    _int(
        "file_search_chunk_tokens",
        800,
        100,
        4096,
        "retrieval",
        "Hosted chunk size",
        "tokens",
        "Tokens per hosted chunk (OpenAI's default is 800).",
    ),
    _int(
        "rag_results",
        5,
        1,
        50,
        "retrieval",
        "Your retrieval results",
        "chunks",
        "Chunks your own retrieval injects (custom loop).",
    ),
    _int(
        "rag_chunk_tokens",
        400,
        1,
        4096,
        "retrieval",
        "Your chunk size",
        "tokens",
        "Tokens per chunk of your own retrieval.",
    ),
    _dec(
        "vector_store_gb",
        "0",
        "0",
        "100000",
        "retrieval",
        "Knowledge base in vector storage",
        "GB",
        "Kept in vector storage all month.",
    ),
    _dec(
        "upload_gb_per_session",
        "0",
        "0",
        "1000",
        "retrieval",
        "Uploads per conversation",
        "GB",
        "Files a user uploads in one conversation.",
    ),
    _dec(
        "upload_retention_days",
        "7",
        "0",
        "365",
        "retrieval",
        "Upload retention",
        "days",
        "Days an upload stays in vector storage.",
    ),
    _dec(
        "code_interpreter_calls_per_turn",
        "0",
        "0",
        "50",
        "code",
        "Code runs per turn",
        "runs (average)",
        "Code-execution rounds per turn.",
    ),
    _int(
        "code_interpreter_output_tokens",
        300,
        0,
        2 * M,
        "code",
        "Code output size",
        "tokens",
        "Tokens of execution output fed back.",
    ),
    _dec(
        "session_minutes",
        "10",
        "0",
        "1440",
        "code",
        "Conversation length",
        "minutes",
        "Wall-clock length of a conversation (sets code-session fees).",
        exclusive=True,
    ),
    _choice(
        "container_memory",
        "1g",
        CONTAINER_SIZES,
        "code",
        "Responses container size",
        "Memory of the Responses code-interpreter container.",
    ),
    _choice(
        "assistants_truncation",
        "auto",
        ("auto", "last_messages"),
        "conversation",
        "Assistants truncation",
        "The Assistants run's truncation strategy.",
    ),
    _int(
        "assistants_last_messages",
        20,
        1,
        1000,
        "conversation",
        "Assistants last messages",
        "messages",
        "N for the last_messages truncation strategy.",
    ),
    _bool(
        "assistants_keep_tool_results_in_history",
        True,
        "conversation",
        "Assistants threads keep tool results",
        "Later runs still see earlier tool calls and outputs (undocumented; community reports say so).",
    ),
    FieldSpec(
        "history_limit_tokens",
        "optional_int",
        None,
        "loop",
        "History budget",
        "tokens",
        "Your loop's sliding-window budget for history; empty means the model's context window.",
        1,
        10**7,
    ),
    _bool(
        "keep_tool_results_in_history",
        True,
        "loop",
        "Keep tool results in history",
        "Your loop keeps tool calls and results after their turn.",
    ),
    _dec(
        "retrieval_infra_usd_per_month",
        "0",
        "0",
        None,
        "loop",
        "Your retrieval hosting",
        "USD / month",
        "Vector database or search hosting for your own loop.",
    ),
    _dec(
        "sandbox_usd_per_hour",
        "0",
        "0",
        None,
        "loop",
        "Your code sandbox",
        "USD / hour",
        "Code sandbox for your own loop, per hour of conversation.",
    ),
    _dec(
        "build_hours",
        "40",
        "0",
        None,
        "build",
        "Build time",
        "hours",
        "Engineering time to build the custom loop.",
    ),
    _dec(
        "maintenance_hours_per_month",
        "4",
        "0",
        None,
        "build",
        "Maintenance",
        "hours / month",
        "Upkeep of the custom loop.",
    ),
    _dec(
        "engineer_usd_per_hour",
        "100",
        "0",
        None,
        "build",
        "Engineer cost",
        "USD / hour",
        "Loaded hourly cost of an engineer.",
    ),
)
FIELDS_BY_NAME = {spec.name: spec for spec in FIELDS}
# Decimals without an upper bound still need one so a hostile input cannot blow up the arithmetic.
DECIMAL_CEILING = Decimal("1e12")
DECIMAL_MAX_PLACES = 12


@dataclass(frozen=True, slots=True)
class Workload:
    """One agent workload, every input of the cost model with its default filled in."""

    model: str | None = None
    sessions_per_month: int = 10000
    turns_per_session: int = 8
    system_prompt_tokens: int = 1500
    tool_schema_tokens: int = 600
    user_message_tokens: int = 120
    assistant_reply_tokens: int = 300
    function_calls_per_turn: Decimal = Decimal("1")
    tool_call_tokens: int = 60
    tool_result_tokens: int = 500
    reasoning_tokens_per_call: int = 0
    file_search_calls_per_turn: Decimal = Decimal("0")
    file_search_results: int = 20
    file_search_chunk_tokens: int = 800
    rag_results: int = 5
    rag_chunk_tokens: int = 400
    code_interpreter_calls_per_turn: Decimal = Decimal("0")
    code_interpreter_output_tokens: int = 300
    session_minutes: Decimal = Decimal("10")
    vector_store_gb: Decimal = Decimal("0")
    upload_gb_per_session: Decimal = Decimal("0")
    upload_retention_days: Decimal = Decimal("7")
    prompt_caching: bool = True
    warm_prefix_across_sessions: bool = True
    service_tier: str = "standard"
    history_limit_tokens: int | None = None
    keep_tool_results_in_history: bool = True
    assistants_keep_tool_results_in_history: bool = True
    assistants_truncation: str = "auto"
    assistants_last_messages: int = 20
    container_memory: str = "1g"
    retrieval_infra_usd_per_month: Decimal = Decimal("0")
    sandbox_usd_per_hour: Decimal = Decimal("0")
    build_hours: Decimal = Decimal("40")
    maintenance_hours_per_month: Decimal = Decimal("4")
    engineer_usd_per_hour: Decimal = Decimal("100")

    def to_dict(self) -> dict:
        """JSON-ready inputs: ints and bools as JSON, decimals as exact strings."""
        out = {}
        for spec in FIELDS:
            value = getattr(self, spec.name)
            out[spec.name] = decimal_str(value) if isinstance(value, Decimal) else value
        return out

    def replace(self, **changes) -> Workload:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Workload(**values)


assert {f.name for f in fields(Workload)} == set(FIELDS_BY_NAME), (
    "FIELDS and Workload must list the same inputs"
)


class WorkloadError(ValueError):
    """Bad inputs: `errors` maps each field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items()))
        self.errors = errors


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def _range_message(spec: FieldSpec) -> str:
    lo = spec.minimum
    hi = spec.maximum
    lo_text = f"more than {lo:,}" if spec.minimum_exclusive else f"at least {lo:,}"
    if hi is None:
        return f"must be {lo_text}."
    return f"must be {lo_text} and at most {hi:,}."


def _parse_int(spec: FieldSpec, raw) -> int:
    if isinstance(raw, bool):
        raise ValueError("must be a whole number, not true/false.")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, (float, Decimal)):
        if not math.isfinite(raw) or raw != int(raw):
            raise ValueError("must be a whole number.")
        value = int(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace("_", "").replace(",", "")
        if not text or len(text) > 20 or not text.lstrip("+-").isdigit():
            raise ValueError("must be a whole number.")
        value = int(text)
    else:
        raise ValueError("must be a whole number.")
    if value < spec.minimum or value > spec.maximum:
        raise ValueError(_range_message(spec))
    return value


def _parse_decimal(spec: FieldSpec, raw) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError("must be a number, not true/false.")
    if isinstance(raw, (int, Decimal)):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip().replace("_", "").replace(",", "")
        if not text or len(text) > 40:
            raise ValueError("must be a number.")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError("must be a number.") from None
    else:
        raise ValueError("must be a number.")
    if not value.is_finite():
        raise ValueError("must be a finite number.")
    ceiling = spec.maximum if spec.maximum is not None else DECIMAL_CEILING
    if value < spec.minimum or (spec.minimum_exclusive and value == spec.minimum) or value > ceiling:
        if spec.maximum is None and value > ceiling:
            raise ValueError(f"must be at most {ceiling:,f}.")
        raise ValueError(_range_message(spec))
    if value.as_tuple().exponent < -DECIMAL_MAX_PLACES:
        raise ValueError(f"must have at most {DECIMAL_MAX_PLACES} decimal places.")
    # Normalise so "10.0" and "10" are the same input (exact value, no exponent form).
    return Decimal(decimal_str(value))


def _parse_bool(spec: FieldSpec, raw) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise ValueError("must be true or false.")


def _parse_choice(spec: FieldSpec, raw) -> str:
    if isinstance(raw, str) and raw.strip() in spec.choices:
        return raw.strip()
    raise ValueError(f"must be one of: {', '.join(spec.choices)}.")


def _parse_optional_int(spec: FieldSpec, raw) -> int | None:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in {"", "null", "none"}):
        return None
    return _parse_int(spec, raw)


def _parse_model(spec: FieldSpec, raw) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    # Printable only: a NUL byte would reach the database, which PostgreSQL refuses with an error.
    if not isinstance(raw, str) or len(raw) > 100 or not raw.isprintable():
        raise ValueError("must be a model id from the price table.")
    return raw.strip()


_PARSERS = {
    "int": _parse_int,
    "decimal": _parse_decimal,
    "bool": _parse_bool,
    "choice": _parse_choice,
    "optional_int": _parse_optional_int,
    "model": _parse_model,
}


def parse_workload(raw: dict, *, ignore: frozenset[str] = frozenset()) -> Workload:
    """Build a Workload from raw values; absent keys take their defaults.

    Unknown keys are errors (a typo must never silently fall back to a default), except the names
    in `ignore`, which the caller handles itself (for example `as_of`).
    """
    if not isinstance(raw, dict):
        raise WorkloadError({"__all__": ["Expected a JSON object of inputs."]})
    errors: dict[str, list[str]] = {}
    values = {}
    for key in raw:
        if key not in FIELDS_BY_NAME and key not in ignore:
            errors.setdefault(str(key)[:100], []).append("is not a known input.")
    for spec in FIELDS:
        if spec.name not in raw:
            continue
        try:
            values[spec.name] = _PARSERS[spec.kind](spec, raw[spec.name])
        except ValueError as exc:
            errors.setdefault(spec.name, []).append(str(exc))
    if errors:
        raise WorkloadError(errors)
    return Workload(**values)
