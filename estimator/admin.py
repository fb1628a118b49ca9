"""Admin for shared scenarios: read-only, since a share link promises the same numbers forever."""

from django.contrib import admin
from django.http import HttpRequest

from estimator.models import Scenario


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("slug", "model_name", "price_version", "created_at")
    list_filter = ("created_at",)
    search_fields = ("slug", "price_version")
    readonly_fields = ("slug", "inputs", "prices", "price_version", "format_version", "created_at")
    date_hierarchy = "created_at"

    # Not `model`: that name is the admin's model class, which the list then called with each row.
    @admin.display(description="model")
    def model_name(self, scenario: Scenario) -> str:
        model: str = (scenario.inputs or {}).get("model", "")
        return model

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Scenario | None = None) -> bool:
        return False
