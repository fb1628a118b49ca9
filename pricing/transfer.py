"""Export and import the whole price table: every model, dated price, tool fee and lifecycle.

The JSON export is the `/api/prices` response for the export date (`as_of`, `version`, `default_model`,
`models`), plus `format` and `history`: every row ever entered, so importing it into an empty database
reproduces the sheet for any date, and so every estimate, exactly. The `models` snapshot is for
reading; an import reads `history` only.

The CSV export holds the same `history`, one row per record, with a `record` column saying which kind:
`model`, `api_surface`, `token_price` or `tool_fee`. Long-context prices are flattened into
`long_context_*` columns.

An import is one transaction: any bad row and nothing is imported; the error names the row and field.
Rows already in the table with the same values are left alone; a row that contradicts one already in
the table is an error (an import never overrides). Like `sync_prices`, an import never adds a row dated
before today to a model, tier or fee the table already prices, since that would re-price past estimates.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pricing.catalog import price_list
from pricing.memo import price_table_changed
from pricing.models import (
    ApiSurface,
    LanguageModel,
    Source,
    TokenPrice,
    ToolFee,
    series_snapshot,
    today,
)
from pricing.sheet import decimal_str

FORMAT = "agent-cost-estimator/price-table"
FORMAT_VERSION = 1
MAX_ERRORS = 50
MAX_IMPORT_BYTES = 10 * 1024 * 1024

RECORD_KINDS = ("model", "api_surface", "token_price", "tool_fee")
HISTORY_KEYS = {
    "model": "models",
    "api_surface": "api_surfaces",
    "token_price": "token_prices",
    "tool_fee": "tool_fees",
}
BASE_PRICE_FIELDS = ("input_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok", "output_per_mtok")
LONG_CONTEXT_FIELDS = tuple(f"long_context_{name}" for name in BASE_PRICE_FIELDS)

MODEL_FIELDS = (
    "model",
    "name",
    "family",
    "context_window",
    "max_input_tokens",
    "cache_ttl_minutes",
    "encoding",
    "shutdown_date",
    "successor",
    "is_default",
    "source",
    "source_version",
    "lifecycle_source",
    "limits_source",
    "default_source",
    "edited_by",
)
SURFACE_FIELDS = ("key", "name", "status", "shutdown_date", "successor", "source", "edited_by")
TOKEN_PRICE_FIELDS = (
    "model",
    "service_tier",
    "effective_from",
    *BASE_PRICE_FIELDS,
    "long_context_threshold",
    *LONG_CONTEXT_FIELDS,
    "source",
    "source_version",
    "edited_by",
    "created_at",
    "checked_at",
    "note",
)
TOOL_FEE_FIELDS = (
    "key",
    "effective_from",
    "amount",
    "source",
    "source_version",
    "edited_by",
    "created_at",
    "checked_at",
    "note",
)
FIELDS_BY_KIND = {
    "model": MODEL_FIELDS,
    "api_surface": SURFACE_FIELDS,
    "token_price": TOKEN_PRICE_FIELDS,
    "tool_fee": TOOL_FEE_FIELDS,
}
# Identity and dates first, numbers next, lifecycle and provenance last: readable in a spreadsheet.
CSV_COLUMNS = (
    "record",
    "model",
    "key",
    "service_tier",
    "effective_from",
    *BASE_PRICE_FIELDS,
    "long_context_threshold",
    *LONG_CONTEXT_FIELDS,
    "amount",
    "name",
    "family",
    "context_window",
    "max_input_tokens",
    "cache_ttl_minutes",
    "encoding",
    "status",
    "shutdown_date",
    "successor",
    "is_default",
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
# Required in every record of the kind; the rest may be empty / absent.
REQUIRED = {
    "model": ("model", "context_window"),
    "api_surface": ("key", "name"),
    "token_price": ("model", "service_tier", "effective_from", "input_per_mtok", "output_per_mtok"),
    "tool_fee": ("key", "effective_from", "amount"),
}


class PriceImportError(ValueError):
    """A file that cannot be imported; `errors` lists each problem with its row and field."""

    def __init__(self, errors: list[str]):
        shown = errors[:MAX_ERRORS]
        more = len(errors) - len(shown)
        super().__init__("\n".join(shown) + (f"\n… and {more} more" if more > 0 else ""))
        self.errors = errors


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RECORD_KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RECORD_KINDS, 0))
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        created = ", ".join(
            f"{count} {HISTORY_KEYS[kind].replace('_', ' ')}" for kind, count in self.created.items()
        )
        same = sum(self.unchanged.values())
        return f"{verb} {created}; {same} rows already in the table unchanged."


# ---------------------------------------------------------------- export


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return decimal_str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _user(row) -> str | None:
    return row.edited_by.get_username() if row.edited_by_id else None


def history_records() -> dict[str, list[dict]]:
    """Every row of the table as plain JSON values, in a stable order."""
    models = [
        {
            "model": m.id,
            "name": m.name,
            "family": m.family,
            "context_window": m.context_window,
            "max_input_tokens": m.max_input_tokens,
            "cache_ttl_minutes": m.cache_ttl_minutes,
            "encoding": m.encoding,
            "shutdown_date": _text(m.shutdown_date),
            "successor": m.successor_id,
            "is_default": m.is_default,
            "source": m.source,
            "source_version": m.source_version,
            "lifecycle_source": m.lifecycle_source,
            "limits_source": m.limits_source,
            "default_source": m.default_source,
            "edited_by": _user(m),
        }
        for m in LanguageModel.objects.select_related("edited_by").order_by("id")
    ]
    surfaces = [
        {
            "key": s.key,
            "name": s.name,
            "shutdown_date": _text(s.shutdown_date),
            "successor": s.successor_id,
            "source": s.source,
            "edited_by": _user(s),
        }
        for s in ApiSurface.objects.select_related("edited_by").order_by("key")
    ]
    prices = []
    for p in TokenPrice.objects.select_related("edited_by").order_by(
        "model_id", "service_tier", "effective_from"
    ):
        record = {
            "model": p.model_id,
            "service_tier": p.service_tier,
            "effective_from": _text(p.effective_from),
            **{name: _text(getattr(p, name)) for name in BASE_PRICE_FIELDS},
            "long_context": None,
        }
        if p.long_context_threshold is not None:
            record["long_context"] = {
                "threshold_tokens": p.long_context_threshold,
                **{name: _text(getattr(p, f"long_context_{name}")) for name in BASE_PRICE_FIELDS},
            }
        record.update(
            source=p.source,
            source_version=p.source_version,
            edited_by=_user(p),
            created_at=_text(p.created_at),
            checked_at=_text(p.checked_at),
            note=p.note,
        )
        prices.append(record)
    fees = [
        {
            "key": f.key,
            "effective_from": _text(f.effective_from),
            "amount": _text(f.amount),
            "source": f.source,
            "source_version": f.source_version,
            "edited_by": _user(f),
            "created_at": _text(f.created_at),
            "checked_at": _text(f.checked_at),
            "note": f.note,
        }
        for f in ToolFee.objects.select_related("edited_by").order_by("key", "effective_from")
    ]
    return {"models": models, "api_surfaces": surfaces, "token_prices": prices, "tool_fees": fees}


def export_table(as_of: date | None = None) -> dict:
    """`/api/prices` for `as_of` plus the full dated history (see the module docstring)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        **price_list(as_of),
        "history": history_records(),
    }


def export_json(as_of: date | None = None) -> str:
    return json.dumps(export_table(as_of), indent=2) + "\n"


def _flat(kind: str, record: dict) -> dict:
    """A history record as one CSV row's values (long-context prices flattened)."""
    flat = {name: value for name, value in record.items() if name != "long_context"}
    if kind == "token_price":
        long_context = record.get("long_context") or {}
        flat["long_context_threshold"] = long_context.get("threshold_tokens")
        for name in BASE_PRICE_FIELDS:
            flat[f"long_context_{name}"] = long_context.get(name)
    return flat


# A spreadsheet runs a cell that starts with one of these as a formula: the export quotes such text with
# a leading apostrophe (as spreadsheets do) and the import removes it again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _from_csv_cell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def export_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    history = history_records()
    for kind in RECORD_KINDS:
        for record in history[HISTORY_KEYS[kind]]:
            row = {name: _csv_cell(value) for name, value in _flat(kind, record).items()}
            if kind == "model":
                row["is_default"] = "true" if record["is_default"] else "false"
            writer.writerow({"record": kind, **row})
    return out.getvalue()


# ---------------------------------------------------------------- reading files


@dataclass
class Record:
    kind: str
    where: str  # "row 7" (CSV) or "history.token_prices[3]" (JSON)
    values: dict  # field name -> raw value (str, number, bool or None); absent = not given


def records_from_json(text: str) -> list[Record]:
    try:
        data = json.loads(text, parse_float=Decimal)
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
    unknown = set(history) - set(HISTORY_KEYS.values())
    if unknown:
        raise PriceImportError([f"history: unknown key {name!r}" for name in sorted(unknown)])
    records = []
    errors = []
    for kind in RECORD_KINDS:
        items = history.get(HISTORY_KEYS[kind], [])
        if not isinstance(items, list):
            errors.append(f"history.{HISTORY_KEYS[kind]}: expected a list")
            continue
        for index, item in enumerate(items):
            where = f"history.{HISTORY_KEYS[kind]}[{index}]"
            if not isinstance(item, dict):
                errors.append(f"{where}: expected an object")
                continue
            values = dict(item)
            if kind == "token_price" and "long_context" in values:
                long_context = values.pop("long_context")
                if long_context is not None and not isinstance(long_context, dict):
                    errors.append(f"{where}, field long_context: expected an object or null")
                    continue
                long_context = dict(long_context or {})
                values["long_context_threshold"] = long_context.pop("threshold_tokens", None)
                for name in BASE_PRICE_FIELDS:
                    values[f"long_context_{name}"] = long_context.pop(name, None)
                errors.extend(f"{where}, field long_context.{name}: unknown field" for name in long_context)
            records.append(Record(kind, where, values))
    if errors:
        raise PriceImportError(errors)
    return records


def records_from_csv(text: str) -> list[Record]:
    try:
        return _records_from_csv(text)
    except csv.Error as exc:  # a NUL byte, an over-long field, a broken quote
        raise PriceImportError([f"not a readable CSV file: {exc}"]) from None


def _records_from_csv(text: str) -> list[Record]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise PriceImportError([f"row 1 (header), column {name!r}: appears twice" for name in repeated])
    if "record" not in header:
        raise PriceImportError(
            ["row 1 (header): needs a `record` column; export the table to get the layout"]
        )
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise PriceImportError([f"row 1 (header), column {name!r}: unknown column" for name in unknown])
    records = []
    errors = []
    for line, row in enumerate(reader, start=2):
        if None in row:
            errors.append(f"row {line}: more values than columns")
            continue
        kind = (row.pop("record") or "").strip()
        if not kind and not any((value or "").strip() for value in row.values()):
            continue  # a blank line
        if kind not in RECORD_KINDS:
            errors.append(
                f"row {line}, field record: expected one of {', '.join(RECORD_KINDS)}, got {kind!r}"
            )
            continue
        values = {
            name: (None if value is None or value.strip() == "" else _from_csv_cell(value.strip()))
            for name, value in row.items()
            if name in FIELDS_BY_KIND[kind]
        }
        stray = [
            name for name, value in row.items() if name not in FIELDS_BY_KIND[kind] and (value or "").strip()
        ]
        errors.extend(
            f"row {line}, field {name}: not used by a {kind} record, leave it empty" for name in stray
        )
        records.append(Record(kind, f"row {line}", values))
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


# ---------------------------------------------------------------- importing


class _RowError(Exception):
    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _decimal(values: dict, name: str) -> Decimal | None:
    raw = values.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise _RowError(name, f"expected a decimal number as a string, got {raw!r}")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _RowError(name, f"not a decimal number: {raw!r}") from None
    if not value.is_finite():
        raise _RowError(name, f"not a finite number: {raw!r}")
    return value


def _integer(values: dict, name: str) -> int | None:
    raw = values.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise _RowError(name, f"expected a whole number, got {raw!r}")
    try:
        return int(str(raw).strip())
    except ValueError:
        raise _RowError(name, f"not a whole number: {raw!r}") from None


def _date(values: dict, name: str) -> date | None:
    raw = values.get(name)
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise _RowError(name, f"not a date as YYYY-MM-DD: {raw!r}") from None


def _datetime(values: dict, name: str) -> datetime | None:
    raw = values.get(name)
    if raw is None or raw == "":
        return None
    try:
        moment = datetime.fromisoformat(str(raw).strip())
    except ValueError:
        raise _RowError(name, f"not a date-time in ISO 8601: {raw!r}") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, timezone.UTC)


def _string(values: dict, name: str) -> str:
    raw = values.get(name)
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise _RowError(name, f"expected text, got {raw!r}")
    return raw.strip()


def _boolean(values: dict, name: str) -> bool:
    raw = values.get(name)
    if raw is None or raw == "" or isinstance(raw, bool):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise _RowError(name, f"expected true or false, got {raw!r}")


def _source(values: dict, name: str = "source") -> str:
    value = _string(values, name) or Source.IMPORT
    if value not in Source.values:
        raise _RowError(name, f"expected one of {', '.join(Source.values)}, got {value!r}")
    return value


class _Importer:
    def __init__(self, file_name: str = ""):
        self.file_name = file_name
        self.errors: list[str] = []
        self.report = ImportReport()
        self.first_day = today()
        users = get_user_model()
        self.users = {user.get_username(): user for user in users.objects.all()}
        self.models = {model.id: model for model in LanguageModel.objects.all()}
        self.priced_tiers = set(TokenPrice.objects.values_list("model_id", "service_tier"))
        self.priced_fees = set(ToolFee.objects.values_list("key", flat=True))
        self.created_rows: set[tuple] = set()  # (kind, identity, date) of rows this import added

    def fail(self, record: Record, field: str | None, message: str) -> None:
        label = _label(record)
        where = f"{record.where} ({label})" if label else record.where
        self.errors.append(f"{where}, field {field}: {message}" if field else f"{where}: {message}")

    def check_fields(self, record: Record) -> bool:
        ok = True
        allowed = FIELDS_BY_KIND[record.kind]
        for name in record.values:
            if name not in allowed:
                self.fail(record, name, "unknown field")
                ok = False
        for name in REQUIRED[record.kind]:
            if record.values.get(name) in (None, ""):
                self.fail(record, name, "required")
                ok = False
        return ok

    def validate(self, record: Record, instance, exclude: set[str] = frozenset()) -> bool:
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.fail(record, None if name == "__all__" else _public_name(name), message)
            return False
        return True

    def provenance(self, values: dict) -> dict:
        """The row's source as the file says; a row without one is marked imported, from this file."""
        if values.get("source"):
            return {"source": _source(values), "source_version": _string(values, "source_version")}
        return {"source": Source.IMPORT, "source_version": self.file_name[:50]}

    def editor(self, values: dict):
        name = _string(values, "edited_by")
        return self.users.get(name) if name else None

    def run(self, records: list[Record]) -> None:
        by_kind = {kind: [r for r in records if r.kind == kind] for kind in RECORD_KINDS}
        for record in by_kind["model"]:
            self.guarded(self.import_model, record)
        for record in by_kind["model"]:
            self.guarded(self.link_successor, record)
        for record in by_kind["api_surface"]:
            self.guarded(self.import_surface, record)
        for record in by_kind["api_surface"]:
            self.guarded(self.link_surface_successor, record)
        for record in by_kind["token_price"]:
            self.guarded(self.import_token_price, record)
        for record in by_kind["tool_fee"]:
            self.guarded(self.import_tool_fee, record)

    def guarded(self, step, record: Record) -> None:
        if len(self.errors) >= MAX_ERRORS:
            return
        if not self.check_fields(record):
            return
        try:
            step(record)
        except _RowError as exc:
            self.fail(record, exc.field, exc.message)

    # -- models

    def import_model(self, record: Record) -> None:
        values = record.values
        model_id = _string(values, "model")
        existing = self.models.get(model_id)
        context_window = _integer(values, "context_window")
        encoding = _string(values, "encoding") or "o200k_base"
        if existing is not None and not getattr(existing, "_imported", False):
            for name, value in (("context_window", context_window), ("encoding", encoding)):
                if getattr(existing, name) != value:
                    raise _RowError(
                        name, f"the table already has {model_id} with {name} {getattr(existing, name)}"
                    )
            lifecycle = (_date(values, "shutdown_date"), _string(values, "successor") or None)
            if lifecycle != (existing.shutdown_date, existing.successor_id):
                self.report.notes.append(
                    f"kept the lifecycle of {model_id} in the table (shutdown {existing.shutdown_date}, "
                    f"successor {existing.successor_id}); the file says shutdown {lifecycle[0]}, "
                    f"successor {lifecycle[1]}: change it in the admin if the file is right"
                )
            self.report.unchanged["model"] += 1
            return
        if existing is not None:
            raise _RowError("model", f"{model_id} is listed twice")
        model = LanguageModel(
            id=model_id,
            name=_string(values, "name"),
            family=_string(values, "family"),
            context_window=context_window,
            max_input_tokens=_integer(values, "max_input_tokens"),
            cache_ttl_minutes=_integer(values, "cache_ttl_minutes") or 1440,
            encoding=encoding,
            shutdown_date=_date(values, "shutdown_date"),
            is_default=_boolean(values, "is_default"),
            **self.provenance(values),
            lifecycle_source=_string(values, "lifecycle_source") if values.get("lifecycle_source") else "",
            limits_source=_string(values, "limits_source") if values.get("limits_source") else "",
            default_source=_string(values, "default_source") if values.get("default_source") else "",
            edited_by=self.editor(values),
        )
        if model.is_default and any(m.is_default for m in self.models.values()):
            current = next(m.id for m in self.models.values() if m.is_default)
            self.report.notes.append(f"kept {current} as the default model ({model_id} is the file's)")
            model.is_default = False
        if not self.validate(record, model, exclude={"successor"}):
            return
        model.save(force_insert=True)
        model._imported = True
        self.models[model_id] = model
        self.report.created["model"] += 1

    def link_successor(self, record: Record) -> None:
        model = self.models.get(_string(record.values, "model"))
        successor = _string(record.values, "successor")
        if model is None or not getattr(model, "_imported", False) or not successor:
            return
        if successor not in self.models:
            raise _RowError("successor", f"unknown model {successor!r}: not in the file or the table")
        model.successor_id = successor
        if self.validate(record, model):
            model.save(update_fields=["successor"])

    # -- API surfaces

    def import_surface(self, record: Record) -> None:
        values = record.values
        key = _string(values, "key")
        surface = ApiSurface(
            key=key,
            name=_string(values, "name"),
            shutdown_date=_date(values, "shutdown_date"),
            source=_source(values),
            edited_by=self.editor(values),
        )
        existing = ApiSurface.objects.filter(pk=key).first()
        if existing is not None:
            if existing.shutdown_date == surface.shutdown_date:
                self.report.unchanged["api_surface"] += 1
            else:
                self.report.notes.append(
                    f"kept API surface {key} with shutdown {existing.shutdown_date} "
                    f"(the file says {surface.shutdown_date})"
                )
            return
        if self.validate(record, surface, exclude={"successor"}):
            surface.save(force_insert=True)
            self.report.created["api_surface"] += 1

    def link_surface_successor(self, record: Record) -> None:
        successor = _string(record.values, "successor")
        key = _string(record.values, "key")
        if not successor:
            return
        surface = ApiSurface.objects.filter(pk=key).first()
        if surface is None or surface.successor_id == successor:
            return
        if not ApiSurface.objects.filter(pk=successor).exists():
            raise _RowError("successor", f"unknown API surface {successor!r}")
        if surface.successor_id is None:
            surface.successor_id = successor
            surface.save(update_fields=["successor"])

    # -- dated rows

    def _frozen_past(self, day: date, already_priced: bool, what: str) -> None:
        if already_priced and day < self.first_day:
            raise _RowError(
                "effective_from",
                f"{day} is before today and the table already prices {what}: adding it would re-price "
                "past estimates (date it today or later)",
            )

    def import_token_price(self, record: Record) -> None:
        values = record.values
        model_id = _string(values, "model")
        if model_id not in self.models:
            raise _RowError("model", f"unknown model {model_id!r}: add it to the file's models")
        price = TokenPrice(
            model_id=model_id,
            service_tier=_string(values, "service_tier"),
            effective_from=_date(values, "effective_from"),
            **{name: _decimal(values, name) for name in (*BASE_PRICE_FIELDS, *LONG_CONTEXT_FIELDS)},
            long_context_threshold=_integer(values, "long_context_threshold"),
            **self.provenance(values),
            edited_by=self.editor(values),
            checked_at=_datetime(values, "checked_at"),
            note=_string(values, "note"),
        )
        existing = TokenPrice.objects.filter(
            model_id=model_id, service_tier=price.service_tier, effective_from=price.effective_from
        ).first()
        self._import_dated_row(
            record,
            price,
            existing,
            kind="token_price",
            identity=(model_id, price.service_tier, price.effective_from),
            compared=("long_context_threshold", *BASE_PRICE_FIELDS, *LONG_CONTEXT_FIELDS),
            already_priced=(model_id, price.service_tier) in self.priced_tiers,
            what=f"{model_id} {price.service_tier}",
        )

    def import_tool_fee(self, record: Record) -> None:
        values = record.values
        fee = ToolFee(
            key=_string(values, "key"),
            effective_from=_date(values, "effective_from"),
            amount=_decimal(values, "amount"),
            **self.provenance(values),
            edited_by=self.editor(values),
            checked_at=_datetime(values, "checked_at"),
            note=_string(values, "note"),
        )
        existing = ToolFee.objects.filter(key=fee.key, effective_from=fee.effective_from).first()
        self._import_dated_row(
            record,
            fee,
            existing,
            kind="tool_fee",
            identity=(fee.key, fee.effective_from),
            compared=("amount",),
            already_priced=fee.key in self.priced_fees,
            what=fee.key,
        )

    def _import_dated_row(self, record, row, existing, *, kind, identity, compared, already_priced, what):
        """A dated price or fee: twice in one file is an error, an identical existing row is unchanged,
        a differing one is an error, a new one is saved (never into the frozen past)."""
        created_at = _datetime(record.values, "created_at")  # checked even when the row is unchanged
        if (kind, *identity) in self.created_rows:
            raise _RowError("effective_from", f"the file lists {_label(record)} twice")
        if existing is not None:
            self._compare(existing, row, compared)
            self.report.unchanged[kind] += 1
            return
        if row.effective_from is not None:
            self._frozen_past(row.effective_from, already_priced, what)
        if self.validate(record, row):
            row.save(force_insert=True)
            self.created_rows.add((kind, *identity))
            _keep_created_at(row, created_at)
            self.report.created[kind] += 1

    def _compare(self, existing, incoming, names) -> None:
        for name in names:
            old, new = getattr(existing, name), getattr(incoming, name)
            if old != new and not (old is not None and new is not None and Decimal(old) == Decimal(new)):
                raise _RowError(
                    _public_name(name),
                    f"the table already has this row with {_text(old)} (the file says {_text(new)}); "
                    "an import never overrides: add a row from another date instead",
                )


def _keep_created_at(row, created_at: datetime | None) -> None:
    """`created_at` is when an admin made the row (its provenance): an import keeps the file's."""
    if created_at is not None:
        type(row).objects.filter(pk=row.pk).update(created_at=created_at)
        row.created_at = created_at


def _public_name(name: str) -> str:
    return {"model_id": "model", "successor_id": "successor"}.get(name, name)


def _label(record: Record) -> str:
    values = record.values

    def text(name):
        value = values.get(name)
        return "" if value is None else str(value)

    if record.kind == "token_price":
        return f"{text('model')} {text('service_tier')} from {text('effective_from')}".strip()
    if record.kind == "tool_fee":
        return f"{text('key')} from {text('effective_from')}"
    return text("model") if record.kind == "model" else text("key")


def import_records(records: list[Record], *, dry_run: bool = False, file_name: str = "") -> ImportReport:
    """Import parsed records in one transaction; PriceImportError (and nothing imported) on any problem."""
    with transaction.atomic():
        importer = _Importer(file_name)
        with series_snapshot(TokenPrice, ToolFee):
            importer.run(records)
        if importer.errors:
            raise PriceImportError(importer.errors)
        importer.report.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
        else:
            # Some imported rows are written with queryset updates, which send no signals.
            price_table_changed()
    return importer.report


def import_file(name: str, content: bytes, *, dry_run: bool = False) -> ImportReport:
    return import_records(records_from_file(name, content), dry_run=dry_run, file_name=name)
