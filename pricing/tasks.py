"""The price table's background work on Django's Tasks framework (`manage.py db_worker` runs it)."""

from __future__ import annotations

from django.tasks import task

from pricing.transfer.queued import price_import_process


@task()
def price_import_task(import_id: int) -> None:
    """Import one queued price-table file; the outcome (summary, or every error) is on its PriceImport."""
    price_import_process(import_id)
