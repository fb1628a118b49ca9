"""An estimate as CSV or JSON. JSON is exactly the API's body; CSV lists every figure, one per row, each
cell made safe for spreadsheets (estimator.csv_cells)."""

from __future__ import annotations

import csv
import io

from estimator.csv_cells import SpreadsheetSafeWriter
from estimator.forms import inputs_as_query
from estimator.models import Scenario
from pricing.engine import APPROACHES


def estimate_json(body: dict, scenario: Scenario | None = None) -> dict:
    body = dict(body)
    if scenario is not None:
        body["scenario"] = {
            "slug": scenario.slug,
            "created_at": scenario.created_at.isoformat(),
            "price_version": scenario.price_version,
            "cost_model_version": 1 if scenario.priced_by_version_1 else 2,
        }
    return body


def estimate_csv(body: dict) -> str:
    """Rows of (section, approach, figure, value): every figure of an estimate's JSON (the API's body,
    or a version-1 link's stored result, which has no population or verdict), money exact."""
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(csv.writer(out, lineterminator="\n"))
    writer.writerow(["section", "approach", "figure", "value"])
    for name, value in inputs_as_query(body["inputs"]).items():
        writer.writerow(["input", "", name, value])
    for name in ("model", "as_of", "version"):
        writer.writerow(["prices", "", name, body["prices"][name]])
    if "population" in body:
        population = body["population"]
        for name in ("distribution", "mean_turns", "max_turns"):
            writer.writerow(["population", "", name, population[name]])
        for name, turns in population["turns_percentiles"].items():
            writer.writerow(["population", "", f"turns_{name}", turns])
    for key in APPROACHES:
        approach = body["approaches"][key]
        for name in TOTALS:
            if name in approach:
                writer.writerow(["total", key, name, approach[name]])
        for name, value in approach.get("per_session_percentiles_usd", {}).items():
            writer.writerow(["total", key, f"per_session_{name}_usd", value])
        for name, value in approach["tokens"].items():
            writer.writerow(["tokens", key, name, value])
        for line in approach["breakdown"]:
            for figure in ("per_session_usd", "per_month_usd"):
                writer.writerow(["breakdown", key, f"{line['category']}.{figure}", line[figure]])
    engineering = body["engineering"]
    for name in ("build_usd", "maintenance_monthly_usd", "amortized_build_monthly_usd"):
        if name in engineering:
            writer.writerow(["engineering", "", name, engineering[name]])
    for key, months in engineering["break_even_months"].items():
        writer.writerow(["engineering", key, "break_even_months", "" if months is None else months])
    cheapest = body["verdict"]["cheapest"] if "verdict" in body else [body["cheapest"]]
    writer.writerow(["summary", "", "cheapest", " ".join(cheapest)])
    return out.getvalue()


TOTALS = (
    "per_session_usd",
    "fixed_monthly_usd",
    "per_month_usd",
    "per_month_with_engineering_usd",
    "model_calls",
)
