"""The models of the price table, the API surfaces an agent runs on, and the log of syncs."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from pricing.models.base import DEFAULT_CACHE_TTL_MINUTES, Encoding, Provenance, Source


class LanguageModel(Provenance):
    """A model in the price table: its context window, input limit, cache lifetime and lifecycle."""

    id = models.CharField("model id", max_length=100, primary_key=True)
    name = models.CharField(max_length=200, blank=True)
    family = models.CharField("provider family", max_length=50, blank=True, db_index=True)
    context_window = models.PositiveIntegerField("context window (tokens)", validators=[MinValueValidator(1)])
    max_input_tokens = models.PositiveIntegerField(
        "input limit (tokens)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="The most input one call may send, when below the window (empty: the whole window).",
    )
    cache_ttl_minutes = models.PositiveIntegerField(
        "prompt cache lifetime (minutes)",
        default=DEFAULT_CACHE_TTL_MINUTES,
        validators=[MinValueValidator(1)],
        help_text="How long an idle cached prefix survives between calls.",
    )
    encoding = models.CharField("tokenizer", max_length=20, choices=Encoding, default=Encoding.O200K)
    shutdown_date = models.DateField("shut down on", null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    is_default = models.BooleanField(
        "default model", default=False, help_text="The model an estimate uses when none is named."
    )
    # Who set each group of facts: empty until seeded. Sync re-seeds only what it seeded itself, never a
    # value an admin or an import set.
    lifecycle_source = models.CharField(
        "lifecycle set by", max_length=20, choices=Source, blank=True, default=""
    )
    limits_source = models.CharField(
        "input limit and cache lifetime set by", max_length=20, choices=Source, blank=True, default=""
    )
    default_source = models.CharField(
        "default chosen by", max_length=20, choices=Source, blank=True, default=""
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

    def edited_on(self) -> datetime | None:
        return self.edited_at

    def is_shut_down(self, on: date) -> bool:
        return self.shutdown_date is not None and self.shutdown_date <= on

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
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
        limit, window = self.max_input_tokens, self.context_window
        if limit is not None and window is not None and limit > window:
            errors["max_input_tokens"] = [
                f"Cannot be above the context window ({self.context_window:,} tokens): leave it empty "
                "for the whole window."
            ]
        if errors:
            raise ValidationError(errors)


class ApiSurface(Provenance):
    """One way to run an agent (Assistants, Responses, Chat Completions) and when OpenAI shuts it down.

    Its status on a date follows from the shutdown date (`pricing.sheet.SurfaceLifecycle.status`): live
    without one, deprecated before it, shut down from it. The engine reads it from the price sheet.
    """

    key = models.CharField(max_length=30, primary_key=True)
    name = models.CharField(max_length=100)
    shutdown_date = models.DateField(
        "shut down on",
        null=True,
        blank=True,
        help_text="Empty: live. Before this date: deprecated; from it: shut down. Estimates read it from "
        "their price sheet.",
    )
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    edited_at = models.DateTimeField("last edited in the admin", null=True, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = "API surface"

    def __str__(self) -> str:
        return self.name or self.key

    def edited_on(self) -> datetime | None:
        return self.edited_at

    def clean(self) -> None:
        errors = {}
        if self.successor_id is not None and self.successor_id == self.key:
            errors["successor"] = ["An API cannot be its own successor."]
        if self.successor_id is not None and self.shutdown_date is None:
            errors["shutdown_date"] = ["A successor only makes sense with a shutdown date: set the date too."]
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
