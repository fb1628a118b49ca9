from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pricing.sync import sync_prices


class Command(BaseCommand):
    help = (
        "Add new models, dated prices, tool fees and model lifecycles from the installed genai-prices "
        "package (after `pip install -U genai-prices`). Never deletes a row or overrides one an admin "
        "edited or a file imported; prints what it added, what it skipped and why."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
        parser.add_argument("--quiet", action="store_true", help="print only a one-line summary")

    def handle(self, *args: Any, dry_run: bool = False, quiet: bool = False, **options: Any) -> None:
        report = sync_prices(dry_run=dry_run)
        if not quiet:
            for line in report.lines():
                self.stdout.write(line)
        self.stdout.write(("dry run, nothing changed. " if dry_run else "") + report.summary())
