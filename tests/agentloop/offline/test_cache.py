"""The offline prompt cache, by cost model v2: token prefixes, 128- or 1-token steps, TTL, writes."""

import pytest

from agentloop.offline import FakeOpenAI, bundled_scripts
from agentloop.offline.cache import PromptCache, billed_for_cache_writes
from agentloop.tokens import count_request

SUPPORT = bundled_scripts()[0]
SYSTEM = {"role": "system", "content": "Answer briefly. " * 300}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def usage(model: FakeOpenAI, messages: list[dict], name: str = "gpt-4.1") -> tuple[int, int, int]:
    body = {"model": name, "messages": messages}
    details = model.complete(body)["usage"]
    return (
        details["prompt_tokens"],
        details["prompt_tokens_details"]["cached_tokens"],
        details["prompt_tokens_details"]["cache_write_tokens"],
    )


def prompt(messages: list[dict], name: str = "gpt-4.1") -> int:
    return count_request("chat_completions", name, {"messages": messages}).prompt_tokens


def test_the_cached_prefix_is_the_longest_common_token_prefix_in_128_token_steps():
    model = FakeOpenAI()
    first = [SYSTEM, {"role": "user", "content": "hello there, how are you today?"}]
    assert usage(model, first) == (prompt(first), 0, 0) == (920, 0, 0)  # under 1,024: never cached
    long_system = {"role": "system", "content": "Answer briefly. " * 400}
    a = [long_system, {"role": "user", "content": "hello there, how are you today?"}]
    b = [long_system, {"role": "user", "content": "hello there, how is the weather?"}]
    assert usage(model, a) == (1220, 0, 0)
    # b shares the system message and the user message's start ("hello there, how"): 1,212 tokens.
    assert prompt(b) == 1220
    assert usage(model, b) == (1220, 1152, 0)
    # A longer conversation reads what a left in the cache: its messages, 1,216 of its 1,220 tokens (the
    # last message's end and the reply's priming are never cached), cached 1,152.
    reply = {"role": "assistant", "content": "Fine, thanks! " * 20}
    longer = [*a, reply, {"role": "user", "content": "good"}]
    assert usage(model, longer)[1] == (1220 - 4) // 128 * 128 == 1152
    # A different system prompt shares nothing; another model has its own cache.
    assert usage(model, [{"role": "system", "content": "x " * 1200}, a[1]])[1] == 0
    assert usage(model, a, "gpt-4o")[1] == 0


def test_models_billed_for_cache_writes_cache_to_the_token_and_report_writes():
    assert billed_for_cache_writes("gpt-5.6") and billed_for_cache_writes("gpt-5.6-sol")
    assert billed_for_cache_writes("gpt-6") and not billed_for_cache_writes("gpt-5.5")
    assert not billed_for_cache_writes("gpt-4.1") and not billed_for_cache_writes("o3")
    model = FakeOpenAI()
    a = [SYSTEM, {"role": "user", "content": "x " * 200}]
    total = prompt(a, "gpt-5.6")
    assert total == 1112
    # Nothing to read; the prompt is written to the token, all but the user message's `<|end|>` and the
    # reply's priming `<|start|>assistant` (3 tokens), which no later call can share.
    assert usage(model, a, "gpt-5.6") == (1112, 0, 1109)
    # The same prompt again reads what was written, and writes nothing more.
    assert usage(model, a, "gpt-5.6") == (1112, 1109, 0)
    longer = [*a, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "and?"}]
    tokens, cached, written = usage(model, longer, "gpt-5.6")
    # Reads a's messages; writes the rest of its own up to its last message's content.
    assert (tokens, cached, written) == (1125, 1109, 1125 - 3 - 1109)
    # A model the price table bills for writes, by name.
    named = FakeOpenAI(cache_write_models={"gpt-5.6-terra"})
    assert usage(named, a, "gpt-5.6-terra")[2] == 1109
    assert usage(FakeOpenAI(), a, "gpt-5.6")[2] == 1109
    assert usage(FakeOpenAI(), a, "gpt-5.5")[2] == 0


def test_the_reply_priming_is_never_cached():
    """OpenAI's bill (dd-trace-py's gpt-5.6-sol cache-write cassette): a 1,220-token prompt of a system and
    a user message writes 1,217 tokens; the user message's end and the reply's priming are not cached."""
    system = {"role": "system", "content": "You are an expert software engineer " * 200}
    messages = [system, {"role": "user", "content": "What are the best practices for API design?"}]
    total = prompt(messages, "gpt-5.6-sol")
    assert total == 1220  # the recorded prompt_tokens
    assert usage(FakeOpenAI(), messages, "gpt-5.6-sol") == (1220, 0, 1217)
    # On 128-token steps: a prompt of 1,027 tokens keeps 1,023, under the 1,024 that can be read.
    model = FakeOpenAI()
    short = [{"role": "system", "content": "x " * 1013}, {"role": "user", "content": "hi"}]
    assert usage(model, short) == (1026, 0, 0)
    assert usage(model, short) == (1026, 0, 0)


def test_an_explicit_cache_breakpoint_ends_what_is_cached():
    """OpenAI's bill (pydantic-ai's gpt-5.6-sol prompt-cache cassettes): a breakpoint on the first of a user
    message's two text parts writes 4,012 of 4,020 tokens and a repeat reads 4,012: the second part's 5
    tokens ("Reply with exactly: OK") and the 3 after the message's content are not cached."""
    # Joined, "…volume 199." and "Reply" tokenize one token shorter than apart; the bill counts them apart.
    catalogue = "\n".join(f"Entry {i:04d}: shelf {i % 23}, aisle {i % 7}, volume {i}." for i in range(200))
    parts = [
        {"type": "text", "text": catalogue, "prompt_cache_breakpoint": {"mode": "explicit"}},
        {"type": "text", "text": "Reply with exactly: OK"},
    ]
    messages = [{"role": "user", "content": parts}]
    model = FakeOpenAI()
    total = prompt(messages, "gpt-5.6-sol")
    assert total == 3411
    assert usage(model, messages, "gpt-5.6-sol") == (3411, 0, 3411 - 8)
    assert usage(model, messages, "gpt-5.6-sol") == (3411, 3411 - 8, 0)


@pytest.mark.parametrize(("name", "ttl_minutes"), [("gpt-4.1", 24 * 60), ("gpt-5.6", 30)])
def test_a_cached_prefix_expires_after_the_ttl_of_idle_time(name, ttl_minutes):
    clock = Clock()
    model = FakeOpenAI(clock=clock)
    a = [{"role": "system", "content": "Answer briefly. " * 400}, {"role": "user", "content": "one"}]
    b = [a[0], {"role": "user", "content": "two"}]
    model.complete({"model": name, "messages": a})
    clock.now += ttl_minutes * 60  # idle exactly the TTL: still warm, and reading it keeps it warm
    assert usage(model, b, name)[1] > 0
    clock.now += ttl_minutes * 60
    assert usage(model, a, name)[1] > 0
    clock.now += ttl_minutes * 60 + 1  # idle longer than the TTL: gone
    assert usage(model, b, name)[1] == 0


def test_the_cache_keeps_a_bounded_number_of_prompts():
    cache = PromptCache(clock=lambda: 0.0)
    for i in range(300):
        cache.use("m", [i] * 1100)
    assert len(cache._entries["m"]) == 256
    assert cache.use("m", [299] * 1100).cached == 1024
    assert cache.use("m", [0] * 1100).cached == 0  # among the first evicted
