"""Export files as records: the JSON and CSV layouts, read and written, with where each record sits.

The JSON export is the `/api/prices` response plus `format` and `history` (every row ever entered, per
kind); a token price nests its long-context prices under `long_context` as `/api/prices` does. The CSV
holds the same history, one row per record, with a `record` column naming its kind and long-context
prices flattened into `long_context_*` columns. Values stay raw here: the record forms parse them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from estimator.csv_cells import from_spreadsheet_cell, spreadsheet_cell
from pricing.models import TokenPrice
from pricing.transfer.records import KINDS, KINDS_BY_NAME

FORMAT = "agent-cost-estimator/price-table"
FORMAT_VERSION = 1
MAX_ERRORS = 50
MAX_IMPORT_BYTES = 10 * 1024 * 1024
LONG_CONTEXT_KEYS = {"threshold_tokens": "long_context_threshold"} | {
    name: f"long_context_{name}" for name in TokenPrice.BASE_PRICE_FIELDS
}
# Every kind's fields: identity and dates first, then numbers and lifecycles, provenance last.
PROVENANCE_COLUMNS = (
    "source",
    "source_version",
    "lifecycle_source",
    "limits_source",
    "default_source",
    "edited_by",
    "created_at",
    "checked_at",
    "note",
)
_ALL_FIELDS = dict.fromkeys(
    name for kind in (KINDS[2], KINDS[3], KINDS[0], KINDS[1]) for name in kind.exported
)
CSV_COLUMNS = (
    "record",
    *(name for name in _ALL_FIELDS if name not in PROVENANCE_COLUMNS),
    *(name for name in PROVENANCE_COLUMNS if name in _ALL_FIELDS),
)


def printable(text: str) -> str:
    """Text safe to print or render: a lone surrogate from a hostile file shows as its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class PriceImportError(ValueError):
    """A file that cannot be imported; `errors` lists each problem with its row and field."""

    def __init__(self, errors: list[str]):
        errors = [printable(error) for error in errors]
        shown = errors[:MAX_ERRORS]
        more = len(errors) - len(shown)
        super().__init__("\n".join(shown) + (f"\n… and {more} more" if more > 0 else ""))
        self.errors = errors


@dataclass(frozen=True)
class Record:
    kind: str
    where: str  # "row 7" (CSV) or "history.token_prices[3]" (JSON)
    values: dict[str, Any]  # field name -> raw value (str, number, bool or None); absent = not given

    def label(self) -> str:
        """The row as an admin knows it: "gpt-4.1 standard from 2030-01-01", "acme-1"."""
        values = {name: "" if value is None else str(value) for name, value in self.values.items()}
        if self.kind == "token_price":
            model, tier = values.get("model", ""), values.get("service_tier", "")
            return f"{model} {tier} from {values.get('effective_from', '')}"
        if self.kind == "tool_fee":
            return f"{values.get('key', '')} from {values.get('effective_from', '')}"
        return values.get("model" if self.kind == "model" else "key", "")

    def error(self, field: str | None, message: str) -> str:
        label = self.label().strip()
        where = f"{self.where} ({label})" if label else self.where
        return f"{where}, field {field}: {message}" if field else f"{where}: {message}"


# ---------------------------------------------------------------- JSON


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object (which value is meant?)")
        seen[key] = value
    return seen


def records_from_json(text: str) -> list[Record]:
    try:
        data = json.loads(text, parse_float=Decimal, object_pairs_hook=_refuse_repeated_keys)
    except RecursionError:
        raise PriceImportError(["not valid JSON: nested too deeply"]) from None
    except ValueError as exc:
        raise PriceImportError([f"not valid JSON: {exc}"]) from None
    if not isinstance(data, dict):
        raise PriceImportError(["expected a JSON object with a `history` key (a price-table export)"])
    if data.get("format") not in (None, FORMAT):
        raise PriceImportError([f"format: expected {FORMAT!r}, got {data.get('format')!r}"])
    if data.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
        raise PriceImportError([f"format_version: this app reads version {FORMAT_VERSION}"])
    history = data.get("history")
    if not isinstance(history, dict):
        raise PriceImportError(["history: missing; export the table with export_prices to get one"])
    unknown = set(history) - {kind.history_key for kind in KINDS}
    if unknown:
        raise PriceImportError([f"history: unknown key {name!r}" for name in sorted(unknown)])
    records, errors = [], []
    for kind in KINDS:
        items = history.get(kind.history_key, [])
        if not isinstance(items, list):
            errors.append(f"history.{kind.history_key}: expected a list")
            continue
        for index, item in enumerate(items):
            where = f"history.{kind.history_key}[{index}]"
            if not isinstance(item, dict):
                errors.append(f"{where}: expected an object")
                continue
            values = dict(item)
            if kind.name == "token_price" and "long_context" in values:
                long_context = values.pop("long_context")
                if long_context is not None and not isinstance(long_context, dict):
                    errors.append(f"{where}, field long_context: expected an object or null")
                    continue
                for key, value in (long_context or {}).items():
                    if key in LONG_CONTEXT_KEYS:
                        values[LONG_CONTEXT_KEYS[key]] = value
                    else:
                        errors.append(f"{where}, field long_context.{key}: unknown field")
            records.append(Record(kind.name, where, values))
    if errors:
        raise PriceImportError(errors)
    return records


def json_history_record(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """A token price's long-context columns nested as `/api/prices` shows them; other kinds as they are."""
    if kind != "token_price":
        return record
    flat = {name: value for name, value in record.items() if name not in LONG_CONTEXT_KEYS.values()}
    nested = None
    if record.get("long_context_threshold") is not None:
        nested = {key: record.get(column) for key, column in LONG_CONTEXT_KEYS.items()}
    position = list(flat).index("output_per_mtok") + 1
    items = list(flat.items())
    return dict([*items[:position], ("long_context", nested), *items[position:]])


# ---------------------------------------------------------------- CSV


def csv_cell(value: Any) -> str:
    """A record's value as a CSV cell: booleans as true/false, formula-leading text made safe for
    spreadsheets by the app's one helper (`estimator.csv_cells`), which the import undoes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_cell(value)


def write_csv(rows: Iterable[tuple[str, dict[str, Any]]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for kind, record in rows:
        writer.writerow({"record": kind, **{name: csv_cell(value) for name, value in record.items()}})
    return out.getvalue()


def records_from_csv(text: str) -> list[Record]:
    try:
        return _records_from_csv(text)
    except csv.Error as exc:  # a NUL byte, an over-long field, a broken quote
        raise PriceImportError([f"not a readable CSV file: {exc}"]) from None


def _csv_header(header: Sequence[str]) -> None:
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise PriceImportError([f"row 1 (header), column {name!r}: appears twice" for name in repeated])
    if "record" not in header:
        raise PriceImportError(
            ["row 1 (header): needs a `record` column; export the table to get the layout"]
        )
    legacy = {name for kind in KINDS for name in kind.legacy}
    unknown = [name for name in header if name not in CSV_COLUMNS and name not in legacy]
    if unknown:
        raise PriceImportError([f"row 1 (header), column {name!r}: unknown column" for name in unknown])


def _records_from_csv(text: str) -> list[Record]:
    reader = csv.DictReader(io.StringIO(text))
    _csv_header(reader.fieldnames or [])
    records, errors = [], []
    for line, row in enumerate(reader, start=2):
        if None in row:
            errors.append(f"row {line}: more values than columns")
            continue
        name = (row.pop("record") or "").strip()
        if not name and not any((value or "").strip() for value in row.values()):
            continue  # a blank line
        kind = KINDS_BY_NAME.get(name)
        if kind is None:
            errors.append(
                f"row {line}, field record: expected one of {', '.join(KINDS_BY_NAME)}, got {name!r}"
            )
            continue
        values = {
            column: None if value is None or value.strip() == "" else from_spreadsheet_cell(value.strip())
            for column, value in row.items()
            if column in kind.field_names
        }
        errors.extend(
            f"row {line}, field {column}: not used by a {name} record, leave it empty"
            for column, value in row.items()
            if column not in kind.field_names and (value or "").strip()
        )
        records.append(Record(name, f"row {line}", values))
    if errors:
        raise PriceImportError(errors)
    return records


def records_from_file(name: str, content: bytes) -> list[Record]:
    """Records from an uploaded or named file: JSON when it looks like JSON, CSV otherwise."""
    if len(content) > MAX_IMPORT_BYTES:
        raise PriceImportError([f"the file is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB"])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PriceImportError([f"not UTF-8 text (byte {exc.start})"]) from None
    if name.lower().endswith(".json") or (
        not name.lower().endswith(".csv") and text.lstrip().startswith("{")
    ):
        return records_from_json(text)
    return records_from_csv(text)
