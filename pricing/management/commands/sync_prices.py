from django.core.management.base import BaseCommand

from pricing.catalog import sync_prices
from pricing.genai_sync import genai_prices_version


class Command(BaseCommand):
    help = "Add new models, dated prices and tool fees from the installed genai-prices package."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
        parser.add_argument("--quiet", action="store_true", help="print only a one-line summary")

    def handle(self, *args, dry_run=False, quiet=False, **options):
        report = sync_prices(dry_run=dry_run)
        verb = "would add" if dry_run else "added"
        if not quiet:
            for label, items in (
                ("model", report.added_models),
                ("price", report.added_prices),
                ("tool fee", report.added_fees),
            ):
                for item in items:
                    self.stdout.write(f"{verb} {label}: {item}")
            for item in report.skipped:
                self.stdout.write(f"skipped: {item}")
        self.stdout.write(
            f"genai-prices {genai_prices_version()}: {verb} {len(report.added_models)} models, "
            f"{len(report.added_prices)} prices, {len(report.added_fees)} tool fees; "
            f"skipped {len(report.skipped)}."
        )
