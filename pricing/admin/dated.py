"""Token prices and tool fees in the admin: add-only, read-only once saved, a change is a new row.

To change a price an admin adds a new row effective from a date, pre-filled from the row it replaces
("New price from a date…" on a row's page). The model's `clean()` refuses a second row on the same day
and a new row in the past of a series already priced; only a row not yet in force can be deleted. Saving
a row that a later-scheduled row will override says so, naming that row.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from pricing.admin.display import (
    EXACT_PRICES,
    AdminField,
    DatedRowColumns,
    Fieldsets,
    TokenPriceColumns,
    admin_rows,
    editor,
    exact_field,
    money,
    row_status,
)
from pricing.admin.filters import FreshnessFilter, ModelShutDownFilter, RowStatusFilter
from pricing.models import DatedRow, Source, TokenPrice, ToolFee, concrete_field, today

PRICE_FIELDS = TokenPrice.BASE_PRICE_FIELDS
LONG_CONTEXT_FIELDS = ("long_context_threshold", *TokenPrice.LONG_CONTEXT_FIELDS)
PROVENANCE = ("source_label", "edited_by", "created_at", "checked_at")


class DatedRowForm(forms.ModelForm):
    """A new dated row: the model's `clean()` holds every rule on its date."""

    def clean(self) -> dict[str, Any] | None:
        cleaned_data = super().clean()
        if "effective_from" in self.errors:
            self.instance.effective_from = None  # the date rules judge the date given, not the default
        return cleaned_data

    def validate_constraints(self) -> None:
        # The model's clean() reports a clashing date naming the series and date; the generic
        # unique-constraint message would only repeat it less clearly. The database constraint still holds.
        pass


class TokenPriceForm(DatedRowForm):
    class Meta:
        model = TokenPrice
        fields = ["model", "service_tier", "effective_from", *PRICE_FIELDS, *LONG_CONTEXT_FIELDS, "note"]


class ToolFeeForm(DatedRowForm):
    class Meta:
        model = ToolFee
        fields = ["key", "effective_from", "amount", "note"]


def _new_row_url(row: DatedRow) -> str:
    return f"{reverse(f'admin:pricing_{row._meta.model_name}_add')}?{urlencode({'copy_from': row.pk})}"


class DatedRowAdmin(DatedRowColumns, admin.ModelAdmin):
    """Shared rules of token prices and tool fees: add-only, read-only once saved."""

    change_list_template = "admin/pricing/price_table_change_list.html"
    change_form_template = "admin/pricing/dated_row_change_form.html"
    copied_fields: tuple[str, ...] = ()
    timeline_columns: tuple[str, ...] = ()
    new_row_label = "New price from a date…"
    actions = None  # the bulk "delete selected" would bypass the rule below
    date_hierarchy = "effective_from"

    def get_queryset(self, request: HttpRequest) -> QuerySet[DatedRow]:
        return admin_rows(super().get_queryset(request))

    def has_change_permission(self, request: HttpRequest, obj: DatedRow | None = None) -> bool:
        # Saved rows may have priced estimates: they are shown read-only, and a change is a new row.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: DatedRow | None = None) -> bool:
        # Only a row that has not taken effect yet can be withdrawn: nothing was priced with it.
        if obj is not None and obj.effective_from <= today():
            return False
        return super().has_delete_permission(request, obj)

    def template_row(self, request: HttpRequest) -> DatedRow | None:
        """The row a new one starts from: `?copy_from=<id>`."""
        copy_from = request.GET.get("copy_from", "")
        return self.model.objects.filter(pk=int(copy_from)).first() if copy_from.isdigit() else None

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        initial.pop("copy_from", None)
        template = self.template_row(request)
        if template is not None:
            for name in self.copied_fields:
                initial[name] = getattr(template, concrete_field(type(template), name).attname)
            initial["note"] = f"Replaces the price from {template.effective_from}."
        initial.setdefault("effective_from", today() + timedelta(days=1))
        return initial

    def save_model(self, request: HttpRequest, obj: DatedRow, form: forms.ModelForm, change: bool) -> None:
        obj.source = Source.ADMIN
        obj.source_version = ""
        obj.edited_by = editor(request)
        obj.checked_at = timezone.now()
        super().save_model(request, obj, form, change)
        later = obj.later_rows().order_by("effective_from").first()
        if later is not None:
            messages.warning(
                request,
                f"The row {later} will override this one on {later.effective_from}: this price applies from "
                f"{obj.effective_from} to {later.effective_from - timedelta(days=1)} only. To keep it "
                "longer, withdraw that scheduled row or add another one after it.",
            )

    @admin.display(description="")
    def new_row_link(self, row: DatedRow) -> SafeString:
        return format_html('<a href="{}">{}</a>', _new_row_url(row), self.new_row_label)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        extra_context = extra_context or {}
        row = self.get_object(request, object_id)
        if row is not None:
            extra_context.update(
                new_row_url=_new_row_url(row), timeline=self.timeline(row), new_row_label=self.new_row_label
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def timeline(self, row: DatedRow) -> dict[str, Any]:
        """The rows of the same series (model and tier, or fee key) by date, for the row's page."""
        series = dict(zip(row.SERIES_FIELDS, row.series_key(), strict=True))
        rows = self.model.objects.filter(**series).with_superseded(today()).order_by("effective_from")
        return {
            "headers": [concrete_field(self.model, name).verbose_name for name in self.timeline_columns],
            "rows": [
                {
                    "row": item,
                    "status": row_status(item),
                    "cells": [money(getattr(item, name)) for name in self.timeline_columns],
                    "source": item.describe_source(),
                }
                for item in rows
            ],
        }


@admin.register(TokenPrice)
class TokenPriceAdmin(TokenPriceColumns, DatedRowAdmin):
    form = TokenPriceForm
    copied_fields = ("model", "service_tier", *PRICE_FIELDS, *LONG_CONTEXT_FIELDS)
    timeline_columns = (*PRICE_FIELDS, "long_context_threshold")
    list_display = ["model", "service_tier", "effective_from", *TokenPriceColumns.COLUMNS, "new_row_link"]
    list_filter = [
        ("model__family", admin.AllValuesFieldListFilter),
        "service_tier",
        RowStatusFilter,
        ModelShutDownFilter,
        "source",
        FreshnessFilter,
    ]
    search_fields = ["model__id", "model__name", "model__family", "note"]
    list_select_related = ["model", "edited_by"]
    autocomplete_fields = ["model"]
    fieldsets = [
        (None, {"fields": ["model", "service_tier", "effective_from"]}),
        ("Prices (USD per 1M tokens)", {"fields": PRICE_FIELDS}),
        (
            "Long context",
            {
                "fields": LONG_CONTEXT_FIELDS,
                "description": "Above the threshold the long-context prices apply to the whole call. "
                "Leave all empty when the model has none.",
            },
        ),
        ("Why", {"fields": ["note"]}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: TokenPrice | None = None) -> Fieldsets:
        if obj is None:
            return self.fieldsets
        # A saved row is shown read-only, its prices as exact decimals ("2", not "2.000000").
        fieldsets = [
            (title, {**options, "fields": [exact_field(name) for name in options["fields"]]})
            for title, options in self.fieldsets
        ]
        return [*fieldsets, ("Source", {"fields": PROVENANCE})]

    def get_readonly_fields(self, request: HttpRequest, obj: TokenPrice | None = None) -> list[AdminField]:
        return [] if obj is None else [*EXACT_PRICES.values(), *PROVENANCE]

    def template_row(self, request: HttpRequest) -> DatedRow | None:
        # "Add a price" for a model and tier starts from the row in force today, when there is one.
        row = super().template_row(request)
        if row is None and request.GET.get("model") and request.GET.get("service_tier"):
            series = TokenPrice.objects.filter(
                model_id=request.GET["model"], service_tier=request.GET["service_tier"]
            )
            row = series.in_force(today()).first()
        return row


@admin.register(ToolFee)
class ToolFeeAdmin(DatedRowAdmin):
    form = ToolFeeForm
    copied_fields = ("key", "amount")
    new_row_label = "New fee from a date…"
    timeline_columns = ("amount",)
    list_display = [
        "key",
        "effective_from",
        "status",
        "amount_text",
        "source_label",
        "checked",
        "new_row_link",
    ]
    list_filter = ["key", RowStatusFilter, "source", FreshnessFilter]
    search_fields = ["key", "note"]

    def get_fields(self, request: HttpRequest, obj: ToolFee | None = None) -> list[AdminField]:
        if obj is None:
            return ["key", "effective_from", "amount", "note"]
        return ["key", "effective_from", "amount_text", "note", *PROVENANCE]

    def get_readonly_fields(self, request: HttpRequest, obj: ToolFee | None = None) -> list[str]:
        return ["amount_text", *PROVENANCE] if obj is not None else []

    @admin.display(description="amount (USD, or GB for the free allowance)", ordering="amount")
    def amount_text(self, row: ToolFee) -> str:
        return money(row.amount)
