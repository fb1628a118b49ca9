"""Bytes on the wire: each page, a results update and its charts, as a browser that accepts gzip gets them.

    .venv/bin/python bench/bytes.py

In-process (Django's test client, no server) on a throwaway SQLite database seeded with
`sync_prices`. For each response it prints the body as the app renders it and as it is sent to a
client with `Accept-Encoding: gzip, deflate, br` (GZipMiddleware), then one "update": what the browser
fetches when an input changes (the htmx results partial plus its three chart SVGs; on a phone the small
charts), and the models table, which the results load as their own fragment when it comes into view.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seeded import seeded_django  # noqa: E402

WORKLOAD = {"turns_per_session": "8", "function_calls_per_turn": "1.5", "file_search_calls_per_turn": "0.5"}
BROWSER: dict[str, Any] = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def main() -> int:
    with seeded_django("bytes"):
        from django.test import Client
        from django.test.utils import setup_test_environment

        from estimator.charts import CHART_KEYS

        setup_test_environment()
        client = Client()
        share = client.post("/share", WORKLOAD)["Location"]
        query = urlencode(WORKLOAD)
        pages: dict[str, tuple[str, dict[str, Any]]] = {
            "estimator page": ("/", {}),
            "how we calculate": ("/how-we-calculate", {}),
            "share page": (share, {}),
            "htmx results": (f"/?{query}", {"HTTP_HX_REQUEST": "true"}),
            **{f"chart {key}.svg": (f"/chart/{key}.svg?{query}", {}) for key in CHART_KEYS},
            **{f"small {key}.svg": (f"/chart/{key}.svg?{query}&size=small", {}) for key in CHART_KEYS},
            "price table": ("/prices", {}),
            "models table (htmx)": (f"/compare?{query}", {"HTTP_HX_REQUEST": "true"}),
            "/api/estimate": (f"/api/estimate?{query}", {}),
            "/api/prices": ("/api/prices", {}),
            "/export.csv": (f"/export.csv?{query}", {}),
        }
        print(f"{'response':<24}{'rendered':>10}{'sent':>10}{'ratio':>8}  encoding")
        sent_sizes = {}
        rendered_sizes = {}
        for name, (url, headers) in pages.items():
            plain = client.get(url, **headers)
            served = client.get(url, **headers, **BROWSER)
            rendered_sizes[name] = len(plain.content)
            sent_sizes[name] = len(served.content)
            encoding = served.get("Content-Encoding", "-")
            print(
                f"{name:<24}{rendered_sizes[name]:>10,}{sent_sizes[name]:>10,}"
                f"{sent_sizes[name] / rendered_sizes[name]:>8.2f}  {encoding}"
            )
        charts = len(CHART_KEYS)
        for label, prefix in (("", "chart"), (" on a phone", "small")):
            update = ["htmx results", *(f"{prefix} {key}.svg" for key in CHART_KEYS)]
            rendered = sum(rendered_sizes[name] for name in update)
            sent = sum(sent_sizes[name] for name in update)
            what = f"one update{label} (results partial + {charts} charts)"
            print(f"\n{what}: {rendered:,} bytes rendered, {sent:,} sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
