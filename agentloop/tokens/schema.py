"""JSON Schema as the text OpenAI's models read it in.

Function parameters reach the model as TypeScript-like types inside a `namespace functions { ... }` block,
the layout `openai-harmony` 0.0.8 renders for gpt-oss (byte for byte on every gpt-5 tool list in
../shared/data; not for nested objects, unions or `$ref`s, where the bills side with this module: README
has the figures): one property per line, its title and description as `//` comment lines above it (an
empty `//` line between the two), `?` marks an optional property, `// default: X` follows one with a
default, enums and `anyOf` are unions, `$ref` is resolved against `$defs`. A nested object's lines are not
indented, and an array of objects is `Array<`, the object (under its own title and description) and `>`
on lines of their own: the layout of the function definitions in ChatGPT's published system prompts
(canvas's `updates: Array<` ... `>`).
A Structured Outputs format is shown as compact JSON instead (`response_format_json`).

Measured against OpenAI's bills (`../shared/data`): the first property line of an object costs one token
less when no comment line precedes it (the line break after `{` merges into the name's token there), a
rule the counter applies as `Rendered.saved`.
"""

from __future__ import annotations

import json
from typing import Any

Schema = dict[str, Any]
MAX_DEPTH = 32  # a schema deeper than this (or a $ref cycle) renders as `any` past it
SCALARS = {"string": "string", "number": "number", "integer": "number", "boolean": "boolean", "null": "null"}
# Keywords a Structured Outputs schema loses before the model reads it: what the constrained decoder
# enforces itself (which properties are required, the bounds) and defaults, which it never applies.
# `additionalProperties: false` goes too; titles and descriptions stay.
HIDDEN_KEYWORDS = frozenset(
    {
        "required",
        "default",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
    }
)


def comment_lines(text: str) -> list[str]:
    """`// line` for each line of `text` (a multi-line description stays one comment per line), each
    line stripped of its own indentation: a docstring's `    Args:` reaches the model as `// Args:`
    (measured on OpenAI's bills: exact on every multi-line description in ../shared/data that way)."""
    return [f"// {line.strip()}".rstrip() for line in text.split("\n")]


def comments_of(schema: Schema) -> list[str]:
    """A schema's title and description as comment lines, an empty `//` line between the two (as
    openai-harmony renders them; invisible on o200k, where `//\n//` is one token, measured on cl100k)."""
    texts = [text for text in (schema.get("title"), schema.get("description")) if isinstance(text, str)]
    texts = [text for text in texts if text]
    lines = comment_lines(texts[0]) if texts else []
    if len(texts) == 2:
        lines += ["//", *comment_lines(texts[1])]
    return lines


def literal(value: Any) -> str:
    """A JSON value as a TypeScript literal."""
    return json.dumps(value, ensure_ascii=False)


class TypeScript:
    """Renders one schema; `$ref`s resolve into its `$defs` (or `definitions`)."""

    def __init__(self, root: Schema):
        self.defs: dict[str, Schema] = {}
        for key in ("$defs", "definitions"):
            if isinstance(root.get(key), dict):
                self.defs.update(root[key])
        self.saved = 0  # tokens the merged line breaks save (see the module's note)

    def resolve(self, schema: Schema, depth: int) -> Schema:
        ref = schema.get("$ref")
        if isinstance(ref, str) and depth < MAX_DEPTH:
            target = self.defs.get(ref.rsplit("/", 1)[-1])
            if isinstance(target, dict):
                merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
                return self.resolve(merged, depth + 1)
        return schema

    def type_of(self, schema: Any, depth: int = 0) -> str:
        """The TypeScript type of a (sub)schema."""
        if not isinstance(schema, dict) or depth >= MAX_DEPTH:
            return "any"
        schema = self.resolve(schema, depth)
        if "const" in schema:
            return literal(schema["const"])
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return " | ".join(literal(value) for value in schema["enum"])
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return " | ".join(self.type_of(option, depth + 1) for option in schema[key])
        kind = schema.get("type")
        if isinstance(kind, list):
            return " | ".join(self.type_of({**schema, "type": one}, depth + 1) for one in kind)
        if kind == "object" or (kind is None and isinstance(schema.get("properties"), dict)):
            return self.object_of(schema, depth)
        if kind == "array":
            items = schema.get("items")
            if not isinstance(items, dict):
                return "any[]"
            inner = self.type_of(items, depth + 1)
            if self.is_union(items, depth + 1):
                return f"({inner})[]"
            if inner.startswith("{"):  # an object: under its own comments, between `Array<` and `>`
                return "\n".join(["Array<", *comments_of(self.resolve(items, depth + 1)), inner, ">"])
            return f"{inner}[]"
        return SCALARS.get(kind, "any") if isinstance(kind, str) else "any"

    def is_union(self, schema: Schema, depth: int) -> bool:
        """Whether a schema renders as `A | B` (and needs parentheses before `[]`)."""
        schema = self.resolve(schema, depth)
        if "const" in schema:
            return False
        if isinstance(schema.get("enum"), list):
            return len(schema["enum"]) > 1
        if any(isinstance(schema.get(key), list) and len(schema[key]) > 1 for key in ("anyOf", "oneOf")):
            return True
        return isinstance(schema.get("type"), list) and len(schema["type"]) > 1

    def object_of(self, schema: Schema, depth: int) -> str:
        """`{ ... }` with one line per property (and its comments); `object` when it has none."""
        properties = schema.get("properties")
        if not isinstance(properties, dict) or not properties:
            return "object"
        required = set(schema.get("required") or ())
        lines = ["{"]
        for position, (name, prop) in enumerate(properties.items()):
            prop = self.resolve(prop, depth) if isinstance(prop, dict) else {}
            comments = comments_of(prop)
            lines.extend(comments)
            if position == 0 and not comments:
                self.saved += 1
            optional = "" if name in required else "?"
            line = f"{name}{optional}: {self.type_of(prop, depth + 1)},"
            if "default" in prop:
                line += f" // default: {literal(prop['default'])}"
            lines.append(line)
        lines.append("}")
        return "\n".join(lines)


def function_signature(
    name: str, description: Any, parameters: Any, show_title: bool = False, show_description: bool = False
) -> tuple[str, int]:
    """One function of a namespace, `type name = (_: {...}) => any;` under its description, and the tokens
    its merged line breaks save. `show_title`: the parameters' own title under the description (the o200k
    models); `show_description`: the parameters' own description as a comment line before their `{`, where
    openai-harmony renders an object's description (the gpt-5 family)."""
    lines = comment_lines(description.strip()) if isinstance(description, str) and description.strip() else []
    title = parameters.get("title") if isinstance(parameters, dict) and show_title else None
    if isinstance(title, str) and title.strip():
        lines.extend(comment_lines(title.strip()))
    properties = parameters.get("properties") if isinstance(parameters, dict) else None
    if not (isinstance(properties, dict) and properties):
        lines.append(f"type {name} = () => any;")
        return "\n".join(lines), 0
    renderer = TypeScript(parameters)
    own = parameters.get("description") if show_description else None
    before = (
        "".join(f"{line}\n" for line in comment_lines(own.strip()))
        if isinstance(own, str) and own.strip()
        else ""
    )
    lines.append(f"type {name} = (_: {before}{renderer.object_of(parameters, 0)}) => any;")
    return "\n".join(lines), renderer.saved


def namespace(name: str, signatures: list[str]) -> str:
    """`namespace NAME { ... } // namespace NAME` around rendered function signatures."""
    body = "\n\n".join(signatures)
    return f"namespace {name} {{\n\n{body}\n\n}} // namespace {name}"


def response_format_json(schema: Any) -> str:
    """A Structured Outputs schema as the model reads it: the schema less `HIDDEN_KEYWORDS`, in its own
    key order, as compact JSON with non-ASCII characters escaped (Python's `json.dumps` defaults).

    Measured on OpenAI's bills (`../shared/data`) and matching a leaked Responses prompt, where
    `{"type":"object","properties":{...},"additionalProperties":false,"required":[...]}` reached the
    model as `{"type":"object","properties":{...}}`."""
    return json.dumps(for_response_format(schema), separators=(",", ":"))


def for_response_format(schema: Any) -> Any:
    """A Structured Outputs schema less what the model never reads (a property *named* required stays)."""
    if isinstance(schema, list):
        return [for_response_format(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in HIDDEN_KEYWORDS and not isinstance(value, dict):
            continue
        if key == "additionalProperties" and value is False:
            continue
        if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, dict):
            out[key] = {name: for_response_format(sub) for name, sub in value.items()}
        else:
            out[key] = for_response_format(value)
    return out
