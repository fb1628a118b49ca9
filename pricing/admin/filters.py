"""List filters of the price table's admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from pricing.admin.display import as_dated
from pricing.models import STALE_AFTER, today


class RowStatusFilter(admin.SimpleListFilter):
    """Current (in force today), scheduled (starts later) or historical (superseded)."""

    title = "in force"
    parameter_name = "in_force"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("current", "Current (in force today)"),
            ("scheduled", "Scheduled (starts later)"),
            ("historical", "Historical (superseded)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        day, rows = today(), as_dated(queryset)
        if self.value() == "current":
            return rows.in_force(day)
        if self.value() == "scheduled":
            return rows.filter(effective_from__gt=day)
        if self.value() == "historical":
            return rows.filter(effective_from__lte=day).exclude(pk__in=rows.in_force(day).values("pk"))
        return rows


class ShutDownFilter(admin.SimpleListFilter):
    title = "shut down"
    parameter_name = "shut_down"
    date_field = "shutdown_date"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Live (no shutdown date)"), ("scheduled", "Shutdown scheduled"), ("yes", "Shut down")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        day, name = today(), self.date_field
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

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("stale", f"Stale (over {STALE_AFTER.days} days or never)"), ("fresh", "Recently checked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        stale = Q(checked_at__isnull=True) | Q(checked_at__lt=timezone.now() - STALE_AFTER)
        if self.value() == "stale":
            return queryset.filter(stale)
        if self.value() == "fresh":
            return queryset.exclude(stale)
        return queryset
