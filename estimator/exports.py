"""An estimate as CSV or JSON. JSON is exactly the API's body; CSV lists every figure, one per row."""

from __future__ import annotations

import csv
import io

from estimator.models import Scenario
from pricing.engine import APPROACHES, Estimate
from pricing.sheet import decimal_str


def estimate_json(result: Estimate, scenario: Scenario | None = None) -> dict:
    body = result.to_dict()
    if scenario is not None:
        body["scenario"] = {
            "slug": scenario.slug,
            "created_at": scenario.created_at.isoformat(),
            "price_version": scenario.price_version,
        }
    return body


def estimate_csv(result: Estimate) -> str:
    """Rows of (section, approach, figure, value); money as exact decimals, unrounded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "approach", "figure", "value"])
    for name, value in result.to_dict()["inputs"].items():
        writer.writerow(["input", "", name, "" if value is None else value])
    sheet = result.sheet
    writer.writerow(["prices", "", "model", sheet.model])
    writer.writerow(["prices", "", "as_of", sheet.as_of.isoformat()])
    writer.writerow(["prices", "", "version", sheet.version])
    for key in APPROACHES:
        way = result.approaches[key]
        writer.writerow(["total", key, "per_session_usd", decimal_str(way.per_session_usd)])
        writer.writerow(["total", key, "fixed_monthly_usd", decimal_str(way.fixed_monthly_usd)])
        writer.writerow(["total", key, "per_month_usd", decimal_str(way.per_month_usd)])
        writer.writerow(["total", key, "model_calls", way.model_calls])
        for token_key, count in way.tokens.to_dict().items():
            writer.writerow(["tokens", key, token_key, count])
        for line in way.breakdown:
            writer.writerow(
                ["breakdown", key, f"{line.category}.per_session_usd", decimal_str(line.per_session_usd)]
            )
            writer.writerow(
                ["breakdown", key, f"{line.category}.per_month_usd", decimal_str(line.per_month_usd)]
            )
    engineering = result.engineering
    writer.writerow(["engineering", "", "build_usd", decimal_str(engineering.build_usd)])
    writer.writerow(
        ["engineering", "", "maintenance_monthly_usd", decimal_str(engineering.maintenance_monthly_usd)]
    )
    for key, months in engineering.break_even_months.items():
        writer.writerow(
            ["engineering", key, "break_even_months", "" if months is None else decimal_str(months)]
        )
    writer.writerow(["summary", "", "cheapest", result.cheapest()])
    return out.getvalue()
