"""Token counting as OpenAI bills it: the cookbook's rules, offline."""

import subprocess
import sys

import pytest

from agentloop import tokens
from agentloop.tokens import schema
from agentloop.tokens.chat import render_chat
from agentloop.tokens.rendered import count_rendered, rendered_tokens

WEATHER_TOOL: dict = {
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
    # A call is a message from "assistant" to " to=functions." (4) + the name (2), whose content is the
    # arguments re-serialized compactly: '{"city":"Paris"}' (5).
    assert tokens.count_message(assistant, "o200k_base") == 3 + 1 + 4 + 2 + 5
    # A result is a message from "functions." (2) + the name of the call it answers.
    tool = {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 21 C"}
    assert tokens.count_message(tool, "o200k_base", {"call_1": "get_weather"}) == 3 + 2 + 2 + 5
    assert tokens.count_messages([assistant, tool], "o200k_base") == 15 + 12 + 3


def test_parallel_tool_calls_are_one_call_to_multi_tool_use():
    calls = [
        {
            "id": f"c{i}",
            "type": "function",
            "function": {"name": "get_weather", "arguments": f'{{"city": "{city}"}}'},
        }
        for i, city in enumerate(["Paris", "Rome"])
    ]
    body = '{"tool_uses":[{"recipient_name":"functions.get_weather","parameters":{"city":"Paris"}},'
    body += '{"recipient_name":"functions.get_weather","parameters":{"city":"Rome"}}]}'
    header = tokens.count_text("assistant", "o200k_base") + tokens.count_text(
        " to=multi_tool_use.parallel", "o200k_base"
    )
    message = {"role": "assistant", "content": None, "tool_calls": calls}
    assert (
        tokens.count_message(message, "o200k_base")
        == 3 + header + tokens.count_text(body, "o200k_base")
        == 44
    )
    # The gpt-5 family makes them as separate calls on the commentary channel (the history carries no
    # `<|constrain|>json`: measured, one token per call less than harmony's published layout).
    single = 3 + 1 + 1 + 2 + 4 + 2  # assistant<|channel|>commentary to=functions.get_weather
    assert tokens.count_message(message, "gpt-5") == 2 * single + 5 + 5


def test_an_earlier_answer_is_on_the_final_channel_on_the_gpt5_family():
    answer = {"role": "assistant", "content": "hello world"}
    assert tokens.count_message(answer, "gpt-4o") == 3 + 1 + 2
    assert tokens.count_message(answer, "gpt-5") == 3 + 1 + 2 + 2  # assistant<|channel|>final


def test_count_messages_reads_text_parts():
    message = {
        "role": "user",
        "content": [{"type": "text", "text": "hello"}, {"type": "text", "text": " world"}],
    }
    assert tokens.count_message(message, "o200k_base") == 3 + 1 + 2


def test_the_cookbook_example_counts_what_the_api_reported():
    # The OpenAI cookbook's tools example: the API reported 101 prompt tokens on gpt-4o, 105 on gpt-4.
    request = {"messages": WEATHER_MESSAGES, "tools": [WEATHER_TOOL]}
    assert tokens.count_request("chat_completions", "gpt-4o", request) == tokens.RequestCount(101)
    assert tokens.count_request("chat_completions", "gpt-4", request) == tokens.RequestCount(105)


def test_count_tools_is_what_the_definitions_add_to_a_system_message():
    assert tokens.count_tools([], "o200k_base") == 0
    bare = {"type": "function", "function": {"name": "get_weather", "description": "Weather."}}
    section = (
        "\n\n# Tools\n\n## functions\n\nnamespace functions {\n\n// Weather.\ntype get_weather = () => any;"
    )
    section += "\n\n} // namespace functions"
    # The namespace block bills one token less than its text (measured on OpenAI's bills).
    for encoding in ("o200k_base", "cl100k_base"):
        assert tokens.count_tools([bare], encoding) == tokens.count_text(section, encoding) - 1
    assert tokens.count_tools([bare], "o200k_base") == 23


def test_provision_cli_still_works(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "agentloop.tokens", "provision", "--cache-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("tiktoken encoding ready") == 2


def test_a_structured_outputs_schema_reaches_the_model_without_what_the_decoder_enforces():
    answer = {
        "type": "object",
        "title": "Answer",
        "properties": {
            "score": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5, "description": "Über"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            "required": {"type": "boolean"},  # a property *named* required stays
        },
        "required": ["score", "tags", "required"],
        "additionalProperties": False,
    }
    assert schema.response_format_json(answer) == (
        '{"type":"object","title":"Answer","properties":{"score":{"type":"number","description":"\\u00dcber"},'
        '"tags":{"type":"array","items":{"type":"string"}},"required":{"type":"boolean"}}}'
    )


JOKE = "The joke"


def test_a_structured_outputs_request_counts_what_openai_billed():
    # Recorded in ../shared/data (traceloop/openllmetry): gpt-4o-mini billed 52 prompt tokens. The format
    # is a system message "# Response Formats\n\n## joke\n\n{schema}" plus 4 tokens of framing.
    request = {
        "messages": [{"role": "user", "content": "Tell me a joke about OpenTelemetry, pirate style"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "joke",
                "schema": {"type": "object", "properties": {"joke": {"type": "string", "description": JOKE}}},
            },
        },
    }
    section = '# Response Formats\n\n## joke\n\n{"type":"object","properties":{"joke":'
    section += '{"type":"string","description":"The joke"}}}'
    assert tokens.count_text(section, "o200k_base") == 27
    counted = tokens.count_request("chat_completions", "gpt-4o-mini", request)
    assert counted.prompt_tokens == (3 + 1 + 27 + 4) + 14 + 3 == 52


def test_an_array_of_objects_is_an_array_block_and_nested_lines_are_not_indented():
    # ChatGPT's published prompts show `updates: Array<` / `{` ... `}` / `>` with the object's lines
    # unindented; the item object's own title sits above its `{` like a property's comments.
    parameters = {
        "type": "object",
        "properties": {
            "steps": {
                "type": "array",
                "items": {
                    "title": "Step",
                    "type": "object",
                    "properties": {
                        "n": {"type": "integer", "description": "Step number"},
                        "tool": {"type": ["string", "null"]},
                    },
                    "required": ["n", "tool"],
                },
            },
            "where": {"type": "object", "properties": {"city": {"type": "string"}}},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}},
        },
        "required": ["steps"],
    }
    text, _ = schema.function_signature("plan", None, parameters)
    assert text == (
        "type plan = (_: {\n"
        "steps: Array<\n"
        "// Step\n"
        "{\n"
        "// Step number\n"
        "n: number,\n"
        "tool: string | null,\n"
        "}\n"
        ">,\n"
        "where?: {\n"
        "city?: string,\n"
        "},\n"
        'tags?: ("a" | "b")[],\n'
        "}) => any;"
    )


def test_a_title_and_a_description_are_parted_by_an_empty_comment_line():
    # openai-harmony's layout. On o200k `//\n//` is one token, so only cl100k's bills show it: crewAI's
    # gpt-4-0125-preview delegation tools (six titled, described properties) were 6 tokens short without.
    parameters = {
        "type": "object",
        "properties": {"task": {"title": "Task", "description": "The task to delegate", "type": "string"}},
        "required": ["task"],
    }
    text, _ = schema.function_signature("delegate", None, parameters)
    assert text == "type delegate = (_: {\n// Task\n//\n// The task to delegate\ntask: string,\n}) => any;"
    without = text.replace("//\n// The", "// The")
    assert tokens.count_text(text, "o200k_base") == tokens.count_text(without, "o200k_base")
    assert tokens.count_text(text, "cl100k_base") == tokens.count_text(without, "cl100k_base") + 1


def test_a_docstring_description_loses_each_line_s_indentation():
    description = "Convert Celsius to Fahrenheit.\n\n    Args:\n        celsius: Temperature in Celsius\n    "
    text, _ = schema.function_signature("to_f", description, None)
    assert text == (
        "// Convert Celsius to Fahrenheit.\n//\n// Args:\n// celsius: Temperature in Celsius\n"
        "type to_f = () => any;"
    )


def test_the_hosted_web_search_tool_costs_a_fixed_definition_on_gpt4o_and_gpt41():
    plain = tokens.count_request("responses", "gpt-4.1", {"input": "What's new today?"})
    request = {"input": "What's new today?", "tools": [{"type": "web_search_preview"}]}
    searching = tokens.count_request("responses", "gpt-4.1", request)
    assert searching == tokens.RequestCount(plain.prompt_tokens + 294)
    # On the gpt-5 family the pages it reads are billed as input: they cannot be known beforehand.
    request = {"input": "What's new today?", "tools": [{"type": "web_search"}]}
    assert tokens.count_request("responses", "gpt-5", request).not_counted == (
        "tools[0]: the hosted web_search tool (its definition and results)",
    )


def test_both_apis_show_the_parameters_title_under_the_description():
    # Recorded in ../shared/data (dd-trace-py, openai-agents): gpt-4o billed 75 for an `add` tool whose
    # parameters are titled `add_args`; without the title line the count was 71.
    parameters = {"title": "get_weather_args", "type": "object", "properties": {"city": {"type": "string"}}}
    text, _ = schema.function_signature("get_weather", "Weather.", parameters, show_title=True)
    assert text == "// Weather.\n// get_weather_args\ntype get_weather = (_: {\ncity?: string,\n}) => any;"
    untitled, _ = schema.function_signature("get_weather", "Weather.", {**parameters, "title": None}, True)
    shown = tokens.count_text(text, "o200k_base") - tokens.count_text(untitled, "o200k_base")
    assert shown == 4
    tool = {"type": "function", "name": "get_weather", "description": "Weather.", "parameters": parameters}
    bare_tool = {**tool, "parameters": {k: v for k, v in parameters.items() if k != "title"}}
    for api, request, bare in (
        ("responses", {"input": "Paris?", "tools": [tool]}, {"input": "Paris?", "tools": [bare_tool]}),
        (
            "chat_completions",
            {
                "messages": [{"role": "user", "content": "Paris?"}],
                "tools": [{"type": "function", "function": tool}],
            },
            {
                "messages": [{"role": "user", "content": "Paris?"}],
                "tools": [{"type": "function", "function": bare_tool}],
            },
        ),
    ):
        with_title = tokens.count_request(api, "gpt-4o", request).prompt_tokens
        assert with_title - tokens.count_request(api, "gpt-4o", bare).prompt_tokens == shown, api


def test_a_structured_outputs_format_beside_tools_shares_their_framing_in_chat_completions():
    format_only = {
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "r", "schema": {"type": "object"}},
        },
    }
    with_tools = {**format_only, "tools": [WEATHER_TOOL]}
    tools_only = {k: v for k, v in with_tools.items() if k != "response_format"}

    def count(request: dict) -> int:
        return tokens.count_request("chat_completions", "gpt-4o", request).prompt_tokens

    bare = {k: v for k, v in format_only.items() if k != "response_format"}
    fmt = '\n\n# Response Formats\n\n## r\n\n{"type":"object"}'

    def appended(before: str) -> int:  # the section's tokens after `before`, merges included
        return tokens.count_text(before + fmt, "o200k_base") - tokens.count_text(before, "o200k_base")

    assert count(format_only) - count(bare) == appended("Be brief.") + 4 == 16
    assert count(with_tools) - count(tools_only) == appended("} // namespace functions") == 13


def test_a_compaction_item_stands_for_everything_before_it():
    question = {"role": "user", "content": "a long question " * 50}
    history = [question, {"role": "assistant", "content": "answer"}]
    compaction = {"type": "compaction", "id": "cmp_1", "encrypted_content": "gAAAA"}
    after = [{"role": "user", "content": "and then?"}]
    compacted = tokens.count_request("responses", "gpt-4.1", {"input": [*history, compaction, *after]})
    assert compacted == tokens.RequestCount(
        tokens.count_request("responses", "gpt-4.1", {"input": after}).prompt_tokens,
        ("input[2]: a compaction item (the encrypted summary of the items before it)",),
    )


def test_a_search_preview_model_bills_the_messages_text_alone():
    # Recorded in ../shared/data (pydantic-ai): gpt-4o-search-preview billed 11 prompt tokens for these
    # two messages, their texts' 6 + 5 tokens: no message framing, no reply priming.
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What day is today?"},
    ]
    request = {"messages": messages, "web_search_options": {"search_context_size": "low"}}
    assert [tokens.count_text(m["content"], "o200k_base") for m in messages] == [6, 5]
    assert tokens.count_request("chat_completions", "gpt-4o-search-preview", request).prompt_tokens == 11
    framed = 11 + 2 * (3 + 1) + 3  # per message 3 of framing and its role; 3 to prime the reply
    assert tokens.count_request("chat_completions", "gpt-4o", request).prompt_tokens == framed
    rendered = render_chat({**request, "model": "gpt-4o-mini-search-preview"})
    assert len(rendered_tokens(rendered)) == count_rendered(rendered) == 11


def test_a_forced_function_costs_its_name_and_seven_tokens_except_on_the_gpt5_family():
    # Recorded in ../shared/data (pydantic-ai's tool-choice matrix): gpt-5-mini billed the same forcing
    # `get_weather` as with `tool_choice: "auto"`, in Chat Completions and in the Responses API alike.
    base = {"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [WEATHER_TOOL]}
    forced = {**base, "tool_choice": {"type": "function", "function": {"name": "get_current_weather"}}}
    name = tokens.count_text("get_current_weather", "o200k_base")

    def extra(model: str, api: str = "chat_completions", request: dict = forced, plain: dict = base) -> int:
        return (
            tokens.count_request(api, model, request).prompt_tokens
            - tokens.count_request(api, model, plain).prompt_tokens
        )

    assert extra("gpt-4o") == 7 + name
    assert extra("gpt-5-mini") == 0
    tool = {"type": "function", **WEATHER_TOOL["function"]}
    responses_base = {"input": "Weather in Paris?", "tools": [tool]}
    responses_forced = {**responses_base, "tool_choice": {"type": "function", "name": "get_current_weather"}}
    assert extra("gpt-5-mini", "responses", responses_forced, responses_base) == 0


def test_the_gpt5_family_shows_the_parameters_description_before_their_brace():
    # openai-harmony renders an object's description as a comment line before its `{`. Recorded in
    # ../shared/data (pydantic-ai's capability tools on gpt-5.2, 5.4, 5.6): without it, 13-14 tokens short.
    parameters = {
        "type": "object",
        "description": "Typed arguments.",
        "properties": {"id": {"type": "string"}},
        "required": ["id"],
    }
    text, _ = schema.function_signature("load", None, parameters, show_description=True)
    assert text == "type load = (_: // Typed arguments.\n{\nid: string,\n}) => any;"
    tool = {"type": "function", "name": "load", "parameters": parameters}
    bare = {**tool, "parameters": {k: v for k, v in parameters.items() if k != "description"}}

    def count(model: str, chosen: dict) -> int:
        return tokens.count_request("responses", model, {"input": "Go.", "tools": [chosen]}).prompt_tokens

    assert count("gpt-5.2", tool) - count("gpt-5.2", bare) == tokens.count_text(
        "// Typed arguments.\n", "o200k_base"
    )
    # Not shown on the o200k models: no request recorded there has parameters with a description.
    assert count("gpt-4.1", tool) == count("gpt-4.1", bare)


def test_an_earlier_answer_under_a_structured_outputs_format_costs_four_more():
    # Recorded in ../shared/data (crewAI, test_output_pydantic_to_another_task): gpt-4o billed 276 for the
    # first ScoreOutput request and 564 for the second, which holds the first answer `{"score":4}`; the
    # rendered messages alone came to 560.
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "ScoreOutput", "schema": {"type": "object"}},
    }
    first = [{"role": "system", "content": "Score titles."}, {"role": "user", "content": "Score 'Dune'."}]
    second = [
        *first,
        {"role": "assistant", "content": '{"score":4}'},
        {"role": "user", "content": "And 'Emma'?"},
    ]

    def count(messages: list[dict], **options: object) -> int:
        return tokens.count_request(
            "chat_completions", "gpt-4o", {"messages": messages, **options}
        ).prompt_tokens

    plain = count(second) - count(first)
    assert (
        count(second, response_format=response_format) - count(first, response_format=response_format)
        == plain + 4
    )
    # An empty assistant message is no answer: no marker.
    empty = [*first, {"role": "assistant", "content": ""}]
    assert count(empty, response_format=response_format) - count(first, response_format=response_format) == (
        count(empty) - count(first)
    )
