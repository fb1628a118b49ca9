"""Token counting as OpenAI bills it: the cookbook's rules, offline."""

import subprocess
import sys

import pytest

from agentloop import tokens

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {
                    "type": "string",
                    "description": "The unit of temperature to return",
                    "enum": ["celsius", "fahrenheit"],
                },
            },
            "required": ["location"],
        },
    },
}
WEATHER_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful assistant that can answer to questions about the weather.",
    },
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


def test_get_encoding_is_cached_and_limited_to_the_two_shipped_encodings():
    assert tokens.get_encoding("o200k_base") is tokens.get_encoding("o200k_base")
    assert tokens.get_encoding("cl100k_base").name == "cl100k_base"
    with pytest.raises(ValueError, match="unknown encoding 'p50k_base'"):
        tokens.get_encoding("p50k_base")


def test_get_encoding_provisions_an_empty_cache_itself(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    tokens.get_encoding.cache_clear()
    try:
        assert tokens.get_encoding("cl100k_base").encode("hello world") == [15339, 1917]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["9b5ad71b2ce5302211f9c61530b329a4922fc6a4"]
    finally:
        tokens.get_encoding.cache_clear()


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4.1", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("text-davinci-003", "o200k_base"),  # p50k_base is not shipped
        ("some-future-model", "o200k_base"),
    ],
)
def test_encoding_for_model(model, encoding):
    assert tokens.encoding_for_model(model) == encoding


def test_count_text():
    assert tokens.count_text("hello world", "o200k_base") == 2
    assert tokens.count_text("Sunny, 21 C", "o200k_base") == 5
    assert tokens.count_text("Sunny, 21 C", "cl100k_base") == 6
    assert tokens.count_text("", "o200k_base") == 0
    # A special token's spelling in user text is plain text, never an error.
    assert tokens.count_text("<|endoftext|>", "o200k_base") == 7


def test_count_messages_cookbook_rule():
    # 3 per message + role (1) + content, +1 and the name's tokens for a name, +3 to prime the reply.
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},  # 3 + 1 + 6
        {"role": "user", "content": "hello world", "name": "bob"},  # 3 + 1 + 2 + 1 + 1
    ]
    assert tokens.count_messages(messages, "o200k_base") == 10 + 8 + 3
    assert tokens.count_messages([], "o200k_base") == 3


def test_count_messages_counts_tool_calls_and_tool_results():
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }
    # 3 + role 1, then per call 3 + name 2 + arguments 6.
    assert tokens.count_message(assistant, "o200k_base") == 4 + 11
    tool = {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21 C"}
    assert tokens.count_message(tool, "o200k_base") == 3 + 1 + 5
    assert tokens.count_messages([assistant, tool], "o200k_base") == 15 + 9 + 3


def test_count_messages_reads_text_parts():
    message = {
        "role": "user",
        "content": [{"type": "text", "text": "hello"}, {"type": "text", "text": " world"}],
    }
    assert tokens.count_message(message, "o200k_base") == 3 + 1 + 2


def test_count_tools_matches_the_cookbook_example():
    # The cookbook reports 101 prompt tokens for gpt-4o and 105 for gpt-4 / gpt-3.5-turbo.
    assert (
        tokens.count_tools([WEATHER_TOOL], "o200k_base")
        + tokens.count_messages(WEATHER_MESSAGES, "o200k_base")
        == 101
    )
    assert (
        tokens.count_tools([WEATHER_TOOL], "cl100k_base")
        + tokens.count_messages(WEATHER_MESSAGES, "cl100k_base")
        == 105
    )


def test_count_tools_of_nothing_is_zero_and_a_bare_function_pays_init_and_end():
    assert tokens.count_tools([], "o200k_base") == 0
    bare = {"type": "function", "function": {"name": "get_weather", "description": "Weather."}}
    # func_init 7 + "get_weather:Weather" (4) + func_end 12; the trailing period is dropped.
    assert tokens.count_text("get_weather:Weather", "o200k_base") == 4
    assert tokens.count_tools([bare], "o200k_base") == 7 + 4 + 12
    assert (
        tokens.count_tools([bare], "cl100k_base")
        == 10 + tokens.count_text("get_weather:Weather", "cl100k_base") + 12
    )


def test_provision_cli_still_works(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "agentloop.tokens", "provision", "--cache-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("tiktoken encoding ready") == 2
