"""Workload scripts are checked whole before anything runs; every error names the field."""

import json

import pytest

from agentloop.offline import ScriptError, bundled_script_path, load_script, parse_script

VALID = json.loads(bundled_script_path("support_agent").read_text())


def with_tools(*tools) -> dict:
    return {**VALID, "tools": [*VALID["tools"], *tools]}


def tool(name: str, parameters=None) -> dict:
    function = {"name": name, "description": "x"}
    if parameters is not None:
        function["parameters"] = parameters
    return {"type": "function", "function": function, "result": "ok"}


def test_two_tools_with_the_same_name_are_refused():
    with pytest.raises(ScriptError, match=r"^tools\[3\]\.function\.name: 'lookup_order' is already the name"):
        parse_script(with_tools(tool("lookup_order")))


def test_an_invalid_parameters_schema_is_a_clear_error():
    bad = tool("broken", {"type": "object", "properties": {"x": {"type": "strin"}}})
    with pytest.raises(ScriptError) as caught:
        parse_script(with_tools(bad))
    assert str(caught.value).startswith("tools[3].function.parameters: not a valid JSON Schema (")
    assert str(caught.value).endswith(" at properties/x/type)")
    with pytest.raises(
        ScriptError, match=r"^tools\[3\]\.function\.parameters: must be a JSON Schema object$"
    ):
        parse_script(with_tools(tool("broken", ["not", "a", "schema"])))


@pytest.mark.parametrize(
    ("path", "where"),
    [
        (("system",), "system"),
        (("turns", 0, "user"), r"turns\[0\]\.user"),
        (("tools", 0, "function", "description"), r"tools\[0\]\.function\.description"),
        (("tools", 0, "result", "status"), r"tools\[0\]\.result\.status"),
    ],
)
def test_a_lone_surrogate_anywhere_is_a_clear_error(path, where):
    data = json.loads(json.dumps(VALID))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "broken \ud800 text"
    with pytest.raises(
        ScriptError, match=rf"^{where}: is not valid Unicode \(a lone surrogate '\\ud800' at 7\)$"
    ):
        parse_script(data)


def test_a_lone_surrogate_in_a_file_is_a_script_error_not_a_traceback(tmp_path):
    path = tmp_path / "script.json"
    path.write_text(
        json.dumps({**VALID, "name": "\\ud83d"}).replace("\\\\ud83d", "\\ud83d"), encoding="utf-8"
    )
    with pytest.raises(ScriptError, match=r"^name: is not valid Unicode"):
        load_script(path)


def test_reasoning_tokens_per_turn():
    turn = {**VALID["turns"][0], "reasoning_tokens": 50}
    assert parse_script({**VALID, "turns": [turn]}).turns[0].reasoning_tokens == 50
    assert parse_script(VALID).turns[0].reasoning_tokens is None
    with pytest.raises(ScriptError, match=r"^turns\[0\]\.reasoning_tokens: must be a whole number"):
        parse_script({**VALID, "turns": [{**turn, "reasoning_tokens": -1}]})
