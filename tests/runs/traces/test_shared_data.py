"""The real exchanges in ../shared/data as conversation logs (one cassette, in order, is one conversation).

Skips outside CI when the folder is absent (and fails under CI).
"""

import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from pricing.catalog import PriceTableError, price_sheet_for
from runs.models import ImportedCall, ImportStatus
from tests.runs.traces.helpers import import_file
from tests.runs.traces.shared_data import conversations, log_lines, write_log

TODAY = date(2026, 12, 1)
TIERS = {"flex": "flex", "priority": "fast"}


def sheet_by_hand(model: str, on: date):
    for candidate in (model, re.sub(r"-\d{4}-\d{2}-\d{2}$", "", model)):
        try:
            return price_sheet_for(candidate, on)
        except PriceTableError:
            continue
    return None


def cost_by_hand(line: dict) -> Decimal | None:
    """One call: (uncached × input + cached × cached input + written × write + output × output) / 1e6."""
    usage = line["response"]["usage"]
    if "input_tokens" in usage:
        prompt, output = usage["input_tokens"], usage["output_tokens"]
        details = usage.get("input_tokens_details") or {}
    else:
        prompt, output = usage["prompt_tokens"], usage["completion_tokens"]
        details = usage.get("prompt_tokens_details") or {}
    cached, written = details.get("cached_tokens") or 0, details.get("cache_write_tokens") or 0
    on = date.fromisoformat(line["timestamp"][:10]) if "timestamp" in line else TODAY
    sheet = sheet_by_hand(line["request"]["model"], on)
    tier = TIERS.get(line["request"].get("service_tier"), "standard")
    if sheet is None or tier not in sheet.service_tiers:
        return None
    rates = sheet.service_tiers[tier].rates
    if (
        sheet.service_tiers[tier].long_context
        and prompt > sheet.service_tiers[tier].long_context.threshold_tokens
    ):
        rates = sheet.service_tiers[tier].long_context
    cached_rate = rates.cached_input if rates.cached_input is not None else rates.input
    write_rate = rates.cache_write if rates.cache_write is not None else rates.input
    micro = (prompt - cached - written) * rates.input + cached * cached_rate + written * write_rate
    return (micro + output * rates.output) / 1_000_000


@pytest.fixture(scope="module")
def lines():
    return log_lines()


def test_the_actual_cost_is_the_sum_of_each_call_priced_by_hand(table, tmp_path, lines, monkeypatch):
    monkeypatch.setattr("runs.imports.today", lambda: TODAY)
    trace_import = import_file(write_log(tmp_path / "shared.jsonl", lines))
    assert trace_import.status == ImportStatus.COMPLETED
    by_hand = [cost_by_hand(line) for line in lines]
    total = sum((cost for cost in by_hand if cost is not None), Decimal(0))
    assert trace_import.calls_count == len(lines) == 1466
    assert trace_import.unpriced_calls == by_hand.count(None)
    assert trace_import.actual_cost_usd is not None
    assert round(trace_import.actual_cost_usd, 2) == round(total, 2)  # to the cent
    assert trace_import.actual_cost_usd == total  # and exactly
    stored = ImportedCall.objects.filter(trace_import=trace_import).order_by("line")
    assert [call.cost_usd for call in stored] == by_hand  # call by call


def turns_of(calls: list[dict]) -> int:
    """A turn starts at a call answering a user message (the last message it sends is the user's)."""
    turns = 0
    for position, exchange in enumerate(calls):
        request = exchange["request"]
        if exchange["api"] == "responses":
            items = request.get("input")
            last = {"role": "user"} if isinstance(items, str) else (items or [{}])[-1]
        else:
            last = (request.get("messages") or [{}])[-1]
        turns += position == 0 or last.get("role") == "user"
    return turns


def test_the_fitted_histogram_is_the_conversations_lengths(table, tmp_path, lines):
    trace_import = import_file(write_log(tmp_path / "shared.jsonl", lines))
    lengths = Counter(turns_of(calls) for calls in conversations().values())
    assert trace_import.conversations_count == len(conversations()) == 856
    assert trace_import.fitted_inputs["turns_histogram"] == [
        [turns, count] for turns, count in sorted(lengths.items())
    ]
    stored = Counter(trace_import.conversations.values_list("turns", flat=True))
    assert stored == lengths
