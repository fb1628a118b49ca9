"""The records of an export file, one model form per kind: the form's fields are the record's fields.

Each form's fields are generated from its model (types, choices, digits, required), so a record is
parsed by Django's form fields and then checked by the model's own `full_clean()`, frozen-past rule
included: every error names its field. `RecordForm.parse()` does for one record what `is_valid()` does,
without building a form object per row (a bound form costs 244 µs a row, `parse()` 110 µs: the
difference between a 10 MB import in 12 s and in 5 s), and with each distinct cell's field checks done
once per import (`cells`): 49,223 CSV rows checked in 3.5 s of CPU instead of 7.4 s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from pricing.models import ApiSurface, LanguageModel, TokenPrice, ToolFee, within_utc_range
from pricing.transfer.cells import Cell, CellMemo


@dataclass
class ParsedRecord:
    # A row of the form's model, whichever kind it is (as a ModelForm's `instance` is).
    instance: Any
    cleaned: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


class RecordForm(forms.ModelForm):
    """One record of a file. The importer checks uniqueness against the table it read once, and links
    successors and editors itself, so nothing here queries the database."""

    # Fields an older file may lack, or leave empty: the model's default applies.
    ABSENT_MEANS_DEFAULT: ClassVar[tuple[str, ...]] = ()
    edited_by = forms.CharField(required=False)

    @classmethod
    def parse(
        cls, data: dict[str, Any], instance: models.Model | None = None, cells: CellMemo | None = None
    ) -> ParsedRecord:
        """The record's row from `data` (onto `instance`, when the record names a row of the table).

        What `is_valid()` and `full_clean()` do, with each cell's field checks taken from `cells` (one
        import's memo) when the same raw value was seen before; the row's `clean()` runs every time."""
        data = dict(data)
        cells = cells if cells is not None else CellMemo()
        model = cls._meta.model
        for name in cls.ABSENT_MEANS_DEFAULT:
            if data.get(name) in (None, ""):
                data[name] = model._meta.get_field(name).get_default()
        parsed = ParsedRecord(instance if instance is not None else model())
        outcomes: dict[str, Cell] = {}
        for name, form_field in cls.base_fields.items():
            raw = form_field.widget.value_from_datadict(data, {}, name)
            cell = outcomes[name] = cells.clean(cls, name, raw)
            if cell.errors:
                parsed.errors[name] = list(cell.errors)
            else:
                parsed.cleaned[name] = cell.value
        fields = cls._meta.fields or ()
        for name in fields:
            if name in parsed.cleaned:
                setattr(parsed.instance, name, parsed.cleaned[name])
        cls.complete(parsed)
        cls.check_row(parsed, set(fields) - set(parsed.errors), outcomes)
        return parsed

    @classmethod
    def check_row(cls, parsed: ParsedRecord, checked: set[str], outcomes: dict[str, Cell]) -> None:
        """`full_clean()` of the row over the `checked` fields: each field's model check as
        `clean_fields()` does it (from its cell), then the row's own `clean()` (frozen past included)."""
        errors: dict[str, list[str]] = {}
        for model_field in cls._meta.model._meta.fields:  # in the order clean_fields() reports them
            cell = outcomes.get(model_field.name)
            if cell is None or model_field.name not in checked or not cell.model_checked:
                continue
            if cell.model_errors:
                errors[model_field.name] = list(cell.model_errors)
            else:
                setattr(parsed.instance, model_field.attname, cell.model_value)
        every_field = {model_field.name for model_field in cls._meta.model._meta.fields}
        try:  # with every field checked above, full_clean() is the row's clean()
            parsed.instance.full_clean(exclude=every_field, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        for name, messages in errors.items():
            parsed.errors.setdefault(name, []).extend(messages)

    @classmethod
    def complete(cls, parsed: ParsedRecord) -> None:
        """Set what the record holds outside the model form's fields (subclasses)."""


class ModelRecord(RecordForm):
    model = forms.CharField(max_length=100)
    successor = forms.CharField(required=False)
    ABSENT_MEANS_DEFAULT = ("encoding", "cache_ttl_minutes")

    class Meta:
        model = LanguageModel
        fields = [
            "name",
            "family",
            "context_window",
            "max_input_tokens",
            "cache_ttl_minutes",
            "encoding",
            "shutdown_date",
            "is_default",
            "source",
            "source_version",
            "lifecycle_source",
            "limits_source",
            "default_source",
        ]

    @classmethod
    def complete(cls, parsed: ParsedRecord) -> None:
        parsed.instance.id = parsed.cleaned.get("model")


class SurfaceRecord(RecordForm):
    successor = forms.CharField(required=False)
    # Files written before the status was derived from the shutdown date carry it: read and ignored.
    status = forms.CharField(required=False)

    class Meta:
        model = ApiSurface
        fields = ["key", "name", "shutdown_date", "source", "source_version"]


class DatedRecord(RecordForm):
    created_at = forms.DateTimeField(required=False, validators=[within_utc_range])

    @classmethod
    def complete(cls, parsed: ParsedRecord) -> None:
        if parsed.cleaned.get("created_at") is not None:
            parsed.instance.created_at = parsed.cleaned["created_at"]
        if "effective_from" in parsed.errors:
            parsed.instance.effective_from = None  # the date rules judge the date given, not the default


class TokenPriceRecord(DatedRecord):
    model = forms.CharField(max_length=100)

    class Meta:
        model = TokenPrice
        fields = [
            "service_tier",
            "effective_from",
            *TokenPrice.BASE_PRICE_FIELDS,
            "long_context_threshold",
            *TokenPrice.LONG_CONTEXT_FIELDS,
            "source",
            "source_version",
            "checked_at",
            "note",
        ]

    @classmethod
    def complete(cls, parsed: ParsedRecord) -> None:
        parsed.instance.model_id = parsed.cleaned.get("model")
        super().complete(parsed)


class ToolFeeRecord(DatedRecord):
    class Meta:
        model = ToolFee
        fields = ["key", "effective_from", "amount", "source", "source_version", "checked_at", "note"]


@dataclass(frozen=True)
class RecordKind:
    """One kind of record: its name in a file, its form, and which fields name and price the row."""

    name: str
    history_key: str
    form: type[RecordForm]
    identity: tuple[str, ...]
    compared: tuple[str, ...] = ()
    # Fields older files carry that the table no longer stores: read, never written.
    legacy: tuple[str, ...] = ()

    @property
    def model(self) -> type[models.Model]:
        return self.form._meta.model

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The record's field names in a file, identity first, then as the form orders them."""
        rest = [name for name in self.form.base_fields if name not in self.identity]
        return (*self.identity, *rest)

    @cached_property
    def field_names(self) -> frozenset[str]:
        return frozenset(self.fields)

    @cached_property
    def exported(self) -> tuple[str, ...]:
        return tuple(name for name in self.fields if name not in self.legacy)


KINDS = (
    RecordKind("model", "models", ModelRecord, identity=("model",)),
    RecordKind("api_surface", "api_surfaces", SurfaceRecord, identity=("key",), legacy=("status",)),
    RecordKind(
        "token_price",
        "token_prices",
        TokenPriceRecord,
        identity=("model", "service_tier", "effective_from"),
        compared=(*TokenPrice.PRICE_FIELDS, "long_context_threshold"),
    ),
    RecordKind(
        "tool_fee", "tool_fees", ToolFeeRecord, identity=("key", "effective_from"), compared=("amount",)
    ),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}
