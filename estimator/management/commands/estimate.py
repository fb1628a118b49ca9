"""`python manage.py estimate scenario.json`: the three ways side by side in the terminal.

The scenario file is the same JSON object `/api/estimate` takes (`-` reads standard input); `--json`
prints exactly what the API returns.
"""

import json
import sys
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from estimator.services import EstimateInputError, estimate_compute
from pricing.engine import APPROACHES, Estimate

SHORT_LABELS = {"assistants": "Assistants", "responses": "Responses", "chat_completions": "Your loop"}


def usd(value: Decimal, places: int = 2) -> str:
    if 0 < abs(value) < Decimal("0.01") and places == 2:
        places = 6
    return f"${value:,.{places}f}"


def side_by_side_rows(result: Estimate) -> list[tuple[str, list[str]]]:
    ways = [result.approaches[key] for key in APPROACHES]
    rows = [
        ("Status", [way.status for way in ways]),
        ("Service tier", [way.service_tier for way in ways]),
        ("Per conversation", [usd(way.per_session_usd, 6) for way in ways]),
        ("Fixed per month", [usd(way.fixed_monthly_usd) for way in ways]),
        ("Per month", [usd(way.per_month_usd) for way in ways]),
        ("Model calls / conversation", [f"{way.model_calls:,}" for way in ways]),
        ("Input tokens", [f"{way.tokens.input:,}" for way in ways]),
        ("  of which cached", [f"{way.tokens.input_cached:,}" for way in ways]),
        ("  of which cache writes", [f"{way.tokens.input_cache_write:,}" for way in ways]),
        ("Output tokens", [f"{way.tokens.output:,}" for way in ways]),
        ("  of which reasoning", [f"{way.tokens.reasoning:,}" for way in ways]),
    ]
    for index, line in enumerate(ways[0].breakdown):
        rows.append((f"{line.label} / month", [usd(way.breakdown[index].per_month_usd) for way in ways]))
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
    header = ("", [SHORT_LABELS[key] for key in APPROACHES])
    label_width = max(len(label) for label, _ in [header, *rows])
    widths = [max(len(values[i]) for _, values in [header, *rows]) for i in range(len(APPROACHES))]
    lines = []
    for label, values in [header, *rows]:
        cells = "  ".join(value.rjust(width) for value, width in zip(values, widths, strict=True))
        lines.append(f"{label.ljust(label_width)}  {cells}")
    rule = "-" * len(lines[0])
    cheapest = result.cheapest()
    engineering = result.engineering
    out = [
        f"{result.sheet.model}, prices as of {result.sheet.as_of} ({result.sheet.version})",
        f"{result.workload.sessions_per_month:,} conversations a month, "
        f"{result.workload.turns_per_session} turns each",
        rule,
        lines[0],
        rule,
        *lines[1:],
        rule,
        f"Cheapest per month: {result.approaches[cheapest].label}.",
        f"Building your own loop: {usd(engineering.build_usd)} once, "
        f"{usd(engineering.maintenance_monthly_usd)} a month to maintain.",
    ]
    notes = [(SHORT_LABELS[key], note) for key in APPROACHES for note in result.approaches[key].notes]
    if notes:
        out.append("Notes:")
        out.extend(f"  [{way}] {note}" for way, note in notes)
    return "\n".join(out)


class Command(BaseCommand):
    help = "Estimate an agent workload three ways, from a JSON scenario file (the /api/estimate inputs)."

    def add_arguments(self, parser):
        parser.add_argument("scenario", help="path to a JSON object of inputs, or - for standard input")
        parser.add_argument("--json", action="store_true", help="print the API's JSON instead of a table")

    def handle(self, *args, scenario: str, json: bool = False, **options):
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
