"""Measured runs of the reference loop: one Run per conversation, one Call per model call."""

from __future__ import annotations

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
