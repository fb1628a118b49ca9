"""`manage.py backup`: everything the app stores, as one gzipped XML fixture.

    .venv/bin/python manage.py backup                     # backups/estimator-<UTC time>.xml.gz
    .venv/bin/python manage.py backup --output my.xml.gz

The price table (models, dated prices, tool fees, API surfaces, sync log), shared scenarios, measured
runs and the users who edited prices, with natural keys so content types and permissions are
recreated by `migrate` rather than copied. Restore with `manage.py restore <file>` into a migrated,
empty database. Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Framework tables `migrate` fills by itself, and sessions, which are not worth keeping.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


def default_path() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.BASE_DIR) / "backups" / f"estimator-{stamp}.xml.gz"


class Command(BaseCommand):
    help = "Write every stored row (prices, scenarios, runs, users) to a gzipped XML fixture."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write: name.xml, name.xml.gz, name.xml.xz, ...")

    def handle(self, *args, output=None, **options):
        path = Path(output) if output else default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        call_command(
            "dumpdata",
            exclude=EXCLUDED,
            natural_foreign=True,
            natural_primary=True,
            # XML, not JSON: Django's JSON encoder cuts datetimes to milliseconds, XML keeps them exact.
            format="xml",
            output=str(path),
            verbosity=0,
        )
        self.stdout.write(f"wrote {path} ({path.stat().st_size:,} bytes)")
