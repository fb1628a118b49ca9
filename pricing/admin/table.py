"""Models (with their price timeline), API surfaces and the log of syncs in the admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from pricing.admin.display import AdminField, Fieldsets, TokenPriceColumns, admin_rows, editor
from pricing.admin.filters import ShutDownFilter
from pricing.models import ApiSurface, LanguageModel, Source, SyncRun, TokenPrice, today


class PriceTimelineInline(TokenPriceColumns, admin.TabularInline):
    """A model's price timeline: every row, by date, read-only (changes are new rows)."""

    model = TokenPrice
    verbose_name = "price"
    verbose_name_plural = "price timeline (a change is a new row from a date: use “Add a price”)"
    fields = ["effective_from", "service_tier", *TokenPriceColumns.COLUMNS]
    readonly_fields = ["effective_from", "service_tier", *TokenPriceColumns.COLUMNS]
    ordering = ["effective_from", "service_tier"]
    extra = 0
    show_change_link = True
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TokenPrice]:
        return admin_rows(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest, obj: LanguageModel | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LanguageModel | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LanguageModel | None = None) -> bool:
        return False


class LanguageModelForm(forms.ModelForm):
    class Meta:
        model = LanguageModel
        fields = [
            "id",
            "name",
            "family",
            "context_window",
            "max_input_tokens",
            "cache_ttl_minutes",
            "encoding",
            "shutdown_date",
            "successor",
            "is_default",
        ]

    def validate_constraints(self) -> None:
        # Ticking "default model" moves the default here (save_model unticks the old one), so the
        # one-default constraint is not a form error.
        # Both helpers are what ModelForm.validate_constraints itself calls: private, so not in the stubs.
        exclude = {*self._get_validation_exclusions(), "is_default"}  # type: ignore[attr-defined]
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]


@admin.register(LanguageModel)
class LanguageModelAdmin(admin.ModelAdmin):
    change_list_template = "admin/pricing/price_table_change_list.html"
    form = LanguageModelForm
    inlines = [PriceTimelineInline]
    list_display = [
        "id",
        "name",
        "family",
        "context_window",
        "max_input_tokens",
        "cache_ttl_minutes",
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
        "limits_source",
        "default_source",
        "edited_by",
        "edited_at",
        "created_at",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: LanguageModel | None = None) -> Fieldsets:
        fieldsets = [
            (None, {"fields": ["id", "name", "family", "context_window", "encoding", "is_default"]}),
            (
                "Limits",
                {
                    "fields": ["max_input_tokens", "cache_ttl_minutes"],
                    "description": "Seeded from OpenAI's published figures; sync never changes a value "
                    "saved here.",
                },
            ),
            ("Lifecycle", {"fields": ["shutdown_date", "successor"]}),
        ]
        if obj is not None:
            fieldsets.append(("Source", {"fields": self.provenance}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: LanguageModel | None = None) -> list[str]:
        return [*self.fixed_after_creation, *self.provenance] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: LanguageModel | None = None) -> bool:
        # Deleting a model deletes its prices: only while none of them has ever been in force.
        if obj is not None and obj.prices.filter(effective_from__lte=today()).exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="lifecycle")
    def lifecycle(self, model: LanguageModel) -> str:
        if model.shutdown_date is None:
            return "live"
        return "shut down" if model.is_shut_down(today()) else "shutdown scheduled"

    @admin.display(description="source")
    def source_label(self, model: LanguageModel) -> str:
        return model.describe_source()

    @transaction.atomic
    def save_model(
        self, request: HttpRequest, obj: LanguageModel, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            obj.source = Source.ADMIN
            obj.source_version = ""
        changed = set(form.changed_data)
        # Sync re-seeds only what it seeded: what an admin sets here stays.
        if not change or {"shutdown_date", "successor"} & changed:
            obj.lifecycle_source = Source.ADMIN
        if not change or {"max_input_tokens", "cache_ttl_minutes"} & changed:
            obj.limits_source = Source.ADMIN
        if "is_default" in changed:
            obj.default_source = Source.ADMIN if obj.is_default else ""
        obj.edited_by = editor(request)
        obj.edited_at = timezone.now()
        if obj.is_default:
            LanguageModel.objects.filter(is_default=True).exclude(pk=obj.pk).update(
                is_default=False, default_source=""
            )
        super().save_model(request, obj, form, change)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        add = reverse("admin:pricing_tokenprice_add")
        extra_context = {
            **(extra_context or {}),
            "add_price_urls": [
                (tier, f"{add}?{urlencode({'model': object_id, 'service_tier': tier})}")
                for tier in ("standard", "flex", "fast")
            ],
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(ApiSurface)
class ApiSurfaceAdmin(admin.ModelAdmin):
    """When OpenAI shuts a way to run an agent down: estimates read it from their price sheet."""

    list_display = ["key", "name", "shutdown_date", "successor", "source_label"]
    search_fields = ["key", "name"]
    provenance = ["source_label", "edited_by", "edited_at"]

    def get_fields(self, request: HttpRequest, obj: ApiSurface | None = None) -> list[AdminField]:
        fields = ["key", "name", "shutdown_date", "successor"]
        return fields + self.provenance if obj is not None else fields

    def get_readonly_fields(self, request: HttpRequest, obj: ApiSurface | None = None) -> list[str]:
        return ["key", *self.provenance] if obj is not None else []

    @admin.display(description="source")
    def source_label(self, surface: ApiSurface) -> str:
        return surface.describe_source()

    def save_model(self, request: HttpRequest, obj: ApiSurface, form: forms.ModelForm, change: bool) -> None:
        obj.source = Source.ADMIN
        obj.edited_by = editor(request)
        obj.edited_at = timezone.now()
        super().save_model(request, obj, form, change)


SYNC_RUN_COLUMNS = (
    "finished_at",
    "genai_prices_version",
    "added_models",
    "added_prices",
    "added_fees",
    "seeded_lifecycles",
    "skipped",
)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    """The log of `sync_prices` runs (read-only); "Sync now…" is `pricing.admin.views.sync`."""

    list_display = SYNC_RUN_COLUMNS
    readonly_fields = (*SYNC_RUN_COLUMNS, "report")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SyncRun | None = None) -> bool:
        return False
