"""Imported calls written straight to their table: a million rows through the ORM's bulk_create spend
most of their time building model instances and compiling SQL, so rows are tuples adapted with the
database backend's own adapters (the conversions bulk_create would make) and sent with executemany.
"""

from __future__ import annotations

from django.db import connection, models, transaction

from runs.models import ImportedCall
from runs.traces.conversations import Placement
from runs.traces.prices import PricedCall
from runs.traces.records import TraceCall

COLUMNS = (
    "trace_import",
    "conversation",
    "index",
    "turn",
    "round",
    "line",
    "api",
    "model",
    "service_tier",
    "at",
    "latency_ms",
    "prompt_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cost_usd",
    "recorded_cost_usd",
    "priced_on",
    "price_problem",
    "tool_names",
    "text",
)
FIELDS = {field.name: field for field in ImportedCall._meta.concrete_fields if field.name in COLUMNS}
_cost = FIELDS["cost_usd"]
assert isinstance(_cost, models.DecimalField)
USD_DIGITS = (_cost.max_digits, _cost.decimal_places)  # recorded_cost_usd has the same


def _json(name: str, value: object) -> object:
    return None if value is None else FIELDS[name].get_db_prep_save(value, connection)


def _column(name: str) -> str:
    column = FIELDS[name].column
    if column is None:  # only fields that are no column (many-to-many) have none
        raise ValueError(f"ImportedCall.{name} has no column")
    return column


def _insert_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(name)) for name in COLUMNS)
    values = ", ".join(["%s"] * len(COLUMNS))
    return f"INSERT INTO {quote(ImportedCall._meta.db_table)} ({columns}) VALUES ({values})"


def call_row(import_id: int, call: TraceCall, placement: Placement, priced: PricedCall) -> tuple:
    ops, usage = connection.ops, call.usage
    tool_names = [use.name for use in (*call.tool_uses, *call.hosted_uses)]
    return (
        import_id,
        placement.conversation.index,
        placement.index,
        placement.turn,
        placement.round,
        call.line,
        call.api,
        call.model[:200],
        call.service_tier,
        ops.adapt_datetimefield_value(call.at),
        call.latency_ms,
        usage.prompt_tokens,
        usage.cached_tokens,
        usage.cache_write_tokens,
        usage.completion_tokens,
        usage.reasoning_tokens,
        ops.adapt_decimalfield_value(priced.cost_usd, *USD_DIGITS),
        ops.adapt_decimalfield_value(call.recorded_cost_usd, *USD_DIGITS),
        ops.adapt_datefield_value(priced.priced_on),
        priced.problem[:300],
        _json("tool_names", tool_names),
        _json("text", call.text),
    )


def call_rows_insert(rows: list[tuple]) -> None:
    """One transaction per batch (in autocommit, SQLite would commit, and sync, every row)."""
    if rows:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(_insert_sql(), rows)
