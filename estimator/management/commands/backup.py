"""`manage.py backup`: everything the app stores, as one gzipped JSON file (estimator/backups.py).

    .venv/bin/python manage.py backup                     # backups/estimator-<UTC time>.json.gz
    .venv/bin/python manage.py backup --output my.json.gz # or my.json, uncompressed

The price table (models, dated prices, tool fees, API surfaces, sync log), shared scenarios, measured
runs and the users who edited prices, with natural keys so content types and permissions are
recreated by `migrate` rather than copied. Restore with `manage.py restore <file>` into a migrated,
empty database. Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from estimator.backups import BackupError, backup_write


def default_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / "backups" / f"estimator-{stamp}.json.gz"


class Command(BaseCommand):
    help = "Write every stored row (prices, scenarios, runs, users) to a gzipped JSON file, checked."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="file to write: name.json.gz (default) or name.json")

    def handle(self, *args: Any, output: str | None = None, **options: Any) -> None:
        path = Path(output) if output else default_path()
        if not path.name.endswith((".json", ".json.gz")):
            raise CommandError(f"A backup is written as .json or .json.gz (got {path.name}).")
        try:
            rows = backup_write(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"wrote {path}: {rows:,} rows, {path.stat().st_size:,} bytes, read back and checked"
        )
