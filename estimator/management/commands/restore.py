"""`manage.py restore <file>`: load a `manage.py backup` file into a migrated, empty database.

    .venv/bin/python manage.py migrate && .venv/bin/python manage.py restore backups/estimator-....json.gz

Refuses when the database already holds data (prices, scenarios, runs, users), unless --force,
which loads on top (rows with the same key are overwritten). All or nothing: one transaction.
"""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from estimator.management.commands.backup import EXCLUDED
from pricing.memo import price_table_changed


def stored_models():
    excluded_apps = {label for label in EXCLUDED if "." not in label}
    excluded_models = {label.lower() for label in EXCLUDED if "." in label}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in excluded_apps or meta.label_lower in excluded_models or meta.proxy:
            continue
        yield model


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in stored_models()}


class Command(BaseCommand):
    help = "Load a backup file into a migrated, empty database (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file written by `manage.py backup`")
        parser.add_argument("--force", action="store_true", help="load even if the database holds data")

    def handle(self, *args, path, force=False, **options):
        if not Path(path).is_file():
            raise CommandError(f"No such backup file: {path}")
        present = {label: count for label, count in row_counts().items() if count}
        if present and not force:
            listing = ", ".join(f"{label}: {count}" for label, count in sorted(present.items()))
            raise CommandError(
                f"The database is not empty ({listing}). Restore into a fresh, migrated database, "
                "or pass --force to load on top."
            )
        with transaction.atomic():
            call_command("loaddata", path, verbosity=0)
            price_table_changed()
        loaded = {label: count for label, count in row_counts().items() if count}
        summary = ", ".join(f"{label}: {count}" for label, count in sorted(loaded.items()))
        self.stdout.write(f"restored {path}: {summary or 'no rows'}")
