"""Each distinct cell of a file checked once: a column's field outcome memoised per raw value.

A 10 MB file repeats most of its cells (a handful of models and tiers, a few hundred prices, one note
per batch of rows), and parsing a value is most of an import's cost: the record form's field `clean()`,
then the model field's `clean()` that `Model.full_clean()` would run on the result. Both depend on the
raw value alone (their validators are pure, and no model field of a record is a relation: models and
editors are named by text fields), so an import keeps, per form, field and raw value, what the two made of it:
the value, or the messages. Only exact values are memoised (text, whole numbers, booleans, empty);
`Decimal("1.0") == Decimal("1")`, yet the two do not have the same digits, so a JSON number is parsed
every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

MEMOISED_TYPES = frozenset({str, int, bool, type(None)})


def valid_unicode(value: Any) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationError(
                "Not valid Unicode text: a lone surrogate at character %(position)s.",
                params={"position": exc.start + 1},
            ) from None


@dataclass(frozen=True)
class Cell:
    """What a record form's field made of one raw value, and what its model field made of that."""

    value: Any = None
    errors: tuple[str, ...] = ()
    # The model field's outcome, as `Model.clean_fields()` would have it (None: not a model field's).
    model_value: Any = None
    model_errors: tuple[str, ...] = ()
    model_checked: bool = False


def _cell(form: type[forms.ModelForm], name: str, raw: Any, blank_row: models.Model) -> Cell:
    try:
        value = form.base_fields[name].clean(raw)
        valid_unicode(value)
    except ValidationError as exc:
        return Cell(errors=tuple(exc.messages))
    model_field = form._meta.model._meta.get_field(name) if name in (form._meta.fields or ()) else None
    # `Model.clean_fields()` leaves an empty value of a blank field alone.
    if not isinstance(model_field, models.Field) or (model_field.blank and value in model_field.empty_values):
        return Cell(value)
    try:
        return Cell(value, model_value=model_field.clean(value, blank_row), model_checked=True)
    except ValidationError as exc:
        return Cell(value, model_errors=tuple(exc.messages), model_checked=True)


class CellMemo:
    """Cells' outcomes for one import, per form class, field name and raw value."""

    def __init__(self) -> None:
        self.cells: dict[tuple[type, str, type, Any], Cell] = {}
        # What a model field's check is given as its row (only a relation's check looks at it).
        self.blank_rows: dict[type, models.Model] = {}

    def clean(self, form: type[forms.ModelForm], name: str, raw: Any) -> Cell:
        if type(raw) not in MEMOISED_TYPES:
            return self.compute(form, name, raw)
        key = (form, name, type(raw), raw)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = self.compute(form, name, raw)
        return cell

    def compute(self, form: type[forms.ModelForm], name: str, raw: Any) -> Cell:
        if form not in self.blank_rows:
            self.blank_rows[form] = form._meta.model()
        return _cell(form, name, raw, self.blank_rows[form])
