"""Trace imports: one TraceImport per uploaded set of traffic, its conversations and their calls."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone


class ImportFormat(models.TextChoices):
    DETECT = "", "Detect from the file"
    OPENAI = "openai", "OpenAI request/response log (JSON Lines)"
    ATIF = "atif", "ATIF trajectory"
    OTEL = "otel", "OpenTelemetry GenAI spans (OTLP JSON)"
    RUNS = "runs", "Measured runs"


STALLED_AFTER = timedelta(minutes=10)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class TraceImport(models.Model):
    """One imported set of traffic: where it came from, how far the import got, and what it found.

    Only counts, sizes, timings and tool names are kept unless `keep_text` (the uploader's choice);
    deleting an import deletes its conversations and calls.
    """

    name = models.CharField(max_length=300)
    format = models.CharField(max_length=20, choices=ImportFormat.choices, blank=True)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    error = models.TextField(blank=True)
    keep_text = models.BooleanField(default=False)
    # An uploaded file waiting for (or being read by) the worker; removed once the import ends.
    file_path = models.CharField(max_length=500, blank=True)
    source_runs = models.JSONField(default=list, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)
    calls_read = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="trace_imports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written with the progress while the import runs: a running import silent for STALLED_AFTER has
    # lost its worker (killed, machine restarted) and may be deleted.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    calls_count = models.PositiveBigIntegerField(default=0)
    conversations_count = models.PositiveBigIntegerField(default=0)
    unpriced_calls = models.PositiveBigIntegerField(default=0)
    actual_cost_usd = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    recorded_cost_usd = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    traffic_approach = models.CharField(max_length=40, blank=True)
    price_as_of = models.DateField(null=True, blank=True)
    fitted_inputs = models.JSONField(default=dict, blank=True)
    derivations = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("trace-import-detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.COMPLETED, ImportStatus.FAILED)

    @property
    def stalled(self) -> bool:

        beat = self.heartbeat_at or self.started_at
        return self.status == ImportStatus.RUNNING and (beat is None or timezone.now() - beat > STALLED_AFTER)

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.COMPLETED:
            return 100
        return min(99, 100 * self.bytes_read // self.size_bytes) if self.size_bytes else 0


class ImportedConversation(models.Model):
    trace_import = models.ForeignKey(TraceImport, on_delete=models.CASCADE, related_name="conversations")
    index = models.PositiveIntegerField()
    key = models.CharField(max_length=500)
    turns = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    unpriced_calls = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=24, decimal_places=12, default=0)
    recorded_cost_usd = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["trace_import", "index"]
        constraints = [
            models.UniqueConstraint(fields=["trace_import", "index"], name="runs_imported_conversation_index")
        ]

    def __str__(self) -> str:
        return f"Import {self.trace_import_id} conversation {self.index}"


class ImportedCall(models.Model):
    """One model call of an import: usage, price, timing and tool names (text only when kept)."""

    # Indexed by `runs_imported_call_order`, which starts with it: a second index would only slow
    # the million-row inserts.
    trace_import = models.ForeignKey(
        TraceImport, on_delete=models.CASCADE, related_name="calls", db_index=False
    )
    conversation = models.PositiveIntegerField()  # ImportedConversation.index
    index = models.PositiveIntegerField()
    turn = models.PositiveIntegerField()
    round = models.PositiveIntegerField()
    line = models.PositiveBigIntegerField()
    api = models.CharField(max_length=40)
    model = models.CharField(max_length=200)
    service_tier = models.CharField(max_length=20, default="standard")
    at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    prompt_tokens = models.PositiveBigIntegerField(default=0)
    cached_tokens = models.PositiveBigIntegerField(default=0)
    cache_write_tokens = models.PositiveBigIntegerField(default=0)
    completion_tokens = models.PositiveBigIntegerField(default=0)
    reasoning_tokens = models.PositiveBigIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    recorded_cost_usd = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    priced_on = models.DateField()
    price_problem = models.CharField(max_length=300, blank=True)
    tool_names = models.JSONField(default=list, blank=True)
    text = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["trace_import", "conversation", "index"]
        indexes = [
            models.Index(fields=["trace_import", "conversation", "index"], name="runs_imported_call_order")
        ]

    def __str__(self) -> str:
        return f"Import {self.trace_import_id} conversation {self.conversation} call {self.index}"
