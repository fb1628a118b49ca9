"""The offline prompt cache against OpenAI's: the recorded call sequences in ../shared/data, replayed.

Every cassette with two or more Chat Completions calls is replayed in recorded order through one fresh
FakeOpenAI, its clock at each call's recorded date (no date: no time passes, so nothing expires), and the
server's `cached_tokens` is compared with the recorded one. Each call falls in one class:

- `a`: OpenAI read nothing and neither did we;
- `b`: OpenAI read a prefix that an earlier recorded call of the same cassette and model explains (their
  longest common token prefix, rounded down to the model's cache step, is at least what OpenAI read);
- `c`: OpenAI read a prefix no earlier recorded call explains (its cache was warmed by calls the data does
  not hold: earlier runs of the same test, other cassettes);
- `d`: OpenAI read nothing where we read a prefix (a miss on OpenAI's side: routing, eviction).

Only the same model explains a prefix: OpenAI's cache, like the offline one, is per model. A call whose
prompt we count wrong has a wrong prefix too, so those are counted apart and never asserted. The Responses
calls are not replayed: the offline server serves /v1/chat/completions only.
`python -m tests.agentloop.offline.test_replay_real` prints the figures per class and model family.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from agentloop.offline import FakeOpenAI
from agentloop.offline.cache import STEP, billed_for_cache_writes
from agentloop.tokens import family
from agentloop.tokens.chat import render_chat
from agentloop.tokens.rendered import rendered_tokens
from tests.agentloop.test_tokens_real import DATA, IN_CI

# What the replay reaches today: the share of exactly counted class-b calls whose cached tokens match
# OpenAI's, and the share of exactly counted calls OpenAI read nothing for where we read nothing too.
EXPLAINED_FLOOR = 6 / 7
UNCACHED_FLOOR = 0.99


@dataclass(frozen=True)
class Replayed:
    row: dict
    prompt_tokens: int
    cached: int
    written: int
    explained: int  # the longest prefix shared with an earlier call of the model, in whole cache steps

    @property
    def recorded(self) -> int | None:
        details = self.row["usage"].get("prompt_tokens_details")
        return None if details is None else details.get("cached_tokens")

    @property
    def exact(self) -> bool:
        return self.prompt_tokens == self.row["usage"]["prompt_tokens"]

    @property
    def kind(self) -> str:
        if self.recorded is None:
            return "unrecorded"
        if self.recorded == 0:
            return "a" if self.cached == 0 else "d"
        return "b" if self.explained >= self.recorded else "c"


def cassettes() -> dict[str, list[dict]]:
    """Cassette → its Chat Completions calls in recorded order, for cassettes with two or more."""
    if not DATA.exists():
        if IN_CI:
            pytest.fail(f"{DATA} is missing: CI copies ../shared beside the clone")
        pytest.skip(f"{DATA} is absent (outside CI): the replay needs ../shared/data")
    calls: dict[str, list[dict]] = defaultdict(list)
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else None
        if row and row["api"] == "chat_completions":
            calls[row["sequence"]["id"]].append(row)
    return {
        name: sorted(rows, key=lambda row: row["sequence"]["index"])
        for name, rows in calls.items()
        if len(rows) >= 2
    }


def common_prefix(a: list[int], b: list[int]) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def replay(calls: list[dict]) -> list[Replayed]:
    """One cassette's calls through one fresh offline server, the clock at the recorded dates."""
    now = [0.0]
    server = FakeOpenAI(clock=lambda: now[0])
    earlier: list[tuple[str, list[int]]] = []
    out = []
    for row in calls:
        if row.get("recorded_date"):
            now[0] = parsedate_to_datetime(row["recorded_date"]).timestamp()
        body = {**row["request"], "model": row["model"]}
        usage = server.complete(body)["usage"]
        tokens = rendered_tokens(render_chat(body))
        step = 1 if billed_for_cache_writes(row["model"]) else STEP
        shared = max((common_prefix(t, tokens) for m, t in earlier if m == row["model"]), default=0)
        earlier.append((row["model"], tokens))
        details = usage["prompt_tokens_details"]
        out.append(
            Replayed(
                row,
                usage["prompt_tokens"],
                details["cached_tokens"],
                details["cache_write_tokens"],
                shared // step * step,
            )
        )
    return out


@pytest.fixture(scope="module")
def replayed() -> list[Replayed]:
    return [call for calls in cassettes().values() for call in replay(calls)]


def test_every_call_of_every_sequence_is_replayed(replayed):
    """The server takes every recorded request (a refusal raises) and reports usage for it."""
    assert len(replayed) == sum(len(calls) for calls in cassettes().values())
    assert all(call.prompt_tokens > 0 for call in replayed)


def test_explained_cache_hits_are_read_as_openai_read_them(replayed):
    explained = [call for call in replayed if call.kind == "b" and call.exact]
    matching = [call for call in explained if call.cached == call.recorded]
    assert len(matching) / len(explained) >= EXPLAINED_FLOOR, mismatches(explained)
    # Where we differ, OpenAI read less than earlier calls explain (its cache is best effort), never more.
    assert all(call.cached > (call.recorded or 0) for call in explained if call not in matching)


def test_where_openai_read_nothing_we_mostly_read_nothing(replayed):
    uncached = [call for call in replayed if call.kind in ("a", "d") and call.exact]
    assert sum(call.kind == "a" for call in uncached) / len(uncached) >= UNCACHED_FLOOR, mismatches(uncached)


def test_recorded_cache_writes_are_written(replayed):
    """Models billed for cache writes report them; every recorded figure is ours."""
    recorded = [
        (call.row["source"], call.row["usage"]["prompt_tokens_details"]["cache_write_tokens"], call.written)
        for call in replayed
        if "cache_write_tokens" in (call.row["usage"].get("prompt_tokens_details") or {})
    ]
    assert recorded and all(theirs == ours for _, theirs, ours in recorded), recorded


def mismatches(calls: list[Replayed]) -> str:
    return "\n".join(
        f"  {c.kind} {c.row['source']}: recorded {c.recorded}, ours {c.cached}"
        f" ({c.cached - (c.recorded or 0):+d}), explained by earlier calls {c.explained}"
        for c in calls
        if c.cached != c.recorded
    )


def report(calls: list[Replayed]) -> str:
    """Calls per class (exactly counted, and counted wrong), per model family; then every mismatch."""
    rows = [("all", call) for call in calls] + [(f"family {family(c.row['model'])}", c) for c in calls]
    kinds = ("a", "b", "c", "d", "unrecorded")
    lines = [
        f"{len(cassettes())} cassettes, {len(calls)} Chat Completions calls replayed "
        "(Responses: not served by the offline server)",
        f"  {'':20s}" + "".join(f"{kind:>16s}" for kind in kinds) + "   (exact count + counted wrong)",
    ]
    for group in dict.fromkeys(name for name, _ in rows):
        counts = Counter((c.kind, c.exact) for name, c in rows if name == group)
        cells = "".join(f"{f'{counts[(k, True)]} + {counts[(k, False)]}':>16s}" for k in kinds)
        lines.append(f"  {group:20s}{cells}")
    for kind in ("b", "c", "d"):
        chosen = [call for call in calls if call.kind == kind]
        same = sum(call.cached == call.recorded for call in chosen)
        lines.append(f"class {kind}: {same} of {len(chosen)} match")
        lines.append(mismatches(chosen))
    return "\n".join(line for line in lines if line)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    print(report([call for calls in cassettes().values() for call in replay(calls)]))
