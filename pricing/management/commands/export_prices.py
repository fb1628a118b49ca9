import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pricing.transfer import export_csv, export_json


class Command(BaseCommand):
    help = (
        "Write the whole price table (every model, dated price, tool fee and lifecycle) as JSON or CSV. "
        "`import_prices` reads it back; into an empty database it reproduces every estimate exactly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", choices=("json", "csv"), default=None, help="default: from the file name, else json"
        )
        parser.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
        parser.add_argument(
            "--as-of", default=None, help="date of the JSON's /api/prices snapshot (default: today)"
        )

    def handle(
        self,
        *args: Any,
        format: str | None = None,
        output: str = "-",
        as_of: str | None = None,
        **options: Any,
    ) -> None:
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise CommandError(f"--as-of: not a date as YYYY-MM-DD: {as_of!r}") from None
        if format is None:
            format = "csv" if output.lower().endswith(".csv") else "json"
        text = export_csv() if format == "csv" else export_json(day)
        if output == "-":
            sys.stdout.write(text)
            return
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        self.stderr.write(f"wrote {output} ({format})")
