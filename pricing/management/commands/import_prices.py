from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pricing.transfer import PriceImportError, import_file


class Command(BaseCommand):
    help = (
        "Import a price table written by `export_prices` (JSON or CSV) in one transaction: any bad row "
        "and nothing is imported. Rows already in the table with the same values are left alone; a row "
        "that contradicts one is an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a .json or .csv file from export_prices")
        parser.add_argument("--dry-run", action="store_true", help="check the file, import nothing")

    def handle(self, *args: Any, path: str, dry_run: bool = False, **options: Any) -> None:
        file = Path(path)
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            report = import_file(file.name, content, dry_run=dry_run)
        except PriceImportError as exc:
            raise CommandError(f"{path}: nothing imported.\n{exc}") from None
        for note in report.notes:
            self.stdout.write(note)
        self.stdout.write(report.summary())
