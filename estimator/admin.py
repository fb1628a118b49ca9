"""Admin for shared scenarios: read-only, since a share link promises the same numbers forever."""

from django.contrib import admin

from estimator.models import Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("slug", "model", "price_version", "created_at")
    list_filter = ("created_at",)
    search_fields = ("slug", "price_version")
    readonly_fields = ("slug", "inputs", "prices", "price_version", "format_version", "created_at")
    date_hierarchy = "created_at"

    @admin.display(description="model")
    def model(self, scenario: Scenario) -> str:
        return (scenario.inputs or {}).get("model", "")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
