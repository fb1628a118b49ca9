"""The workload-script loader (agentloop.offline.scripts, issue 5) on hostile files: a Script or a ScriptError
whose message names the field at fault, never any other exception."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from agentloop.offline import ScriptError, bundled_script_path, load_script, parse_script
from tests.security.fuzzing import fuzz_settings, json_values

VALID = json.loads(bundled_script_path("support_agent").read_text())
# "script: ...", "tools[0].function.name: ...", "turns[2].tool_calls[0]: ...": where, then what.
NAMED = re.compile(r"^(script|tools|turns)(\[\d+\])?(\.[A-Za-z_]+(\[\d+\])?)*: \S")


def check(data) -> None:
    try:
        script = parse_script(data)
    except ScriptError as exc:
        event("ScriptError")
        assert NAMED.match(str(exc)), f"error does not name a field: {exc}"
        return
    event("parsed")
    assert script.turns and isinstance(script.name, str)


def paths(value, prefix=()):
    """Every (path) inside a JSON document, to mutate one place at a time."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


VALID_PATHS = [p for p in paths(VALID) if p]


def mutate(document, path, replacement):
    document = json.loads(json.dumps(document))
    target = document
    for key in path[:-1]:
        target = target[key]
    if replacement is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = replacement
    return document


_DELETE = object()


@fuzz_settings(weight=1)
@given(path=st.sampled_from(VALID_PATHS), replacement=json_values | st.just(_DELETE))
@example(path=("turns",), replacement=[])
@example(path=("tools",), replacement={"a": 1})
@example(path=("name",), replacement="   ")
@example(path=("turns", 0, "tool_calls"), replacement="abc")
@example(path=("tools", 0, "function", "name"), replacement=["unhashable"])
def test_one_mutation_of_a_bundled_script(path, replacement):
    check(mutate(VALID, path, replacement))


@pytest.mark.parametrize("value", [5, None, 1.5, True, "abc", {"name": "x"}])
def test_tool_calls_that_are_not_a_list(value):
    with pytest.raises(ScriptError, match=r"turns\[0\]\.tool_calls: must be a list of tool rounds"):
        parse_script(mutate(VALID, ("turns", 0, "tool_calls"), value))


@fuzz_settings(weight=0.5)
@given(data=json_values)
def test_any_json_document(data):
    check(data)


def load_bytes(tmp_path, raw: bytes) -> None:
    path = tmp_path / "script.json"
    path.write_bytes(raw)
    try:
        load_script(path)
    except ScriptError as exc:
        assert str(exc).startswith(("script", "tools", "turns")), exc


@fuzz_settings(weight=0.5)
@given(raw=st.text(max_size=200).map(lambda t: t.encode("utf-8")))
@example(raw=b'{"turns": NaN}')
@example(raw=b"[" * 500)
def test_any_utf8_file(tmp_path_factory, raw):
    load_bytes(tmp_path_factory.mktemp("script"), raw)


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "script.json"
    path.write_bytes(b"\xff\xfe{\x00}")
    with pytest.raises(ScriptError, match="is not UTF-8 text"):
        load_script(path)


def test_a_file_nested_too_deeply(tmp_path):
    path = tmp_path / "script.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ScriptError, match="nests JSON too deeply"):
        load_script(path)


def test_a_missing_file_is_a_script_error(tmp_path):
    try:
        load_script(tmp_path / "nope.json")
    except ScriptError as exc:
        assert "cannot read" in str(exc)
    else:
        raise AssertionError("no error for a missing file")
