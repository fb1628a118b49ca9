"""Backups of everything the app stores, as gzipped JSON, and their restore.

The format is Django's JSON fixture (`loaddata` reads it too) written as pure ASCII: every character a
stored text can hold comes back exactly, ANSI escape codes, NUL, emoji and the lone surrogates a JSON
field can carry included, as `\\u` escapes (XML, the old format, cannot hold control characters at all).
Datetimes keep their microseconds (Django's own JSON encoder cuts them to milliseconds).

A backup is written to a temporary file beside the target, read back and checked (every row parses
into its model), then renamed into place: a failed or interrupted backup never leaves a file that looks
like one. A restore reads and checks the whole file before it writes anything, loads it in one
transaction, and reports a bad, truncated or foreign file as one `BackupError` naming what is wrong.

PostgreSQL cannot store NUL in text, nor a lone surrogate in text or JSON, so a backup taken on SQLite
that holds one cannot go into PostgreSQL as it is: the restore refuses, naming each row and field,
unless told to write U+FFFD (the replacement character) in their place (`replace_unstorable`).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models, transaction

# Framework tables `migrate` fills by itself, and sessions, which are not worth keeping.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]
UNSTORABLE_ON_POSTGRES = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\ufffd"
MAX_REPORTED = 10


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says why, and nothing was changed."""


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but times and datetimes keep their microseconds."""

    def default(self, o: object) -> object:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def stored_models() -> Iterator[type[models.Model]]:
    excluded_apps = {label for label in EXCLUDED if "." not in label}
    excluded_models = {label.lower() for label in EXCLUDED if "." in label}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in excluded_apps or meta.label_lower in excluded_models or meta.proxy:
            continue
        yield model


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in stored_models()}


def _rows() -> Iterator:
    by_app: dict = {}
    for model in stored_models():
        by_app.setdefault(apps.get_app_config(model._meta.app_label), []).append(model)
    # Natural keys (users, content types) must be written before the rows that refer to them.
    for model in serializers.sort_dependencies(by_app.items(), allow_cycles=True):
        yield from model._default_manager.order_by(model._meta.pk.name).iterator()


def backup_write(path: Path) -> int:
    """Write every stored row to `path` (.json or .json.gz); return the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    partial = Path(temporary)
    try:
        compressed = path.suffix == ".gz"
        with (gzip.open if compressed else open)(partial, "wt", encoding="ascii") as out:
            serializers.serialize(
                "json",
                _rows(),
                stream=out,
                cls=ExactJSONEncoder,
                ensure_ascii=True,
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
        written = len(backup_read(partial, name=path.name))
        with open(partial, "rb") as file:
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written


def backup_read(path: Path, name: str | None = None) -> list[dict]:
    """Every row of a backup file, parsed and checked against the models; BackupError if any is not."""
    name = name or str(path)
    try:
        with (gzip.open if _is_gzip(path) else open)(path, "rb") as file:
            raw = file.read()
    except FileNotFoundError:
        raise BackupError(f"No such backup file: {name}") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise BackupError(f"{name} is truncated or damaged (not a complete gzip file: {exc}).") from None
    except OSError as exc:
        raise BackupError(f"Cannot read {name}: {exc.strerror or exc}.") from None
    if raw.lstrip().startswith(b"<?xml"):
        raise BackupError(
            f"{name} is an XML backup from an earlier version: load it with `manage.py loaddata {name}`."
        )
    try:
        rows = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BackupError(f"{name} is not a backup: byte {exc.start} is not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise BackupError(
            f"{name} is truncated or damaged: invalid JSON at line {exc.lineno}, column {exc.colno} "
            f"({exc.msg})."
        ) from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) and "model" in row for row in rows):
        raise BackupError(f"{name} is not a backup written by `manage.py backup` (expected a list of rows).")
    _check_rows(rows, name)
    return rows


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as file:
        return file.read(2) == b"\x1f\x8b"


def _check_rows(rows: list[dict], name: str) -> None:
    try:
        for _ in serializers.deserialize("python", rows, handle_forward_references=True):
            pass
    except DeserializationError as exc:
        raise BackupError(f"{name} holds a row that does not fit this database's models: {exc}") from None


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path, str(key)
            yield from _strings(item, f"{path}.{key}")


def _replaced_row(row: dict) -> dict:
    # A row's own keys are the serializer's ("model", "pk", "fields"): only what they hold may need it.
    return {key: _replaced(value) for key, value in row.items()}


def _replaced(value: object) -> object:
    if isinstance(value, str):
        return UNSTORABLE_ON_POSTGRES.sub(REPLACEMENT, value)
    if isinstance(value, list):
        return [_replaced(item) for item in value]
    if isinstance(value, dict):
        return {_replaced(key): _replaced(item) for key, item in value.items()}
    return value


def unstorable_fields(rows: list[dict]) -> list[str]:
    """ "model pk=N field" for each text PostgreSQL cannot store (NUL, lone surrogates)."""
    found = []
    for row in rows:
        where = f"{row['model']} pk={row.get('pk', '(natural key)')}"
        for field, value in row.get("fields", {}).items():
            if any(UNSTORABLE_ON_POSTGRES.search(text) for _, text in _strings(value, field)):
                found.append(f"{where} field {field}")
        if isinstance(row.get("pk"), str) and UNSTORABLE_ON_POSTGRES.search(row["pk"]):
            found.append(f"{where} (its key)")
    return found


def prepare_for_database(rows: list[dict], name: str, replace_unstorable: bool) -> tuple[list[dict], int]:
    """The rows as this database can store them, and how many fields had characters replaced."""
    if connection.vendor != "postgresql":
        return rows, 0
    found = unstorable_fields(rows)
    if found and not replace_unstorable:
        more = len(found) - MAX_REPORTED
        listing = "; ".join(found[:MAX_REPORTED]) + (f"; and {more} more" if more > 0 else "")
        raise BackupError(
            f"{name} holds text PostgreSQL cannot store (NUL or a lone surrogate) in {len(found)} "
            f"field(s): {listing}. Restore it into SQLite, or pass --replace-unstorable to write U+FFFD "
            "in their place."
        )
    return ([_replaced_row(row) for row in rows] if found else rows), len(found)


def backup_restore(path: Path, *, replace_unstorable: bool = False) -> tuple[int, int]:
    """Load a backup in one transaction; return (rows, fields whose unstorable characters were
    replaced). Nothing is written on error."""
    rows = backup_read(path)
    rows, replaced = prepare_for_database(rows, str(path), replace_unstorable)
    loaded_models: set[type[models.Model]] = set()
    try:
        with transaction.atomic():
            with connection.constraint_checks_disabled():
                deferred = []
                for obj in serializers.deserialize("python", rows, handle_forward_references=True):
                    obj.save()
                    loaded_models.add(type(obj.object))
                    if obj.deferred_fields:
                        deferred.append(obj)
                for obj in deferred:
                    obj.save_deferred_fields()
            connection.check_constraints(table_names=[model._meta.db_table for model in loaded_models])
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), list(loaded_models)):
                    cursor.execute(statement)
    except (DeserializationError, DatabaseError, ValueError) as exc:
        raise BackupError(f"{path} could not be restored, nothing was: {exc}") from None
    return len(rows), replaced
