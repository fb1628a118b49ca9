"""A throwaway SQLite database seeded with `sync_prices`, for the in-process benches (bytes, models table)."""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@contextmanager
def seeded_django(name: str) -> Iterator[None]:
    """Django set up on a fresh database in a temporary folder, migrated and priced; removed after."""
    sys.path.insert(0, str(BASE_DIR))
    with tempfile.TemporaryDirectory(prefix=f"estimator-{name}-") as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / f'{name}.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estimator.settings")
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(BASE_DIR / ".cache" / "tiktoken"))
        # Static files come from the finders here (no collectstatic), as in development.
        warnings.filterwarnings("ignore", "No directory at")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("sync_prices", quiet=True)
        yield
