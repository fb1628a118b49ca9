"""How the price table's admin shows a row: exact prices, freshness, status in the timeline, source."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from pricing.models import STALE_AFTER, DatedRow, DatedRowQuerySet, TokenPrice, concrete_field, today
from pricing.sheet import decimal_str

# What the admin's `fields`, `readonly_fields` and fieldsets take: a field name or a display callable
# (ExactPrice). Django accepts both; django-stubs declares names only.
AdminField = Any
# (title, options) pairs whose options' "fields" may hold display callables too.
Fieldsets = list[Any]


def as_dated[Row: DatedRow](rows: QuerySet[Row]) -> DatedRowQuerySet[Row]:
    """A queryset the admin hands over for a dated model: the model's own DatedRowQuerySet (the admin's
    stubs call it a plain QuerySet)."""
    return cast(DatedRowQuerySet[Row], rows)


def admin_rows[Row: DatedRow](rows: QuerySet[Row]) -> DatedRowQuerySet[Row]:
    """The dated rows an admin list or inline shows, with their editor and `superseded` for the status."""
    return as_dated(rows).select_related("edited_by").with_superseded(today())


def editor(request: HttpRequest) -> User:
    """Who saves a row from the admin (whose views serve signed-in staff only)."""
    if isinstance(request.user, AnonymousUser):
        raise PermissionDenied
    return request.user


def money(value: Decimal | None) -> str:
    return "—" if value is None else decimal_str(value)


def checked(row: DatedRow) -> str | SafeString:
    if row.checked_at is None:
        return mark_safe('<span class="stale" title="never checked against its source">never (stale)</span>')
    day = timezone.localtime(row.checked_at).date().isoformat()
    if row.checked_at < timezone.now() - STALE_AFTER:
        return format_html(
            '<span class="stale" title="not checked for over {} days">{} (stale)</span>',
            STALE_AFTER.days,
            day,
        )
    return day


def row_status(row: DatedRow) -> str:
    """Scheduled (starts later), historical (a later row is in force today) or current."""
    if row.effective_from > today():
        return "scheduled"
    return "historical" if getattr(row, "superseded", False) else "current"


class ExactPrice:
    """A saved row's price as its exact decimal ("2", not "2.000000"): a read-only admin field."""

    def __init__(self, name: str):
        self.name = name
        self.__name__ = f"{name}_exact"
        self.short_description = concrete_field(TokenPrice, name).verbose_name

    def __call__(self, row: TokenPrice) -> str:
        return money(getattr(row, self.name))


EXACT_PRICES = {name: ExactPrice(name) for name in TokenPrice.PRICE_FIELDS}


def exact_field(name: AdminField) -> AdminField:
    """A saved row's field as its page shows it: a price as its exact decimal, anything else as it is."""
    return EXACT_PRICES.get(name, name)


class DatedRowColumns:
    """The columns every list of dated rows shows (the rows are annotated with `superseded`)."""

    @admin.display(description="in force")
    def status(self, row: DatedRow) -> str:
        return row_status(row)

    @admin.display(description="source")
    def source_label(self, row: DatedRow) -> str:
        return row.describe_source()

    @admin.display(description="last checked", ordering="checked_at")
    def checked(self, row: DatedRow) -> str | SafeString:
        return checked(row)


class TokenPriceColumns(DatedRowColumns):
    """The price columns of the price list and of a model's price timeline."""

    COLUMNS = (
        "status",
        "input_usd",
        "cached_input_usd",
        "cache_write_usd",
        "output_usd",
        "long_context_threshold",
        "source_label",
        "checked",
    )

    @admin.display(description="input (USD/1M)", ordering="input_per_mtok")
    def input_usd(self, row: TokenPrice) -> str:
        return money(row.input_per_mtok)

    @admin.display(description="cached input (USD/1M)", ordering="cached_input_per_mtok")
    def cached_input_usd(self, row: TokenPrice) -> str:
        return money(row.cached_input_per_mtok)

    @admin.display(description="cache write (USD/1M)", ordering="cache_write_per_mtok")
    def cache_write_usd(self, row: TokenPrice) -> str:
        return money(row.cache_write_per_mtok)

    @admin.display(description="output (USD/1M)", ordering="output_per_mtok")
    def output_usd(self, row: TokenPrice) -> str:
        return money(row.output_per_mtok)
