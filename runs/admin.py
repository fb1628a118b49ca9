from django.contrib import admin

from runs.models import Call, Run


class CallInline(admin.TabularInline):
    model = Call
    extra = 0
    can_delete = False
    fields = (
        "index",
        "turn",
        "round",
        "prompt_tokens",
        "cached_tokens",
        "cache_write_tokens",
        "completion_tokens",
        "reasoning_tokens",
        "cost_usd",
        "latency_ms",
        "retries_taken",
        "request_id",
        "error",
    )
    readonly_fields = fields


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "script_name",
        "model",
        "endpoint",
        "status",
        "calls_count",
        "cost_usd",
        "started_at",
    )
    list_filter = ("status", "model", "offline")
    search_fields = ("script_name", "model")
    readonly_fields = ("started_at", "finished_at")
    inlines = [CallInline]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = (
        "run",
        "index",
        "turn",
        "round",
        "prompt_tokens",
        "cached_tokens",
        "completion_tokens",
        "cost_usd",
    )
    list_filter = ("run__model",)
    search_fields = ("request_id",)
