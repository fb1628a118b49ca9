"""Import an export file in one transaction: any bad row and nothing is imported.

Every record is checked first, by its record form (field by field, then the model's `full_clean()`,
frozen-past rule included, against the table as it was when the import began), with the table read once
per kind instead of once per row. Only a file without errors is written, in bulk. Rows already in the
table with the same values are left alone; a row that contradicts one is an error, never an override.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction

from pricing.memo import price_table_changed
from pricing.models import ApiSurface, DatedRow, LanguageModel, Source, TokenPrice, ToolFee, series_snapshot
from pricing.transfer.cells import CellMemo
from pricing.transfer.files import MAX_ERRORS, PriceImportError, Record, records_from_file
from pricing.transfer.records import KINDS, KINDS_BY_NAME, RecordKind

SCALAR = (str, int, Decimal, bool, type(None))
# Model fields whose record field has another name.
RECORD_FIELD_OF = {"id": "model", "model_id": "model", "successor_id": "successor"}


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS_BY_NAME, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS_BY_NAME, 0))
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        created = ", ".join(
            f"{self.created[kind.name]} {kind.history_key.replace('_', ' ')}" for kind in KINDS
        )
        return f"{verb} {created}; {sum(self.unchanged.values())} rows already in the table unchanged."


class _RowError(Exception):
    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _text(value: Any) -> str:
    return "—" if value is None else str(Decimal(value).normalize() if isinstance(value, Decimal) else value)


class _Importer:
    """Checks every record against the table read once, then writes the new rows in bulk."""

    def __init__(self, file_name: str):
        self.file_name = file_name
        self.errors: list[str] = []
        self.report = ImportReport()
        self.cells = CellMemo()  # each distinct cell of the file parsed once
        self.users = {user.get_username(): user for user in get_user_model().objects.all()}
        self.models = {model.id: model for model in LanguageModel.objects.all()}
        self.surfaces = {surface.key: surface for surface in ApiSurface.objects.all()}
        self.rows: dict[str, dict[tuple, DatedRow]] = {
            "token_price": {
                (row.model_id, row.service_tier, row.effective_from): row for row in TokenPrice.objects.all()
            },
            "tool_fee": {(row.key, row.effective_from): row for row in ToolFee.objects.all()},
        }
        # Per kind, its new rows (of the kind's model).
        self.new: dict[str, list[Any]] = {kind.name: [] for kind in KINDS}
        self.new_identities: set[tuple] = set()
        self.new_models: dict[str, LanguageModel] = {}
        self.successors: dict[str, list[tuple[Record, LanguageModel | ApiSurface, str]]] = {
            "model": [],
            "api_surface": [],
        }

    # -- checking

    def check(self, records: list[Record]) -> None:
        steps = {
            "model": self.check_model,
            "api_surface": self.check_surface,
            "token_price": self.check_dated_row,
            "tool_fee": self.check_dated_row,
        }
        for kind in KINDS:  # models before the prices that name them
            for record in (record for record in records if record.kind == kind.name):
                if len(self.errors) >= MAX_ERRORS:
                    return
                try:
                    steps[kind.name](record, kind)
                except _RowError as exc:
                    self.errors.append(record.error(exc.field, exc.message))

    def form_instance(
        self, record: Record, kind: RecordKind, existing: models.Model | None = None
    ) -> models.Model | None:
        """The record's row, parsed and validated by its form; None (errors noted) when it is invalid.

        A record naming a row already in the table is validated as that row (a copy, so the two can be
        compared): it is not a second row of its series and day, nor a new row in the past."""
        values = record.values
        unknown = [name for name in values if name not in kind.field_names]
        wrong = [name for name in values if name in kind.field_names and not isinstance(values[name], SCALAR)]
        if unknown or wrong:
            self.errors.extend(record.error(name, "unknown field") for name in unknown)
            self.errors.extend(
                record.error(name, "expected one value, not a list or object") for name in wrong
            )
            return None
        if not values.get("source"):
            # A row without a source is marked imported, from this file.
            values = {**values, "source": Source.IMPORT, "source_version": self.file_name[:50]}
        parsed = kind.form.parse(values, None if existing is None else copy.copy(existing), self.cells)
        for name, messages in parsed.errors.items():
            public = None if name == "__all__" else RECORD_FIELD_OF.get(name, name)
            self.errors.extend(record.error(public, message) for message in messages)
        if parsed.errors:
            return None
        editor = parsed.cleaned.get("edited_by")
        parsed.instance.edited_by = self.users.get(editor) if editor else None
        row: models.Model = parsed.instance
        return row

    def check_model(self, record: Record, kind: RecordKind) -> None:
        model_id = (self.identity(record, kind) or (None,))[0]
        model = self.form_instance(record, kind, self.models.get(model_id))
        if not isinstance(model, LanguageModel):  # invalid: its errors are noted
            return
        if model.id in self.new_models:
            raise _RowError("model", f"{model.id} is listed twice")
        existing = self.models.get(model.id)
        if existing is not None:
            self.keep_existing_model(existing, model, record)
            return
        if model.is_default and any(m.is_default for m in self.models.values()):
            current = next(m.id for m in self.models.values() if m.is_default)
            self.report.notes.append(f"kept {current} as the default model ({model.id} is the file's)")
            model.is_default = False
        self.new["model"].append(model)
        self.new_models[model.id] = model
        if record.values.get("successor"):
            self.successors["model"].append((record, model, str(record.values["successor"])))

    def keep_existing_model(self, existing: LanguageModel, incoming: LanguageModel, record: Record) -> None:
        for name in ("context_window", "encoding"):
            if getattr(existing, name) != getattr(incoming, name):
                raise _RowError(
                    name, f"the table already has {existing.id} with {name} {getattr(existing, name)}"
                )
        successor = str(record.values.get("successor") or "") or None
        if (incoming.shutdown_date, successor) != (existing.shutdown_date, existing.successor_id):
            self.report.notes.append(
                f"kept the lifecycle of {existing.id} in the table (shutdown {existing.shutdown_date}, "
                f"successor {existing.successor_id}); the file says shutdown {incoming.shutdown_date}, "
                f"successor {successor}: change it in the admin if the file is right"
            )
        self.report.unchanged["model"] += 1

    def check_surface(self, record: Record, kind: RecordKind) -> None:
        surface = self.form_instance(record, kind)
        if not isinstance(surface, ApiSurface):  # invalid: its errors are noted
            return
        existing = self.surfaces.get(surface.key)
        if existing is None:
            self.new["api_surface"].append(surface)
            if record.values.get("successor"):
                self.successors["api_surface"].append((record, surface, str(record.values["successor"])))
        elif existing.shutdown_date == surface.shutdown_date:
            self.report.unchanged["api_surface"] += 1
        else:
            self.report.notes.append(
                f"kept API surface {surface.key} with shutdown {existing.shutdown_date} "
                f"(the file says {surface.shutdown_date})"
            )

    def check_dated_row(self, record: Record, kind: RecordKind) -> None:
        """A dated price or fee: twice in one file is an error, an identical existing row is unchanged,
        a differing one is an error, a new one is checked by its form (never into the frozen past)."""
        if kind.name == "token_price":
            model_id = record.values.get("model")
            if model_id and model_id not in self.models and model_id not in self.new_models:
                raise _RowError("model", f"unknown model {model_id!r}: add it to the file's models")
        key = self.identity(record, kind)
        existing = None if key is None else self.rows[kind.name].get(key)
        row = self.form_instance(record, kind, existing)
        if not isinstance(row, DatedRow):  # invalid: its errors are noted
            return
        identity = (kind.name, *row.series_key(), row.effective_from)
        if identity in self.new_identities:
            raise _RowError("effective_from", f"the file lists {record.label()} twice")
        if existing is not None:
            self.compare(existing, row, kind.compared)
            self.report.unchanged[kind.name] += 1
            return
        self.new_identities.add(identity)
        self.new[kind.name].append(row)

    def identity(self, record: Record, kind: RecordKind) -> tuple | None:
        """The row a record names, parsed by its form's fields; None when a part does not parse."""
        cells = [self.cells.clean(kind.form, name, record.values.get(name)) for name in kind.identity]
        return None if any(cell.errors for cell in cells) else tuple(cell.value for cell in cells)

    def compare(self, existing: models.Model, incoming: models.Model, names: tuple[str, ...]) -> None:
        for name in names:
            old, new = getattr(existing, name), getattr(incoming, name)
            if old != new and not (old is not None and new is not None and Decimal(old) == Decimal(new)):
                raise _RowError(
                    name,
                    f"the table already has this row with {_text(old)} (the file says {_text(new)}); "
                    "an import never overrides: add a row from another date instead",
                )

    # -- writing

    def write(self) -> None:
        LanguageModel.objects.bulk_create(self.new["model"])
        self.models.update(self.new_models)
        ApiSurface.objects.bulk_create(self.new["api_surface"])
        self.link_successors()
        for name in ("token_price", "tool_fee"):
            KINDS_BY_NAME[name].model._default_manager.bulk_create(self.new[name], batch_size=500)
        for kind in KINDS:
            self.report.created[kind.name] = len(self.new[kind.name])

    def link_successors(self) -> None:
        """Successors name rows of the file or the table: linked once both exist, then validated."""
        known: dict[str, dict[str, Any]] = {
            "model": self.models,
            "api_surface": {**self.surfaces, **{s.key: s for s in self.new["api_surface"]}},
        }
        for kind, links in self.successors.items():
            for record, row, successor in links:
                if successor not in known[kind]:
                    noun = "model" if kind == "model" else "API surface"
                    self.errors.append(
                        record.error(
                            "successor", f"unknown {noun} {successor!r}: not in the file or the table"
                        )
                    )
                    continue
                row.successor_id = successor
                try:
                    row.clean()
                except ValidationError as exc:
                    for name, messages in exc.message_dict.items():
                        self.errors.extend(record.error(name, message) for message in messages)
                    continue
                row.save(update_fields=["successor"])


def import_records(records: list[Record], *, dry_run: bool = False, file_name: str = "") -> ImportReport:
    """Import parsed records in one transaction; PriceImportError (and nothing imported) on any problem."""
    with transaction.atomic():
        importer = _Importer(file_name)
        with series_snapshot(TokenPrice, ToolFee):
            importer.check(records)
        if not importer.errors:
            importer.write()
        if importer.errors:
            transaction.set_rollback(True)
            raise PriceImportError(importer.errors)
        importer.report.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
        else:
            price_table_changed()  # bulk writes send no signals
    return importer.report


def import_file(name: str, content: bytes, *, dry_run: bool = False) -> ImportReport:
    return import_records(records_from_file(name, content), dry_run=dry_run, file_name=name)
