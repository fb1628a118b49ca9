"""The storages without Django: what a save writes is what a load returns, exact to the cent and the token."""

from decimal import Decimal

import pytest

from agentloop.storage import JsonFileStorage, MemoryStorage
from agentloop.usage import CallRecord, ToolCallRecord, Usage


def priced_call(index: int, result: str | None = None) -> CallRecord:
    return CallRecord(
        index=index,
        turn=1,
        round=index - 1,
        model="gpt-4.1",
        usage=Usage(prompt_tokens=1500, cached_tokens=1024, completion_tokens=20, reasoning_tokens=4),
        cost_usd=Decimal("1E-7") if index == 1 else Decimal("0.001624"),
        latency_ms=12.5,
        retries_taken=1,
        request_id=f"req_{index}",
        finish_reason="tool_calls",
        tool_calls=[ToolCallRecord(f"call_{index}", "lookup", '{"n":1}', result)],
    )


@pytest.mark.parametrize("kind", ["memory", "json"])
def test_a_load_returns_what_the_saves_wrote_with_calls_upserted_by_index(kind, tmp_path):
    storage = MemoryStorage() if kind == "memory" else JsonFileStorage(tmp_path)
    storage.save("c-1", [{"role": "user", "content": "hi"}], [priced_call(1)], 0)
    # The second save sends call 1 again, now with its tool result, and a new call 2.
    storage.save("c-1", [{"role": "user", "content": "hi"}], [priced_call(1, "ok"), priced_call(2)], 1)
    loaded = storage.load("c-1")
    assert loaded is not None
    assert loaded.calls == [priced_call(1, "ok"), priced_call(2)]
    assert loaded.calls[0].cost_usd == Decimal("0.0000001")
    assert (loaded.messages, loaded.turns_completed) == ([{"role": "user", "content": "hi"}], 1)
    assert storage.load("c-2") is None
