"""The editable price table.

Prices are never overwritten: a change is a new row with its own `effective_from`, and the row in force
on a date is the latest one that started on or before it. That keeps every past estimate reproducible.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

# Rows with no known start date (genai-prices lists a price without a date) start here.
FIRST_LISTED = "2000-01-01"
# A row not checked against its source for this long is flagged as stale in the admin and the footer.
STALE_AFTER = timedelta(days=90)


class Source(models.TextChoices):
    GENAI_PRICES = "genai-prices", "Seeded from genai-prices"
    ADMIN = "admin", "Edited by an admin"
    IMPORT = "import", "Imported from a file"
    SPEC = "spec", "Seeded from the cost model"


class ServiceTier(models.TextChoices):
    STANDARD = "standard", "Standard"
    FLEX = "flex", "Flex"
    FAST = "fast", "Fast (priority)"


class SurfaceStatus(models.TextChoices):
    LIVE = "live", "Live"
    DEPRECATED = "deprecated", "Deprecated (shutdown scheduled)"
    SHUT_DOWN = "shut_down", "Shut down"


class Encoding(models.TextChoices):
    O200K = "o200k_base", "o200k_base"
    CL100K = "cl100k_base", "cl100k_base"


class LanguageModel(models.Model):
    """A model in the price table: its context window, tokenizer and lifecycle."""

    id = models.CharField("model id", max_length=100, primary_key=True)
    name = models.CharField(max_length=200, blank=True)
    family = models.CharField("provider family", max_length=50, blank=True, db_index=True)
    context_window = models.PositiveIntegerField("context window (tokens)", validators=[MinValueValidator(1)])
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
    # Who set the shutdown date and successor: empty until seeded. Sync re-seeds only spec-seeded
    # lifecycles, never one an admin or an import set.
    lifecycle_source = models.CharField(
        "lifecycle set by", max_length=20, choices=Source, blank=True, default=""
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField("last edited in the admin", null=True, blank=True)
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

    def is_shut_down(self, on: date) -> bool:
        return self.shutdown_date is not None and self.shutdown_date <= on

    def clean(self):
        errors = {}
        if self.successor_id is not None and self.successor_id == self.id:
            errors["successor"] = ["A model cannot be its own successor."]
        elif self.successor_id is not None:
            seen = {self.id}
            step = LanguageModel.objects.filter(pk=self.successor_id).first()
            while step is not None:
                if step.pk in seen:
                    errors["successor"] = [f"Successor {self.successor_id} leads back to {self.id}: a cycle."]
                    break
                seen.add(step.pk)
                step = step.successor
        if self.successor_id is not None and self.shutdown_date is None:
            errors.setdefault("shutdown_date", []).append(
                "A successor only makes sense with a shutdown date: set the date too."
            )
        if errors:
            raise ValidationError(errors)


class PriceHistoryError(ValueError):
    """Raised on saving new numbers or a new date into a saved price row: history is never overwritten."""


class DatedRow(models.Model):
    """A row in force from `effective_from`: once saved, its numbers and date never change."""

    # The fields that decide what an estimate costs; `note` and `checked_at` may still be updated.
    FROZEN_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS).first()
            changed = [name for name in self.FROZEN_FIELDS if stored and stored[name] != getattr(self, name)]
            if changed:
                raise PriceHistoryError(
                    f"{self}: {', '.join(changed)} of a saved row cannot change (it may have priced "
                    "estimates); add a new row from a date instead."
                )
        super().save(*args, **kwargs)


def _negative_price_errors(instance, names) -> dict[str, list[str]]:
    return {
        name: ["Must be 0 or more (USD)."]
        for name in names
        if getattr(instance, name) is not None and Decimal(getattr(instance, name)) < 0
    }


class TokenPrice(DatedRow):
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
    note = models.CharField(
        "reason for the change", max_length=300, blank=True, help_text="Where the new price comes from."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField("last checked against the source", null=True, blank=True)

    PRICE_FIELDS = (
        "input_per_mtok",
        "cached_input_per_mtok",
        "cache_write_per_mtok",
        "output_per_mtok",
        "long_context_input_per_mtok",
        "long_context_cached_input_per_mtok",
        "long_context_cache_write_per_mtok",
        "long_context_output_per_mtok",
    )
    LONG_CONTEXT_FIELDS = PRICE_FIELDS[4:]
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

    def clean(self):
        errors = _negative_price_errors(self, self.PRICE_FIELDS)
        pairs = (
            ("cached_input_per_mtok", "input_per_mtok"),
            ("long_context_cached_input_per_mtok", "long_context_input_per_mtok"),
        )
        for cached, full in pairs:
            cached_value, full_value = getattr(self, cached), getattr(self, full)
            if errors.keys().isdisjoint((cached, full)) and None not in (cached_value, full_value):
                if Decimal(cached_value) > Decimal(full_value):
                    errors[cached] = [f"A cached input price cannot be above the input price ({full_value})."]
        if self.long_context_threshold is not None:
            if self.long_context_threshold < 1:
                errors["long_context_threshold"] = ["Must be at least 1 token."]
            # Long-context prices replace the base ones for the whole call, so each base price needs its
            # long-context counterpart.
            for name in self.LONG_CONTEXT_FIELDS:
                base = name.removeprefix("long_context_")
                if getattr(self, name) is None and getattr(self, base) is not None:
                    errors.setdefault(name, []).append(
                        "Required with a long-context threshold (the base price has one)."
                    )
                if getattr(self, name) is not None and getattr(self, base) is None:
                    errors.setdefault(name, []).append(
                        f"Leave empty: the base {base.removesuffix('_per_mtok').replace('_', ' ')} price is."
                    )
        else:
            for name in self.LONG_CONTEXT_FIELDS:
                if getattr(self, name) is not None:
                    errors.setdefault(name, []).append("Needs a long-context threshold, or leave it empty.")
        if self.model_id and self.service_tier and self.effective_from:
            clash = TokenPrice.objects.filter(
                model_id=self.model_id, service_tier=self.service_tier, effective_from=self.effective_from
            ).exclude(pk=self.pk)
            if clash.exists():
                errors.setdefault("effective_from", []).append(
                    f"{self.model_id} already has a {self.service_tier} price effective from "
                    f"{self.effective_from}: pick another date."
                )
        if errors:
            raise ValidationError(errors)


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


class ToolFee(DatedRow):
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
    note = models.CharField("reason for the change", max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField("last checked against the source", null=True, blank=True)

    FROZEN_FIELDS = ("key", "effective_from", "amount")

    class Meta:
        ordering = ["key", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="one_tool_fee_per_day")]

    def __str__(self) -> str:
        return f"{self.key} from {self.effective_from}"

    def clean(self):
        errors = _negative_price_errors(self, ("amount",))
        if self.key and self.effective_from:
            clash = ToolFee.objects.filter(key=self.key, effective_from=self.effective_from).exclude(
                pk=self.pk
            )
            if clash.exists():
                errors.setdefault("effective_from", []).append(
                    f"{self.key} already has a fee effective from {self.effective_from}: pick another date."
                )
        if errors:
            raise ValidationError(errors)


class ApiSurface(models.Model):
    """One way to run an agent (Assistants, Responses, Chat Completions) and its lifecycle."""

    key = models.CharField(max_length=30, primary_key=True)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=SurfaceStatus, default=SurfaceStatus.LIVE)
    shutdown_date = models.DateField("shut down on", null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    source = models.CharField(max_length=20, choices=Source, default=Source.SPEC)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField("last edited in the admin", null=True, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = "API surface"

    def __str__(self) -> str:
        return self.name or self.key

    def clean(self):
        errors = {}
        if self.status == SurfaceStatus.LIVE and self.shutdown_date is not None:
            errors["shutdown_date"] = ["A live API has no shutdown date: pick Deprecated or Shut down."]
        if self.status != SurfaceStatus.LIVE and self.shutdown_date is None:
            errors["shutdown_date"] = [f"Required when the status is {self.get_status_display()}."]
        if self.successor_id is not None and self.successor_id == self.key:
            errors["successor"] = ["An API cannot be its own successor."]
        if errors:
            raise ValidationError(errors)


class SyncRun(models.Model):
    """One applied `sync_prices` run (dry runs are not recorded): the footer reads the latest."""

    finished_at = models.DateTimeField(default=timezone.now, db_index=True)
    genai_prices_version = models.CharField(max_length=50)
    added_models = models.PositiveIntegerField(default=0)
    added_prices = models.PositiveIntegerField(default=0)
    added_fees = models.PositiveIntegerField(default=0)
    seeded_lifecycles = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    report = models.TextField(blank=True)

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = "price sync"

    def __str__(self) -> str:
        return f"sync with genai-prices {self.genai_prices_version} at {self.finished_at:%Y-%m-%d %H:%M}"
