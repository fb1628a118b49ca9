"""A price-table import the admin queued: the uploaded file until it is read, then what came of it.

The import itself (`pricing.transfer`) is one transaction run by the background worker; this row is what
the admin's page shows meanwhile: queued, reading, checking and writing so many rows, then the summary or
every row-and-field error. The file's bytes are dropped once the import ends, whatever its outcome.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

# A running import without an end for this long has lost its worker (killed, machine restarted); its
# transaction was rolled back with it, so nothing from the file is in the table.
STALLED_AFTER = timedelta(minutes=10)


class PriceImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    READING = "reading", "Reading the file"
    CHECKING = "checking", "Checking and writing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class PriceImport(models.Model):
    name = models.CharField(max_length=300)
    content = models.BinaryField(default=b"")
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=PriceImportStatus, default=PriceImportStatus.QUEUED)
    size_bytes = models.PositiveIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)  # how many the file holds, once read
    summary = models.TextField(blank=True)
    notes = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)  # the first MAX_ERRORS of them
    error_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Price import {self.pk}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("pricing:import_status", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (PriceImportStatus.COMPLETED, PriceImportStatus.FAILED)

    @property
    def records_shown(self) -> str:
        return f"{self.records:,}"

    @property
    def stalled(self) -> bool:
        return (
            not self.finished
            and self.started_at is not None
            and timezone.now() - self.started_at > STALLED_AFTER
        )
