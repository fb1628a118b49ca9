"""The admin's imports, run by the background worker: queue an uploaded file, then process it.

A 10 MB CSV takes 8-9 s of CPU to check and write (bench/price_table.py), 2-3 times that on a loaded
machine: too close to gunicorn's 30 s request timeout to run inside the request. The upload is kept in its
`PriceImport` row, `manage.py db_worker` runs `import_records` (one transaction: any bad row and nothing
is imported), and the row says where it is and how it ended. `manage.py import_prices` still imports
synchronously.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from pricing.models import PriceImport, PriceImportStatus
from pricing.transfer.files import MAX_ERRORS, PriceImportError, records_from_file
from pricing.transfer.importer import import_records

logger = logging.getLogger(__name__)


def price_import_create(upload: UploadedFile, *, dry_run: bool, user: User | None) -> PriceImport:
    """Keep the uploaded file where the worker reads it (the database: any app server's worker may)."""
    content = b"".join(upload.chunks())
    return PriceImport.objects.create(
        name=(upload.name or "upload")[:300],
        content=content,
        size_bytes=len(content),
        dry_run=dry_run,
        created_by=user,
    )


def price_import_queue(price_import: PriceImport) -> None:
    """Hand the import to the background worker (`manage.py db_worker`)."""
    from pricing.tasks import price_import_task

    price_import_task.enqueue(price_import.pk)


def _finish(price_import: PriceImport, status: str, **outcome: object) -> PriceImport:
    for name, value in {**outcome, "status": status, "finished_at": timezone.now(), "content": b""}.items():
        setattr(price_import, name, value)
    price_import.save()
    return price_import


def price_import_process(import_id: int) -> PriceImport | None:
    """Run one queued import to its end: COMPLETED with its summary, or FAILED with every error and
    nothing imported. The file's bytes are dropped either way."""
    claimed = PriceImport.objects.filter(pk=import_id, status=PriceImportStatus.QUEUED).update(
        status=PriceImportStatus.READING, started_at=timezone.now()
    )
    price_import = PriceImport.objects.filter(pk=import_id).first()
    if not claimed or price_import is None:
        return price_import  # deleted while queued, or already run
    try:
        records = records_from_file(price_import.name, bytes(price_import.content))
        price_import.status, price_import.records = PriceImportStatus.CHECKING, len(records)
        price_import.save(update_fields=["status", "records"])
        report = import_records(records, dry_run=price_import.dry_run, file_name=price_import.name)
    except PriceImportError as exc:
        errors = exc.errors
        return _finish(
            price_import, PriceImportStatus.FAILED, errors=errors[:MAX_ERRORS], error_count=len(errors)
        )
    except Exception:
        logger.exception("price import %s failed", import_id)
        unexpected = ["the import stopped on an unexpected error (in the worker's log)"]
        _finish(price_import, PriceImportStatus.FAILED, errors=unexpected, error_count=1)
        raise
    return _finish(price_import, PriceImportStatus.COMPLETED, summary=report.summary(), notes=report.notes)
