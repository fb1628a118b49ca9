"""An estimate as CSV or JSON. JSON is exactly the API's body; CSV lists every figure, one per row."""

from __future__ import annotations

import csv
import io

from estimator.models import Scenario
from estimator.results import query_inputs
from pricing.engine import APPROACHES, Estimate


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
    """Rows of (section, approach, figure, value): every figure of the JSON, money as exact decimals."""
    body = result.to_dict()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "approach", "figure", "value"])
    for name, value in query_inputs(body["inputs"]).items():
        writer.writerow(["input", "", name, value])
    for name in ("model", "as_of", "version"):
        writer.writerow(["prices", "", name, body["prices"][name]])
    population = body["population"]
    for name in ("distribution", "mean_turns", "max_turns"):
        writer.writerow(["population", "", name, population[name]])
    for name, turns in population["turns_percentiles"].items():
        writer.writerow(["population", "", f"turns_{name}", turns])
    for key in APPROACHES:
        way = body["approaches"][key]
        for name in TOTALS:
            writer.writerow(["total", key, name, way[name]])
        for name, value in way["per_session_percentiles_usd"].items():
            writer.writerow(["total", key, f"per_session_{name}_usd", value])
        for name, value in way["tokens"].items():
            writer.writerow(["tokens", key, name, value])
        for line in way["breakdown"]:
            for figure in ("per_session_usd", "per_month_usd"):
                writer.writerow(["breakdown", key, f"{line['category']}.{figure}", line[figure]])
    engineering = body["engineering"]
    for name in ("build_usd", "maintenance_monthly_usd", "amortized_build_monthly_usd"):
        writer.writerow(["engineering", "", name, engineering[name]])
    for key, months in engineering["break_even_months"].items():
        writer.writerow(["engineering", key, "break_even_months", "" if months is None else months])
    writer.writerow(["summary", "", "cheapest", " ".join(body["verdict"]["cheapest"])])
    return out.getvalue()


TOTALS = (
    "per_session_usd",
    "fixed_monthly_usd",
    "per_month_usd",
    "per_month_with_engineering_usd",
    "model_calls",
)
