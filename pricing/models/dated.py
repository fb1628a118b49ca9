"""Dated rows: in force from `effective_from` until the next row of their series, never overwritten.

The row in force on a date is the latest of its series (a model and service tier, or a fee key) that
started on or before it: `DatedRow.objects.in_force(on)`. `DatedRow.clean()` holds the rules on a row's
date for every writer (admin, sync, import): one row per series and day, and no new row in the past of a
series already priced.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from typing import Any, ClassVar, Self, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone

from pricing.models.base import FIRST_LISTED, Provenance, concrete_field, today, within_utc_range


class PriceHistoryError(ValueError):
    """Raised on saving new numbers or a new date into a saved price row: history is never overwritten."""


# Inside `series_snapshot()`: per row class, each series' start dates as they were when it began.
_snapshot: ContextVar[dict[type, dict[tuple, set[date]]] | None] = ContextVar("series_snapshot", default=None)
# ...and the table's today when it began (the frozen past does not move during one bulk write).
_snapshot_today: ContextVar[date | None] = ContextVar("series_snapshot_today", default=None)


@contextmanager
def series_snapshot(*row_classes: type[DatedRow]) -> Iterator[None]:
    """Validate dated rows against the table as it is now, read in one query per class.

    Bulk writers (import, sync) validate thousands of rows before writing any: inside this block
    `DatedRow.clean()` looks each row's series up here instead of asking the database once per row, and a
    series the writer adds on the way is not "already priced" (it was not when the writer started).
    """
    token = _snapshot.set({cls: cls.objects.series_dates() for cls in row_classes})
    today_token = _snapshot_today.set(today())
    try:
        yield
    finally:
        _snapshot_today.reset(today_token)
        _snapshot.reset(token)


_Row = TypeVar("_Row", bound="DatedRow")


class DatedRowQuerySet(models.QuerySet[_Row]):
    def _later_rows(self, on: date) -> DatedRowQuerySet[DatedRow]:
        """Rows of the outer row's series that start after it, on or before `on`."""
        return self.model.objects.filter(
            **{name: OuterRef(name) for name in self.model.SERIES_FIELDS},
            effective_from__gt=OuterRef("effective_from"),
            effective_from__lte=on,
        )

    def in_force(self, on: date) -> Self:
        """The row of each series in force on `on`: the latest one that started on or before it."""
        return self.filter(effective_from__lte=on).exclude(Exists(self._later_rows(on)))

    def with_superseded(self, on: date) -> Self:
        """Annotate `superseded`: a later row of the same series is in force on `on`."""
        return self.annotate(superseded=Exists(self._later_rows(on)))

    def series_dates(self) -> dict[tuple, set[date]]:
        """Per series key, the start dates of its rows (one query)."""
        dates: dict[tuple, set[date]] = {}
        names = [concrete_field(self.model, name).attname for name in self.model.SERIES_FIELDS]
        for *series, day in self.values_list(*names, "effective_from"):
            dates.setdefault(tuple(series), set()).add(day)
        return dates


class DatedRow(Provenance):
    """A row in force from `effective_from` until the next row of its series; once saved, its numbers and
    date never change, and a new row never starts in the past of a series already priced."""

    # The fields naming the series (a model and tier, a fee key) and its label in messages.
    SERIES_FIELDS: ClassVar[tuple[str, ...]] = ()
    # The fields that decide what an estimate costs; `note` and `checked_at` may still be updated.
    FROZEN_FIELDS: ClassVar[tuple[str, ...]] = ()

    effective_from = models.DateField(default=FIRST_LISTED)
    note = models.CharField(
        "reason for the change", max_length=300, blank=True, help_text="Where the new price comes from."
    )
    # When the row was made: now, or the moment an imported file says (an import keeps its provenance).
    created_at = models.DateTimeField(default=timezone.now, editable=False, validators=[within_utc_range])
    checked_at = models.DateTimeField(
        "last checked against the source", null=True, blank=True, validators=[within_utc_range]
    )

    objects = DatedRowQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS).first()
            changed = [name for name in self.FROZEN_FIELDS if stored and stored[name] != getattr(self, name)]
            if changed:
                raise PriceHistoryError(
                    f"{self}: {', '.join(changed)} of a saved row cannot change (it may have priced "
                    "estimates); add a new row from a date instead."
                )
        super().save(*args, **kwargs)

    def edited_on(self) -> datetime | None:
        return self.created_at

    @classmethod
    @cache
    def series_attnames(cls) -> tuple[str, ...]:
        return tuple(concrete_field(cls, name).attname for name in cls.SERIES_FIELDS)

    def series_key(self) -> tuple:
        return tuple(getattr(self, name) for name in self.series_attnames())

    def series_label(self) -> str:
        """How messages name the series: "gpt-4.1 standard", "file_search_per_kcalls"."""
        return " ".join(str(part) for part in self.series_key())

    def later_rows(self) -> DatedRowQuerySet:
        """Rows of the same series scheduled after this one."""
        series = dict(zip(self.SERIES_FIELDS, self.series_key(), strict=True))
        return type(self).objects.filter(**series, effective_from__gt=self.effective_from)

    def _other_dates(self, series_key: tuple) -> set[date]:
        """The start dates of the other rows of this row's series (from the snapshot when there is one)."""
        snapshot = _snapshot.get()
        if snapshot is not None and type(self) in snapshot:
            return snapshot[type(self)].get(series_key, set()) - (
                set() if self._state.adding else {self.effective_from}
            )
        series = dict(zip(self.SERIES_FIELDS, series_key, strict=True))
        return set(
            type(self).objects.filter(**series).exclude(pk=self.pk).values_list("effective_from", flat=True)
        )

    def date_errors(self) -> dict[str, list[str]]:
        """The two rules on a row's date: one row per series and day, and the frozen past."""
        series_key = self.series_key()
        if self.effective_from is None or None in series_key or "" in series_key:
            return {}
        dates = self._other_dates(series_key)
        if self.effective_from in dates:
            return {"effective_from": [self.clash_message()]}
        if self._state.adding and dates and self.effective_from < (_snapshot_today.get() or today()):
            return {
                "effective_from": [
                    f"{self.effective_from} is before today and the table already prices "
                    f"{self.series_label()}: a row from that date would re-price estimates already made "
                    "for it. Pick today or a later date."
                ]
            }
        return {}

    def clash_message(self) -> str:
        return f"{self.series_label()} already has a row from {self.effective_from}: pick another date."

    def value_errors(self) -> dict[str, list[str]]:
        """Errors in the row's own numbers (subclasses)."""
        return {}

    def clean(self) -> None:
        errors = self.value_errors()
        for name, messages in self.date_errors().items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)
