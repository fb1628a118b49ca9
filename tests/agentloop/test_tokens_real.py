"""The counter against OpenAI's bills: ../shared/data holds real requests with the usage OpenAI returned.

Rules, not a lookup table: every figure comes from rendering the request (agentloop.tokens). The floors
below are what the rules reach today; `python -m tests.agentloop.test_tokens_real` prints the figures
per model family and per feature. Outside CI the test skips when the data is absent; under CI it fails.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from agentloop.tokens import count_request, family

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real-openai-exchanges.jsonl"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
# (exact, within 2 tokens) as fractions of the requests, per API: what the rules reach today.
FLOORS = {"chat_completions": (0.898, 0.958), "responses": (0.406, 0.530)}
COUNTABLE_FLOORS = {"responses": (0.628, 0.818)}  # Responses requests whose count is complete


def exchanges() -> list[dict]:
    """The requests the hook and the issue's targets use: no images, no other media, no duplicates."""
    if not DATA.exists():
        if IN_CI:
            pytest.fail(f"{DATA} is missing: CI copies ../shared beside the clone")
        pytest.skip(f"{DATA} is absent (outside CI): the real-data figures need ../shared/data")
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if not (r.get("has_image") or r.get("has_other_media") or r.get("duplicate_of"))]


def billed(row: dict) -> int:
    return row["usage"]["prompt_tokens" if row["api"] == "chat_completions" else "input_tokens"]


def results(rows: list[dict]) -> list[tuple[dict, int | None, bool]]:
    """(row, our count or None, whether the count is complete)."""
    out: list[tuple[dict, int | None, bool]] = []
    for row in rows:
        try:
            counted = count_request(row["api"], row["model"], row["request"])
        except ValueError:
            out.append((row, None, False))
            continue
        out.append((row, counted.prompt_tokens, not counted.not_counted))
    return out


def share(items: list[tuple[dict, int | None, bool]]) -> tuple[float, float]:
    exact = sum(1 for row, n, _ in items if n == billed(row))
    near = sum(1 for row, n, _ in items if n is not None and abs(n - billed(row)) <= 2)
    return exact / len(items), near / len(items)


@pytest.fixture(scope="module")
def counted() -> list[tuple[dict, int | None, bool]]:
    return results(exchanges())


@pytest.mark.parametrize("api", list(FLOORS))
def test_the_counter_reaches_its_floors_on_real_bills(counted, api):
    items = [item for item in counted if item[0]["api"] == api]
    exact, near = share(items)
    floor_exact, floor_near = FLOORS[api]
    assert exact >= floor_exact and near >= floor_near, f"{api}: {exact:.1%} exact, {near:.1%} within 2"
    if api in COUNTABLE_FLOORS:
        exact, near = share([item for item in items if item[2]])
        floor_exact, floor_near = COUNTABLE_FLOORS[api]
        assert exact >= floor_exact and near >= floor_near, (
            f"countable: {exact:.1%} exact, {near:.1%} within 2"
        )


def test_every_request_is_read(counted):
    assert [row["source"] for row, n, _ in counted if n is None] == []


def cassette(row: dict) -> str:
    return row["source"].rsplit("#", 1)[0]


def held_out(rows: list[dict]) -> set[str]:
    """Every fifth cassette (sorted by source): the half the rules were not tuned on."""
    names = sorted({cassette(row) for row in rows})
    return {name for i, name in enumerate(names) if i % 5 == 4}


def report(rows: list[dict]) -> str:
    """Per API, per model family and per feature: requests, exact, within 2 tokens; then the same
    figures on the tuning cassettes and on the held-out fifth, which no rule was fitted to."""
    lines = []
    items = results(rows)
    hold = held_out(rows)
    for api in FLOORS:
        mine = [item for item in items if item[0]["api"] == api]
        groups: dict[str, list] = defaultdict(list)
        for item in mine:
            half = "held out" if cassette(item[0]) in hold else "tuning"
            groups[f"{half} (family {family(item[0]['model'])})"].append(item)
            groups[f"{half}"].append(item)
        for item in mine:
            groups[f"family {family(item[0]['model'])}"].append(item)
            for feature in item[0]["features"] or ["plain"]:
                groups[f"feature {feature}"].append(item)
            if not item[2]:
                groups["not fully countable"].append(item)
        exact, near = share(mine)
        lines.append(f"{api}: {len(mine)} requests, {exact:.1%} exact, {near:.1%} within 2 tokens")
        order = ("tuning", "held out", "family")
        rank = {g: next((i for i, p in enumerate(order) if g.startswith(p)), len(order)) for g in groups}
        for name in sorted(groups, key=lambda g: (rank[g], -len(groups[g]))):
            exact, near = share(groups[name])
            lines.append(f"  {name:44s} {len(groups[name]):5d}  {exact:6.1%} exact  {near:6.1%} within 2")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    print(report(exchanges()))
