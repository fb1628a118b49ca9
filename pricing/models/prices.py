"""Token prices and tool fees: the dated rows an estimate is priced with."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from pricing.models.base import ServiceTier
from pricing.models.dated import DatedRow
from pricing.models.table import LanguageModel


def _negative_price_errors(instance: models.Model, names: tuple[str, ...]) -> dict[str, list[str]]:
    return {
        name: ["Must be 0 or more (USD)."]
        for name in names
        if getattr(instance, name) is not None and Decimal(getattr(instance, name)) < 0
    }


def _usd_per_mtok(label: str, **options: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=6, **options)


class TokenPrice(DatedRow):
    """USD per 1M tokens for one model and service tier, from `effective_from` until the next row."""

    model = models.ForeignKey(LanguageModel, on_delete=models.CASCADE, related_name="prices")
    service_tier = models.CharField(max_length=10, choices=ServiceTier, default=ServiceTier.STANDARD)
    input_per_mtok = _usd_per_mtok("USD per 1M input tokens")
    cached_input_per_mtok = _usd_per_mtok("USD per 1M cached input tokens", null=True, blank=True)
    cache_write_per_mtok = _usd_per_mtok("USD per 1M cache-write tokens", null=True, blank=True)
    output_per_mtok = _usd_per_mtok("USD per 1M output tokens")
    long_context_threshold = models.PositiveIntegerField(
        "long-context threshold (input tokens)",
        null=True,
        blank=True,
        help_text="Above this many input tokens the long-context prices apply to the whole call.",
    )
    long_context_input_per_mtok = _usd_per_mtok(
        "long context: USD per 1M input tokens", null=True, blank=True
    )
    long_context_cached_input_per_mtok = _usd_per_mtok(
        "long context: USD per 1M cached input tokens", null=True, blank=True
    )
    long_context_cache_write_per_mtok = _usd_per_mtok(
        "long context: USD per 1M cache-write tokens", null=True, blank=True
    )
    long_context_output_per_mtok = _usd_per_mtok(
        "long context: USD per 1M output tokens", null=True, blank=True
    )

    BASE_PRICE_FIELDS = ("input_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok", "output_per_mtok")
    LONG_CONTEXT_FIELDS = tuple(f"long_context_{name}" for name in BASE_PRICE_FIELDS)
    PRICE_FIELDS = (*BASE_PRICE_FIELDS, *LONG_CONTEXT_FIELDS)
    SERIES_FIELDS = ("model", "service_tier")
    FROZEN_FIELDS = ("model_id", "service_tier", "effective_from", *PRICE_FIELDS, "long_context_threshold")

    class Meta:
        ordering = ["model_id", "service_tier", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "service_tier", "effective_from"], name="one_token_price_per_day"
            )
        ]
        indexes = [models.Index(fields=["model", "service_tier", "-effective_from"])]

    def __str__(self) -> str:
        return f"{self.model_id} {self.service_tier} from {self.effective_from}"

    def clash_message(self) -> str:
        return (
            f"{self.model_id} already has a {self.service_tier} price effective from "
            f"{self.effective_from}: pick another date."
        )

    def value_errors(self) -> dict[str, list[str]]:
        errors = _negative_price_errors(self, self.PRICE_FIELDS)
        for cached, full in (
            ("cached_input_per_mtok", "input_per_mtok"),
            ("long_context_cached_input_per_mtok", "long_context_input_per_mtok"),
        ):
            cached_value, full_value = getattr(self, cached), getattr(self, full)
            if errors.keys().isdisjoint((cached, full)) and None not in (cached_value, full_value):
                if Decimal(cached_value) > Decimal(full_value):
                    errors[cached] = [f"A cached input price cannot be above the input price ({full_value})."]
        if self.long_context_threshold is not None and self.long_context_threshold < 1:
            errors["long_context_threshold"] = ["Must be at least 1 token."]
        for name in self.LONG_CONTEXT_FIELDS:
            base = name.removeprefix("long_context_")
            present, base_present = getattr(self, name) is not None, getattr(self, base) is not None
            if self.long_context_threshold is None:
                message = "Needs a long-context threshold, or leave it empty." if present else None
            elif base_present and not present:
                # Long-context prices replace the base ones for the whole call: each needs its counterpart.
                message = "Required with a long-context threshold (the base price has one)."
            elif present and not base_present:
                shown = base.removesuffix("_per_mtok").replace("_", " ")
                message = f"Leave empty: the base {shown} price is."
            else:
                message = None
            if message:
                errors.setdefault(name, []).append(message)
        return errors


class ToolFeeKey(models.TextChoices):
    FILE_SEARCH_PER_KCALLS = "file_search_per_kcalls", "File search: USD per 1,000 calls (Responses)"
    WEB_SEARCH_PER_KCALLS = "web_search_per_kcalls", "Web search: USD per 1,000 calls (Responses)"
    VECTOR_STORAGE_PER_GB_DAY = "vector_storage_per_gb_day", "Vector storage: USD per GB per day"
    VECTOR_STORAGE_FREE_GB = "vector_storage_free_gb", "Vector storage: free GB"
    ASSISTANTS_CODE_INTERPRETER_PER_SESSION = (
        "assistants_code_interpreter_per_session",
        "Assistants code interpreter: USD per session (one hour)",
    )
    CONTAINER_1G = "container_per_20min_1g", "Responses container 1g: USD per 20 minutes"
    CONTAINER_4G = "container_per_20min_4g", "Responses container 4g: USD per 20 minutes"
    CONTAINER_16G = "container_per_20min_16g", "Responses container 16g: USD per 20 minutes"
    CONTAINER_64G = "container_per_20min_64g", "Responses container 64g: USD per 20 minutes"


class ToolFee(DatedRow):
    """A hosted-tool fee, from `effective_from` until the next row with the same key."""

    key = models.CharField(max_length=50, choices=ToolFeeKey)
    amount = models.DecimalField(
        "amount (USD, or GB for the free allowance)", max_digits=12, decimal_places=6
    )

    SERIES_FIELDS = ("key",)
    FROZEN_FIELDS = ("key", "effective_from", "amount")

    class Meta:
        ordering = ["key", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="one_tool_fee_per_day")]

    def __str__(self) -> str:
        return f"{self.key} from {self.effective_from}"

    def clash_message(self) -> str:
        return f"{self.key} already has a fee effective from {self.effective_from}: pick another date."

    def value_errors(self) -> dict[str, list[str]]:
        return _negative_price_errors(self, ("amount",))
