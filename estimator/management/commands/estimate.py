"""`python manage.py estimate scenario.json`: the three ways side by side in the terminal.

The scenario file is the same JSON object `/api/estimate` takes (`-` reads standard input); `--json`
prints exactly what the API returns.
"""

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from estimator.money import expected_count, round_half_up
from estimator.services import EstimateInputError, estimate_compute
from pricing.engine import APPROACHES, Estimate
from pricing.engine.approaches import label, short_label


def usd(value: Decimal, places: int = 2) -> str:
    """Dollars for the terminal, rounded half up as the pages round them; under a cent, six places."""
    if 0 < abs(value) < Decimal("0.01") and places == 2:
        places = 6
    return f"${round_half_up(value, places):,.{places}f}"


def side_by_side_rows(result: Estimate) -> list[tuple[str, list[str]]]:
    approaches = [result.approaches[key] for key in APPROACHES]
    rows = [
        ("Status", [approach.status for approach in approaches]),
        ("Service tier", [approach.service_tier for approach in approaches]),
        ("Per conversation", [usd(approach.per_session_usd, 6) for approach in approaches]),
        *(
            (
                f"  {name} of conversations",
                [usd(approach.per_session_percentiles_usd[key], 6) for approach in approaches],
            )
            for key, name in (("p50", "half"), ("p90", "1 in 10"), ("p99", "1 in 100"))
        ),
        ("Fixed per month", [usd(approach.fixed_monthly_usd) for approach in approaches]),
        ("Per month", [usd(approach.per_month_usd) for approach in approaches]),
        (
            "With engineering / month",
            [usd(approach.per_month_with_engineering_usd) for approach in approaches],
        ),
        ("Model calls / conversation", [expected_count(approach.model_calls) for approach in approaches]),
        ("Input tokens", [expected_count(approach.tokens.input) for approach in approaches]),
        ("  of which cached", [expected_count(approach.tokens.input_cached) for approach in approaches]),
        (
            "  of which cache writes",
            [expected_count(approach.tokens.input_cache_write) for approach in approaches],
        ),
        ("Output tokens", [expected_count(approach.tokens.output) for approach in approaches]),
        ("  of which reasoning", [expected_count(approach.tokens.reasoning) for approach in approaches]),
    ]
    for index, line in enumerate(approaches[0].breakdown):
        rows.append(
            (
                f"{line.label} / month",
                [usd(approach.breakdown[index].per_month_usd) for approach in approaches],
            )
        )
    months = result.engineering.break_even_months
    rows.append(
        (
            "Build-your-own break-even",
            [_break_even_cell(months, key) for key in APPROACHES],
        )
    )
    return rows


def _break_even_cell(months: dict, approach: str) -> str:
    if approach not in months:
        return "-"  # your own loop is what the managed ways are compared with
    return "never" if months[approach] is None else f"{months[approach]:.1f} months"


def render_table(result: Estimate) -> str:
    rows = side_by_side_rows(result)
    header = ("", [short_label(key) for key in APPROACHES])
    label_width = max(len(name) for name, _ in [header, *rows])
    widths = [max(len(values[i]) for _, values in [header, *rows]) for i in range(len(APPROACHES))]
    lines = []
    for name, values in [header, *rows]:
        cells = "  ".join(value.rjust(width) for value, width in zip(values, widths, strict=True))
        lines.append(f"{name.ljust(label_width)}  {cells}")
    rule = "-" * len(lines[0])
    engineering = result.engineering
    population = result.population
    percentiles = population.percentiles
    out = [
        f"{result.sheet.model}, prices as of {result.sheet.as_of} ({result.sheet.version})",
        f"{result.workload.sessions_per_month:,} conversations a month, "
        f"{expected_count(population.mean_turns)} turns "
        f"on average ({population.distribution}; half {percentiles['p50']} or fewer, 1 in 10 "
        f"{percentiles['p90']} or more, 1 in 100 {percentiles['p99']} or more)",
        rule,
        lines[0],
        rule,
        *lines[1:],
        rule,
        "Cheapest live way, engineering included: "
        + " and ".join(label(key) for key in result.verdict.cheapest)
        + ".",
        f"Building your own loop: {usd(engineering.build_usd)} once "
        f"({usd(engineering.amortized_build_monthly_usd)} a month over {result.workload.amortization_months} "
        f"months), {usd(engineering.maintenance_monthly_usd)} a month to maintain.",
    ]
    notes = [(short_label(key), note) for key in APPROACHES for note in result.approaches[key].notes]
    if notes:
        out.append("Notes:")
        out.extend(f"  [{approach}] {note}" for approach, note in notes)
    return "\n".join(out)


class Command(BaseCommand):
    help = "Estimate an agent workload three ways, from a JSON scenario file (the /api/estimate inputs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", help="path to a JSON object of inputs, or - for standard input")
        parser.add_argument("--json", action="store_true", help="print the API's JSON instead of a table")

    def handle(self, *args: Any, scenario: str, json: bool = False, **options: Any) -> None:
        inputs = self.read_scenario(scenario)
        try:
            result = estimate_compute(inputs)
        except EstimateInputError as exc:
            details = "\n".join(f"  {field}: {' '.join(messages)}" for field, messages in exc.errors.items())
            raise CommandError(f"invalid scenario {scenario}:\n{details}") from None
        if json:
            self.stdout.write(_json.dumps(result.to_dict(), indent=2))
        else:
            self.stdout.write(render_table(result))

    def read_scenario(self, scenario: str) -> dict:
        try:
            text = sys.stdin.read() if scenario == "-" else Path(scenario).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {scenario}: {exc.strerror}") from None
        try:
            data = _json.loads(text, parse_float=Decimal)
        except ValueError as exc:
            raise CommandError(f"{scenario} is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise CommandError(f"{scenario} must hold a JSON object of inputs")
        return data


_json = json
