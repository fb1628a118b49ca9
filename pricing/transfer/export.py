"""Export the whole price table: every model, API surface, dated price and tool fee ever entered.

Rows are serialized by Django's serializer (editors by their natural key, the username) with the
fields of each kind's record form, so the export and the import read one definition of a record.
Importing the JSON or CSV into an empty database reproduces the sheet for any date, and so every
estimate, exactly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core import serializers
from django.utils import timezone

from pricing.catalog import price_list
from pricing.sheet import decimal_str
from pricing.transfer.files import FORMAT, FORMAT_VERSION, json_history_record, write_csv
from pricing.transfer.records import KINDS, RecordKind

# A record field named differently from the model field it holds.
MODEL_FIELD_OF = {"model": {"model": "pk"}, "api_surface": {"key": "pk"}}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):  # a natural key: the editor's username
        return value[0]
    return value


def _records(kind: RecordKind) -> Iterator[dict[str, Any]]:
    renamed = MODEL_FIELD_OF.get(kind.name, {})
    model_fields = {field.name for field in kind.model._meta.concrete_fields}
    names = [renamed.get(name, name) for name in kind.exported]
    queryset = kind.model._default_manager.select_related("edited_by").order_by(
        *(kind.model._meta.ordering or ())
    )
    serialized = serializers.serialize(
        "python",
        queryset,
        fields=[name for name in names if name in model_fields],
        use_natural_foreign_keys=True,
    )
    for item in serialized:
        values = {"pk": item["pk"], **item["fields"]}
        yield {name: _plain(values.get(renamed.get(name, name))) for name in kind.exported}


def history_records() -> dict[str, list[dict[str, Any]]]:
    """Every row of the table, per kind, as the JSON export holds it."""
    return {kind.history_key: [json_history_record(kind.name, r) for r in _records(kind)] for kind in KINDS}


def export_table(as_of: date | None = None) -> dict[str, Any]:
    """`/api/prices` for `as_of` plus the full dated history."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        **price_list(as_of),
        "history": history_records(),
    }


def export_json(as_of: date | None = None) -> str:
    return json.dumps(export_table(as_of), indent=2) + "\n"


def export_csv() -> str:
    return write_csv((kind.name, record) for kind in KINDS for record in _records(kind))
