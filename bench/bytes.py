"""Bytes on the wire: each page, a results update and its charts, as a browser that accepts gzip gets them.

    .venv/bin/python bench/bytes.py

In-process (Django's test client, no server) on a throwaway SQLite database seeded with
`sync_prices`. For each response it prints the body as the app renders it and as it is sent to a
client with `Accept-Encoding: gzip, deflate, br` (GZipMiddleware), then one "update": what the browser
fetches when an input changes (the htmx results partial plus its three chart SVGs).
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

WORKLOAD = {"turns_per_session": "8", "function_calls_per_turn": "1.5", "file_search_calls_per_turn": "0.5"}
BROWSER: dict[str, Any] = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="estimator-bytes-") as tmp:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bytes.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estimator.settings")
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(BASE_DIR / ".cache" / "tiktoken"))
        # Static files come from the finders here (no collectstatic), as in development.
        warnings.filterwarnings("ignore", "No directory at")
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment

        from estimator.charts import CHART_KEYS

        setup_test_environment()
        call_command("migrate", verbosity=0)
        call_command("sync_prices", quiet=True)
        client = Client()
        share = client.post("/share", WORKLOAD)["Location"]
        query = urlencode(WORKLOAD)
        pages: dict[str, tuple[str, dict[str, Any]]] = {
            "estimator page": ("/", {}),
            "how we calculate": ("/how-we-calculate", {}),
            "share page": (share, {}),
            "htmx results": (f"/?{query}", {"HTTP_HX_REQUEST": "true"}),
            **{f"chart {key}.svg": (f"/chart/{key}.svg?{query}", {}) for key in CHART_KEYS},
            "/api/estimate": (f"/api/estimate?{query}", {}),
            "/api/prices": ("/api/prices", {}),
            "/export.csv": (f"/export.csv?{query}", {}),
        }
        print(f"{'response':<22}{'rendered':>10}{'sent':>10}{'ratio':>8}  encoding")
        sent_sizes = {}
        rendered_sizes = {}
        for name, (url, headers) in pages.items():
            plain = client.get(url, **headers)
            served = client.get(url, **headers, **BROWSER)
            rendered_sizes[name] = len(plain.content)
            sent_sizes[name] = len(served.content)
            encoding = served.get("Content-Encoding", "-")
            print(
                f"{name:<22}{rendered_sizes[name]:>10,}{sent_sizes[name]:>10,}"
                f"{sent_sizes[name] / rendered_sizes[name]:>8.2f}  {encoding}"
            )
        update = ["htmx results", *(f"chart {key}.svg" for key in CHART_KEYS)]
        rendered = sum(rendered_sizes[name] for name in update)
        sent = sum(sent_sizes[name] for name in update)
        charts = len(CHART_KEYS)
        print(f"\none update (results partial + {charts} charts): {rendered:,} bytes rendered, {sent:,} sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
