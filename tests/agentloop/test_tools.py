"""Tool dispatch: JSON-schema checked arguments, clear errors naming the tool and the field."""

import jsonschema
import pytest

from agentloop.tools import ToolArgumentsError, ToolError, ToolRegistry, UnknownToolError
from tests.agentloop.conftest import weather_registry


def test_definitions_are_chat_completions_tools():
    assert weather_registry().definitions() == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather in a city.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "city": {"type": "string", "description": "City name"},
                        "unit": {"type": "string", "description": "Unit", "enum": ["celsius", "fahrenheit"]},
                    },
                    "required": ["city"],
                    "additionalProperties": False,
                },
            },
        }
    ]


def test_dispatch_returns_compact_json_for_structured_results():
    assert weather_registry().dispatch("get_weather", '{"city": "Paris"}') == (
        '{"city":"Paris","temperature":21,"unit":"celsius"}'
    )


def test_string_results_pass_through():
    registry = ToolRegistry()
    registry.register("echo", lambda text: text, parameters={"type": "object", "properties": {"text": {}}})
    assert registry.dispatch("echo", '{"text": "as is"}') == "as is"


def test_unknown_tool():
    with pytest.raises(UnknownToolError, match="^nope: no such tool; known tools: get_weather$"):
        weather_registry().dispatch("nope", "{}")


def test_arguments_that_are_not_an_object_name_the_arguments_not_the_handler():
    # A schema without "type": "object" lets a JSON list through; the handler takes keywords.
    registry = ToolRegistry()
    registry.register("echo", lambda **arguments: arguments, parameters={"properties": {}})
    with pytest.raises(ToolArgumentsError, match=r"^echo: arguments: must be a JSON object$"):
        registry.dispatch("echo", "[1, 2]")


def test_arguments_that_are_not_json():
    with pytest.raises(ToolArgumentsError, match=r"^get_weather: arguments are not valid JSON \("):
        weather_registry().dispatch("get_weather", '{"city": "Par')


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("{}", "get_weather: arguments: 'city' is a required property"),
        ('{"city": 3}', "get_weather: city: 3 is not of type 'string'"),
        (
            '{"city": "Oslo", "unit": "kelvin"}',
            "get_weather: unit: 'kelvin' is not one of ['celsius', 'fahrenheit']",
        ),
        ('{"city": "Oslo", "when": "now"}', "get_weather: arguments: Additional properties are not allowed"),
    ],
)
def test_arguments_checked_against_the_schema(arguments, message):
    with pytest.raises(ToolArgumentsError) as caught:
        weather_registry().dispatch("get_weather", arguments)
    assert str(caught.value).startswith(message)


def test_a_failing_handler_is_a_tool_error():
    registry = ToolRegistry()

    def broken():
        raise KeyError("missing")

    registry.register("broken", broken)
    with pytest.raises(ToolError, match="^broken: handler failed: KeyError: 'missing'$"):
        registry.dispatch("broken", "")


def test_a_broken_schema_fails_at_registration():
    with pytest.raises(jsonschema.SchemaError):
        ToolRegistry().register("bad", print, parameters={"type": "no-such-type"})
