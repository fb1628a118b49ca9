"""Measured runs of the reference loop: one Run per conversation, one Call per model call."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from runs.liveness import process_alive


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    INTERRUPTED = "interrupted", "Interrupted"  # the measuring process died mid-run; `measure --resume`


class Run(models.Model):
    script_name = models.CharField(max_length=200)
    script_file = models.CharField(max_length=500, blank=True)
    model = models.CharField(max_length=100)
    encoding = models.CharField(max_length=20, default="o200k_base")
    endpoint = models.CharField(max_length=300, help_text="Base URL, or 'offline' for the bundled server.")
    offline = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING)
    error = models.TextField(blank=True)
    price_as_of = models.DateField()
    price_version = models.CharField(max_length=200, blank=True)
    history_budget = models.PositiveIntegerField(null=True, blank=True)
    tool_definitions = models.JSONField(default=list)
    # The conversation as the loop keeps it (Chat Completions messages), rewritten at every save.
    messages = models.JSONField(default=list)
    turns_planned = models.PositiveIntegerField(default=0)
    turns_completed = models.PositiveIntegerField(default=0)
    # Totals over the calls, kept in step with them inside the same transaction.
    calls_count = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveBigIntegerField(default=0)
    cached_tokens = models.PositiveBigIntegerField(default=0)
    cache_write_tokens = models.PositiveBigIntegerField(default=0)
    completion_tokens = models.PositiveBigIntegerField(default=0)
    reasoning_tokens = models.PositiveBigIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=24, decimal_places=12, default=0)
    latency_ms = models.FloatField(default=0)
    retries = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Who measures it (`host:pid:start`, see runs.liveness) and when it last saved: a running run whose
    # process is gone shows as interrupted.
    measured_by = models.CharField(max_length=300, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Run {self.pk}: {self.script_name} on {self.model}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("run-detail", args=[self.pk])

    @property
    def effective_status(self) -> str:
        """The stored status, except that a running run whose measuring process died is interrupted."""
        alive = process_alive(self.measured_by, self.heartbeat_at, timezone.now())
        return RunStatus.INTERRUPTED if self.status == RunStatus.RUNNING and not alive else self.status

    # Django's own (which the stubs' plugin declares for the choices field) would show a dead run as running.
    def get_status_display(self) -> str:  # type: ignore[no-redef]
        return RunStatus(self.effective_status).label


class Call(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="calls")
    index = models.PositiveIntegerField()
    turn = models.PositiveIntegerField()
    round = models.PositiveIntegerField()
    model = models.CharField(max_length=100)
    prompt_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    reasoning_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    latency_ms = models.FloatField(default=0)
    retries_taken = models.PositiveIntegerField(null=True, blank=True)
    request_id = models.CharField(max_length=200, blank=True)
    finish_reason = models.CharField(max_length=40, blank=True)
    reply = models.TextField(blank=True)
    # [{"id", "name", "arguments", "result", "error"}]
    tool_calls = models.JSONField(default=list)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="runs_call_unique_index")]

    def __str__(self) -> str:
        return f"Run {self.run_id} call {self.index}"

    @property
    def uncached_tokens(self) -> int:
        return self.prompt_tokens - self.cached_tokens - self.cache_write_tokens


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
        from django.utils import timezone

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
