"""The editable price table.

Prices are never overwritten: a change is a new row with its own `effective_from`, and the row in force
on a date is the latest one that started on or before it. That keeps every past estimate reproducible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

# Rows with no known start date (genai-prices lists a price without a date) start here.
FIRST_LISTED = "2000-01-01"


class Source(models.TextChoices):
    GENAI_PRICES = "genai-prices", "Seeded from genai-prices"
    ADMIN = "admin", "Edited by an admin"
    IMPORT = "import", "Imported from a file"
    SPEC = "spec", "Seeded from the cost model"


class ServiceTier(models.TextChoices):
    STANDARD = "standard", "Standard"
    FLEX = "flex", "Flex"
    FAST = "fast", "Fast (priority)"


class Encoding(models.TextChoices):
    O200K = "o200k_base", "o200k_base"
    CL100K = "cl100k_base", "cl100k_base"


class LanguageModel(models.Model):
    """A model in the price table: its context window, tokenizer and lifecycle."""

    id = models.CharField("model id", max_length=100, primary_key=True)
    name = models.CharField(max_length=200, blank=True)
    family = models.CharField("provider family", max_length=50, blank=True, db_index=True)
    context_window = models.PositiveIntegerField("context window (tokens)")
    encoding = models.CharField("tokenizer", max_length=20, choices=Encoding, default=Encoding.O200K)
    shutdown_date = models.DateField("shut down on", null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    is_default = models.BooleanField(
        "default model", default=False, help_text="The model an estimate uses when none is named."
    )
    source = models.CharField(max_length=20, choices=Source, default=Source.GENAI_PRICES)
    source_version = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "model"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_model"
            )
        ]

    def __str__(self) -> str:
        return self.id


class TokenPrice(models.Model):
    """USD per 1M tokens for one model and service tier, from `effective_from` until the next row."""

    model = models.ForeignKey(LanguageModel, on_delete=models.CASCADE, related_name="prices")
    service_tier = models.CharField(max_length=10, choices=ServiceTier, default=ServiceTier.STANDARD)
    effective_from = models.DateField(default=FIRST_LISTED)
    input_per_mtok = models.DecimalField("USD per 1M input tokens", max_digits=12, decimal_places=6)
    cached_input_per_mtok = models.DecimalField(
        "USD per 1M cached input tokens", max_digits=12, decimal_places=6, null=True, blank=True
    )
    cache_write_per_mtok = models.DecimalField(
        "USD per 1M cache-write tokens", max_digits=12, decimal_places=6, null=True, blank=True
    )
    output_per_mtok = models.DecimalField("USD per 1M output tokens", max_digits=12, decimal_places=6)
    long_context_threshold = models.PositiveIntegerField(
        "long-context threshold (input tokens)",
        null=True,
        blank=True,
        help_text="Above this many input tokens the long-context prices apply to the whole call.",
    )
    long_context_input_per_mtok = models.DecimalField(
        "long context: USD per 1M input tokens", max_digits=12, decimal_places=6, null=True, blank=True
    )
    long_context_cached_input_per_mtok = models.DecimalField(
        "long context: USD per 1M cached input tokens", max_digits=12, decimal_places=6, null=True, blank=True
    )
    long_context_cache_write_per_mtok = models.DecimalField(
        "long context: USD per 1M cache-write tokens", max_digits=12, decimal_places=6, null=True, blank=True
    )
    long_context_output_per_mtok = models.DecimalField(
        "long context: USD per 1M output tokens", max_digits=12, decimal_places=6, null=True, blank=True
    )
    source = models.CharField(max_length=20, choices=Source, default=Source.GENAI_PRICES)
    source_version = models.CharField(max_length=50, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField("last checked against the source", null=True, blank=True)

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


class ToolFeeKey(models.TextChoices):
    FILE_SEARCH_PER_KCALLS = "file_search_per_kcalls", "File search: USD per 1,000 calls (Responses)"
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


class ToolFee(models.Model):
    """A hosted-tool fee, from `effective_from` until the next row with the same key."""

    key = models.CharField(max_length=50, choices=ToolFeeKey)
    effective_from = models.DateField(default=FIRST_LISTED)
    amount = models.DecimalField(
        "amount (USD, or GB for the free allowance)", max_digits=12, decimal_places=6
    )
    source = models.CharField(max_length=20, choices=Source, default=Source.SPEC)
    source_version = models.CharField(max_length=50, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField("last checked against the source", null=True, blank=True)

    class Meta:
        ordering = ["key", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="one_tool_fee_per_day")]

    def __str__(self) -> str:
        return f"{self.key} from {self.effective_from}"
