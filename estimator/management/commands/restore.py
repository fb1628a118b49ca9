"""`manage.py restore <file>`: load a `manage.py backup` file into a migrated, empty database.

    .venv/bin/python manage.py migrate && .venv/bin/python manage.py restore backups/estimator-....json.gz

Refuses when the database already holds data (prices, scenarios, runs, users), unless --force,
which loads on top (rows with the same key are overwritten). All or nothing: the whole file is read
and checked first, then loaded in one transaction; a bad or truncated file is one error, nothing loaded.
On PostgreSQL, text it cannot store (NUL, lone surrogates) is refused by name, or with
--replace-unstorable written as U+FFFD.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estimator.backups import BackupError, backup_restore, row_counts
from pricing.memo import price_table_changed


class Command(BaseCommand):
    help = "Load a backup file into a migrated, empty database (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a file written by `manage.py backup`")
        parser.add_argument("--force", action="store_true", help="load even if the database holds data")
        parser.add_argument(
            "--replace-unstorable",
            action="store_true",
            help="PostgreSQL: write U+FFFD for NUL and lone surrogates instead of refusing the file",
        )

    def handle(
        self, *args: Any, path: str, force: bool = False, replace_unstorable: bool = False, **options: Any
    ) -> None:
        if not Path(path).is_file():
            raise CommandError(f"No such backup file: {path}")
        present = {label: count for label, count in row_counts().items() if count}
        if present and not force:
            listing = ", ".join(f"{label}: {count}" for label, count in sorted(present.items()))
            raise CommandError(
                f"The database is not empty ({listing}). Restore into a fresh, migrated database, "
                "or pass --force to load on top."
            )
        try:
            _rows, replaced = backup_restore(Path(path), replace_unstorable=replace_unstorable)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        price_table_changed()
        loaded = {label: count for label, count in row_counts().items() if count}
        summary = ", ".join(f"{label}: {count}" for label, count in sorted(loaded.items()))
        self.stdout.write(f"restored {path}: {summary or 'no rows'}")
        if replaced:
            self.stdout.write(f"{replaced} field(s) had NUL or lone surrogates, written as U+FFFD")
