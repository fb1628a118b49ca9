"""The price table in the Django admin (staff only).

History is never overwritten: a token price or tool fee row, once saved, is read-only here. To change a
price, an admin adds a new row effective from a date (today or later), pre-filled from the row it
replaces ("New price from a date…" on a row's page). Only a row that has not taken effect yet can be
deleted. So the rows in force on any past date, and every estimate made with them, stay reproducible.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from pricing.models import (
    STALE_AFTER,
    ApiSurface,
    LanguageModel,
    Source,
    SyncRun,
    TokenPrice,
    ToolFee,
    today,
)
from pricing.sheet import decimal_str
from pricing.sync import sync_prices
from pricing.transfer import MAX_IMPORT_BYTES, PriceImportError, export_csv, export_json, import_file

PAST_DATE_MESSAGE = (
    "Pick today or a later date: the rows in force on past dates stay as they are, so every past "
    "estimate can be reproduced."
)
PRICE_FIELDS = [
    "input_per_mtok",
    "cached_input_per_mtok",
    "cache_write_per_mtok",
    "output_per_mtok",
]
LONG_CONTEXT_FIELDS = [
    "long_context_threshold",
    "long_context_input_per_mtok",
    "long_context_cached_input_per_mtok",
    "long_context_cache_write_per_mtok",
    "long_context_output_per_mtok",
]


def _money(value) -> str:
    return "—" if value is None else decimal_str(value)


def _checked(row) -> str:
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


def _with_status(queryset, model_fields: tuple[str, ...]):
    """Annotate `superseded`: a later row for the same model/tier (or fee key) is in force today."""
    return queryset.with_superseded(today())


def _status(row) -> str:
    if row.effective_from > today():
        return "scheduled"
    return "historical" if getattr(row, "superseded", False) else "current"


class RowStatusFilter(admin.SimpleListFilter):
    """Current (in force today), scheduled (starts later) or historical (superseded)."""

    title = "in force"
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [
            ("current", "Current (in force today)"),
            ("scheduled", "Scheduled (starts later)"),
            ("historical", "Historical (superseded)"),
        ]

    def queryset(self, request, queryset):
        day = today()
        if self.value() == "current":
            return queryset.filter(effective_from__lte=day, superseded=False)
        if self.value() == "scheduled":
            return queryset.filter(effective_from__gt=day)
        if self.value() == "historical":
            return queryset.filter(effective_from__lte=day, superseded=True)
        return queryset


class ShutDownFilter(admin.SimpleListFilter):
    title = "shut down"
    parameter_name = "shut_down"
    date_field = "shutdown_date"

    def lookups(self, request, model_admin):
        return [
            ("no", "Live (no shutdown date)"),
            ("scheduled", "Shutdown scheduled"),
            ("yes", "Shut down"),
        ]

    def queryset(self, request, queryset):
        day = today()
        name = self.date_field
        if self.value() == "no":
            return queryset.filter(**{f"{name}__isnull": True})
        if self.value() == "scheduled":
            return queryset.filter(**{f"{name}__gt": day})
        if self.value() == "yes":
            return queryset.filter(**{f"{name}__lte": day})
        return queryset


class ModelShutDownFilter(ShutDownFilter):
    title = "model shut down"
    date_field = "model__shutdown_date"


class FreshnessFilter(admin.SimpleListFilter):
    title = "checked against the source"
    parameter_name = "freshness"

    def lookups(self, request, model_admin):
        return [("stale", f"Stale (over {STALE_AFTER.days} days or never)"), ("fresh", "Recently checked")]

    def queryset(self, request, queryset):
        cutoff = timezone.now() - STALE_AFTER
        stale = Q(checked_at__isnull=True) | Q(checked_at__lt=cutoff)
        if self.value() == "stale":
            return queryset.filter(stale)
        if self.value() == "fresh":
            return queryset.exclude(stale)
        return queryset


class DatedRowForm(forms.ModelForm):
    """A new dated row from the admin: never dated in the past."""

    def validate_constraints(self):
        # The model's clean() reports a clashing date naming the model, tier and date; the generic
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


class DatedRowAdmin(admin.ModelAdmin):
    """Shared rules of token prices and tool fees: add-only, read-only once saved."""

    status_fields: tuple[str, ...] = ()
    copied_fields: tuple[str, ...] = ()
    new_row_label = "New price from a date…"
    actions = None  # the bulk "delete selected" would bypass the rule below
    date_hierarchy = "effective_from"

    def get_queryset(self, request):
        return _with_status(super().get_queryset(request).select_related("edited_by"), self.status_fields)

    def has_change_permission(self, request, obj=None):
        # Saved rows may have priced estimates: they are shown read-only, and a change is a new row.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Only a row that has not taken effect yet can be withdrawn: nothing was priced with it.
        if obj is not None and obj.effective_from <= today():
            return False
        return super().has_delete_permission(request, obj)

    def template_row(self, request):
        """The row a new one starts from: `?copy_from=<id>`."""
        copy_from = request.GET.get("copy_from", "")
        return self.model.objects.filter(pk=int(copy_from)).first() if copy_from.isdigit() else None

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.pop("copy_from", None)
        template = self.template_row(request)
        if template is not None:
            for name in self.copied_fields:
                value = getattr(template, name)
                initial[name] = value if name != "model" else template.model_id
            initial["note"] = f"Replaces the price from {template.effective_from}."
        initial.setdefault("effective_from", today() + timedelta(days=1))
        return initial

    def save_model(self, request, obj, form, change):
        obj.source = Source.ADMIN
        obj.source_version = ""
        obj.edited_by = request.user
        obj.checked_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.display(description="in force")
    def status(self, row):
        return _status(row)

    @admin.display(description="source")
    def source_label(self, row):
        return row.describe_source()

    @admin.display(description="last checked", ordering="checked_at")
    def checked(self, row):
        return _checked(row)

    @admin.display(description="")
    def new_row_link(self, row):
        url = (
            reverse(f"admin:pricing_{self.model._meta.model_name}_add")
            + "?"
            + urlencode({"copy_from": row.pk})
        )
        return format_html('<a href="{}">New price from a date…</a>', url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        row = self.get_object(request, object_id)
        if row is not None:
            extra_context["new_row_url"] = (
                reverse(f"admin:pricing_{self.model._meta.model_name}_add")
                + "?"
                + urlencode({"copy_from": row.pk})
            )
            extra_context["timeline"] = self.timeline(row)
            extra_context["new_row_label"] = self.new_row_label
        return super().change_view(request, object_id, form_url, extra_context)

    timeline_columns: tuple[str, ...] = ()

    def timeline(self, row) -> dict:
        """The rows of the same model and tier (or fee key) by date, for the row's page."""
        rows = _with_status(
            self.model.objects.filter(**{name: getattr(row, name) for name in self.status_fields}),
            self.status_fields,
        ).order_by("effective_from")
        return {
            "headers": [self.model._meta.get_field(name).verbose_name for name in self.timeline_columns],
            "rows": [
                {
                    "row": item,
                    "status": _status(item),
                    "cells": [_money(getattr(item, name)) for name in self.timeline_columns],
                    "source": item.describe_source(),
                }
                for item in rows
            ],
        }


@admin.register(TokenPrice)
class TokenPriceAdmin(DatedRowAdmin):
    form = TokenPriceForm
    status_fields = ("model", "service_tier")
    copied_fields = ("model", "service_tier", *PRICE_FIELDS, *LONG_CONTEXT_FIELDS)
    timeline_columns = (*PRICE_FIELDS, "long_context_threshold")
    list_display = [
        "model",
        "service_tier",
        "effective_from",
        "status",
        "input_usd",
        "cached_input_usd",
        "cache_write_usd",
        "output_usd",
        "long_context_threshold",
        "source_label",
        "checked",
        "new_row_link",
    ]
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
    readonly_fields_on_view = ["source_label", "edited_by", "created_at", "checked_at"]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        # A saved row is shown read-only, its prices as exact decimals ("2", not "2.000000").
        exact = {name: f"{name}_exact" for name in EXACT_PRICE_FIELDS}
        fieldsets = [
            (title, {**options, "fields": [exact.get(name, name) for name in options["fields"]]})
            for title, options in self.fieldsets
        ]
        return [*fieldsets, ("Source", {"fields": self.readonly_fields_on_view})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*(f"{name}_exact" for name in EXACT_PRICE_FIELDS), *self.readonly_fields_on_view]

    @admin.display(description="input (USD/1M)", ordering="input_per_mtok")
    def input_usd(self, row):
        return _money(row.input_per_mtok)

    @admin.display(description="cached input (USD/1M)", ordering="cached_input_per_mtok")
    def cached_input_usd(self, row):
        return _money(row.cached_input_per_mtok)

    @admin.display(description="cache write (USD/1M)", ordering="cache_write_per_mtok")
    def cache_write_usd(self, row):
        return _money(row.cache_write_per_mtok)

    @admin.display(description="output (USD/1M)", ordering="output_per_mtok")
    def output_usd(self, row):
        return _money(row.output_per_mtok)

    def template_row(self, request):
        # "Add a price" for a model and tier starts from the row in force today, when there is one.
        row = super().template_row(request)
        if row is None and request.GET.get("model") and request.GET.get("service_tier"):
            row = (
                TokenPrice.objects.filter(
                    model_id=request.GET["model"], service_tier=request.GET["service_tier"]
                )
                .in_force(today())
                .first()
            )
        return row

    # -- import and export of the whole table

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.json", view(self.export_json_view), name="pricing_export_json"),
            path("export.csv", view(self.export_csv_view), name="pricing_export_csv"),
            path("import/", view(self.import_view), name="pricing_import"),
            *super().get_urls(),
        ]

    def _export_allowed(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied

    def export_json_view(self, request):
        self._export_allowed(request)
        response = HttpResponse(export_json(), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="price-table-{today()}.json"'
        return response

    def export_csv_view(self, request):
        self._export_allowed(request)
        response = HttpResponse(export_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="price-table-{today()}.csv"'
        return response

    def import_view(self, request):
        if not (
            self.has_add_permission(request)
            and request.user.has_perm("pricing.add_languagemodel")
            and request.user.has_perm("pricing.add_toolfee")
        ):
            raise PermissionDenied
        errors: list[str] = []
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_IMPORT_BYTES:  # refused before it is read into memory
                    raise PriceImportError([f"the file is over {MAX_IMPORT_BYTES // (1024 * 1024)} MB"])
                report = import_file(upload.name, upload.read(), dry_run=form.cleaned_data["dry_run"])
            except PriceImportError as exc:
                errors = exc.errors
            else:
                for note in report.notes:
                    messages.info(request, note)
                if not report.dry_run:
                    messages.success(request, f"{upload.name}: {report.summary()}")
                    return HttpResponseRedirect(reverse("admin:pricing_tokenprice_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import the price table",
            "form": form,
            "errors": errors,
            "report": report,
        }
        return TemplateResponse(request, "admin/pricing/import.html", context)


EXACT_PRICE_FIELDS = [name for name in (*PRICE_FIELDS, *LONG_CONTEXT_FIELDS) if name.endswith("_per_mtok")]


def _exact_display(name: str):
    @admin.display(description=TokenPrice._meta.get_field(name).verbose_name)
    def show(self, row):
        return _money(getattr(row, name))

    return show


for _name in EXACT_PRICE_FIELDS:
    setattr(TokenPriceAdmin, f"{_name}_exact", _exact_display(_name))


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A .json or .csv file written by “Export”: the whole table with its history."
    )
    dry_run = forms.BooleanField(required=False, label="Only check the file (import nothing)")


@admin.register(ToolFee)
class ToolFeeAdmin(DatedRowAdmin):
    form = ToolFeeForm
    status_fields = ("key",)
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
    readonly_fields_on_view = ["source_label", "edited_by", "created_at", "checked_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["key", "effective_from", "amount", "note"]
        return ["key", "effective_from", "amount_text", "note", *self.readonly_fields_on_view]

    def get_readonly_fields(self, request, obj=None):
        return ["amount_text", *self.readonly_fields_on_view] if obj is not None else []

    @admin.display(description="amount (USD, or GB for the free allowance)", ordering="amount")
    def amount_text(self, row):
        return _money(row.amount)


class PriceTimelineInline(admin.TabularInline):
    """A model's price timeline: every row, by date, read-only (changes are new rows)."""

    model = TokenPrice
    verbose_name = "price"
    verbose_name_plural = "price timeline (a change is a new row from a date: use “Add a price”)"
    fields = [
        "effective_from",
        "service_tier",
        "status",
        "input_usd",
        "cached_input_usd",
        "cache_write_usd",
        "output_usd",
        "long_context_threshold",
        "source_label",
        "checked",
    ]
    readonly_fields = fields
    ordering = ["effective_from", "service_tier"]
    extra = 0
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        return _with_status(
            super().get_queryset(request).select_related("edited_by"), ("model", "service_tier")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="in force")
    def status(self, row):
        return _status(row)

    @admin.display(description="source")
    def source_label(self, row):
        return row.describe_source()

    @admin.display(description="last checked")
    def checked(self, row):
        return _checked(row)

    @admin.display(description="input (USD/1M)")
    def input_usd(self, row):
        return _money(row.input_per_mtok)

    @admin.display(description="cached input (USD/1M)")
    def cached_input_usd(self, row):
        return _money(row.cached_input_per_mtok)

    @admin.display(description="cache write (USD/1M)")
    def cache_write_usd(self, row):
        return _money(row.cache_write_per_mtok)

    @admin.display(description="output (USD/1M)")
    def output_usd(self, row):
        return _money(row.output_per_mtok)


class LanguageModelForm(forms.ModelForm):
    class Meta:
        model = LanguageModel
        fields = [
            "id",
            "name",
            "family",
            "context_window",
            "encoding",
            "shutdown_date",
            "successor",
            "is_default",
        ]

    def validate_constraints(self):
        # Ticking "default model" moves the default here (save_model unticks the old one), so the
        # one-default constraint is not a form error.
        try:
            self.instance.validate_constraints(exclude={*self._get_validation_exclusions(), "is_default"})
        except ValidationError as exc:
            self._update_errors(exc)


@admin.register(LanguageModel)
class LanguageModelAdmin(admin.ModelAdmin):
    form = LanguageModelForm
    inlines = [PriceTimelineInline]
    list_display = [
        "id",
        "name",
        "family",
        "context_window",
        "lifecycle",
        "shutdown_date",
        "successor",
        "is_default",
        "source_label",
    ]
    list_filter = [("family", admin.AllValuesFieldListFilter), ShutDownFilter, "source", "lifecycle_source"]
    search_fields = ["id", "name", "family"]
    list_select_related = ["successor", "edited_by"]
    autocomplete_fields = ["successor"]
    actions = None  # a bulk delete would take the models' price history with it
    # Changing these would re-price every past estimate of the model: fixed once the model exists.
    fixed_after_creation = ["id", "context_window", "encoding"]
    provenance = [
        "source_label",
        "source_version",
        "lifecycle_source",
        "edited_by",
        "edited_at",
        "created_at",
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["id", "name", "family", "context_window", "encoding", "is_default"]}),
            ("Lifecycle", {"fields": ["shutdown_date", "successor"]}),
        ]
        if obj is not None:
            fieldsets.append(("Source", {"fields": self.provenance}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [*self.fixed_after_creation, *self.provenance] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Deleting a model deletes its prices: only while none of them has ever been in force.
        if obj is not None and obj.prices.filter(effective_from__lte=today()).exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="lifecycle")
    def lifecycle(self, model):
        if model.shutdown_date is None:
            return "live"
        return "shut down" if model.is_shut_down(today()) else "shutdown scheduled"

    @admin.display(description="source")
    def source_label(self, model):
        return model.describe_source()

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        now = timezone.now()
        if not change:
            obj.source = Source.ADMIN
            obj.source_version = ""
        if not change or {"shutdown_date", "successor"} & set(form.changed_data):
            obj.lifecycle_source = Source.ADMIN
        obj.edited_by = request.user
        obj.edited_at = now
        if obj.is_default:
            LanguageModel.objects.filter(is_default=True).exclude(pk=obj.pk).update(is_default=False)
        super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        add = reverse("admin:pricing_tokenprice_add")
        extra_context["add_price_urls"] = [
            (tier, f"{add}?{urlencode({'model': object_id, 'service_tier': tier})}")
            for tier in ("standard", "flex", "fast")
        ]
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ApiSurface)
class ApiSurfaceAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "shutdown_date", "successor", "source_label"]
    search_fields = ["key", "name"]
    provenance = ["source_label", "edited_by", "edited_at"]

    def get_fields(self, request, obj=None):
        fields = ["key", "name", "shutdown_date", "successor"]
        return fields + self.provenance if obj is not None else fields

    def get_readonly_fields(self, request, obj=None):
        return ["key", *self.provenance] if obj is not None else []

    @admin.display(description="source")
    def source_label(self, surface):
        return surface.describe_source()

    def save_model(self, request, obj, form, change):
        obj.source = Source.ADMIN
        obj.edited_by = request.user
        obj.edited_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    """The log of `sync_prices` runs (read-only), and "Sync now": the plan first, then apply it."""

    list_display = [
        "finished_at",
        "genai_prices_version",
        "added_models",
        "added_prices",
        "added_fees",
        "seeded_lifecycles",
        "skipped",
    ]
    readonly_fields = [*list_display, "report"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("sync/", self.admin_site.admin_view(self.sync_view), name="pricing_sync"),
            *super().get_urls(),
        ]

    def sync_view(self, request):
        """GET: what `sync_prices` would do (a dry run). POST: do it, same rules as the command."""
        if not all(
            request.user.has_perm(f"pricing.add_{name}")
            for name in ("languagemodel", "tokenprice", "toolfee")
        ):
            raise PermissionDenied
        if request.method == "POST":
            report = sync_prices()
            messages.success(request, report.summary())
            for line in report.skipped:
                messages.warning(request, f"skipped: {line}")
            return HttpResponseRedirect(reverse("admin:pricing_syncrun_changelist"))
        report = sync_prices(dry_run=True)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Sync with genai-prices {report.version}",
            "report": report,
        }
        return TemplateResponse(request, "admin/pricing/sync.html", context)
