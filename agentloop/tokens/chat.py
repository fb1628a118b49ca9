"""A Chat Completions request as OpenAI renders it for the model (`rendered` counts the result).

- Tool definitions (`tools`, legacy `functions`, `custom` tools) and a Structured Outputs format join the
  first system or developer message after a blank line; a request without one gets a system message
  (so does every Responses request on the o200k models).
- An assistant tool call is a message from `assistant` to `functions.NAME` holding the arguments
  (valid JSON re-serialized compactly); parallel calls are one call to `multi_tool_use.parallel`
  (separate messages on the gpt-5 family, on its commentary channel). A tool result is a message from
  `functions.NAME`. On the gpt-5 family an earlier answer is on the `final` channel.
- A forced `tool_choice` (or `function_call`) adds `FORCED_FUNCTION_TOKENS` plus the name's tokens; on the
  gpt-5 family it adds nothing (the choice is enforced while sampling, not written into the prompt).
- A `name` on a message extends its header (`role:name`). An earlier answer under a Structured Outputs
  format adds `STRUCTURED_ANSWER_TOKENS`.
- Images: `media.image_tokens`; anything else that is not text is listed in `not_counted`.

The constants are measured on the bills in `../shared/data` (see tests/agentloop/test_tokens_real.py).
"""

from __future__ import annotations

import json
from typing import Any

from agentloop.tokens import media
from agentloop.tokens import schema as ts
from agentloop.tokens.encodings import count_text, encoding_for_model
from agentloop.tokens.rendered import END, SPECIAL, SYSTEM, Rendered, family

TOOLS_HEADER = "# Tools\n\n## functions\n\n"
TOOLS_BLOCK_SAVES = 1  # the namespace block costs one token less than its text (measured)
FORCED_FUNCTION_TOKENS = 7
RESPONSE_FORMAT_TOKENS = 4  # against the section's text (measured)
# An earlier answer in a request with a Structured Outputs format costs 4 more on the o200k models: the
# answer was written in that format, and is rendered marked as such (measured: crewAI's three such
# requests, each with one answer, were 4 short: ScoreOutput twice, SimpleOutput).
STRUCTURED_ANSWER_TOKENS = 4
# Chat Completions on the gpt-5 family adds a fixed block of tool instructions whenever function tools are
# sent; the Responses API does not (measured: the same for every tool list).
HARMONY_CHAT_TOOLS_TOKENS = 82
HARMONY_INSTRUCTIONS = "# Instructions\n\n"
# The Responses API renders tools and formats a little shorter than Chat Completions (measured).
RESPONSES_TOOLS_SAVE = 6
RESPONSES_FORMAT_SAVE = 7
HARMONY_CALL = (SPECIAL, "commentary")  # assistant<|channel|>commentary to=functions.NAME
HARMONY_RESULT = (SPECIAL, "commentary")  # functions.NAME<|channel|>commentary
HARMONY_FINAL = (SPECIAL, "final")  # assistant<|channel|>final
TEXT_PARTS = ("text", "input_text", "output_text")
IMAGE_PARTS = ("image_url", "input_image")


def arguments_text(arguments: Any) -> str:
    """Tool-call arguments as the model sees them: valid JSON is re-serialized compactly."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            text: str = arguments
            return text
    return json.dumps(arguments, separators=(",", ":"), ensure_ascii=False)


def _image(part: dict, rendered: Rendered, where: str) -> None:
    image = part.get("image_url")
    url = image.get("url", "") if isinstance(image, dict) else str(image or "")
    detail = (image.get("detail") if isinstance(image, dict) else None) or part.get("detail") or "auto"
    tokens = media.image_tokens(rendered.model, url, str(detail))
    if tokens is None:
        rendered.not_counted.append(f"{where}: an image whose size or formula is unknown")
    else:
        rendered.add(tokens)


def content_text(content: Any, rendered: Rendered, where: str) -> str:
    """The text of a message's content; images are priced by formula, other parts listed as not counted."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise ValueError(f"{where}.content: must be a string, a list of parts or null")
    texts = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in TEXT_PARTS or kind == "refusal":
            texts.append(str(part.get("text") or part.get("refusal") or ""))
        elif kind in IMAGE_PARTS:
            _image(part, rendered, f"{where}.content[{i}]")
        else:
            rendered.not_counted.append(f"{where}.content[{i}]: a {kind or 'non-text'} part")
    return "".join(texts)


def tool_functions(request: dict) -> list[dict]:
    """The functions a request defines: `tools` of type function or custom, and legacy `functions`."""
    tools = request.get("tools") or []
    if not isinstance(tools, list):
        raise ValueError("tools: must be a list")
    functions = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise ValueError(f"tools[{i}]: must be an object")
        if tool.get("type") == "custom":
            functions.append(tool.get("custom") or {})
        elif isinstance(tool.get("function"), dict):
            functions.append(tool["function"])
    functions.extend(f for f in request.get("functions") or () if isinstance(f, dict))
    return functions


def tools_section(functions: list[dict], rendered: Rendered) -> str:
    signatures = []
    # Both APIs show the parameters' title under the description on the o200k models (measured: every
    # titled parameters object in ../shared/data was short by its title's tokens without it).
    show_title = family(rendered.model) == "o200k"
    for function in functions:
        text, saved = ts.function_signature(
            str(function.get("name", "")),
            function.get("description"),
            function.get("parameters"),
            show_title,
            family(rendered.model) == "harmony",
        )
        signatures.append(text)
        rendered.add(-saved, SYSTEM)
    rendered.add(-TOOLS_BLOCK_SAVES, SYSTEM)
    return TOOLS_HEADER + ts.namespace("functions", signatures)


def structured_format(request: dict) -> dict | None:
    """The `json_schema` of a Structured Outputs `response_format`, if the request asks for one."""
    response_format = request.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema")
    return spec if isinstance(spec, dict) else {}


def response_format_section(request: dict, rendered: Rendered, api: str = "chat_completions") -> str | None:
    """A Structured Outputs format: its name, then its name, description and schema as compact JSON."""
    spec = structured_format(request)
    if spec is None:
        return None
    name = str(spec.get("name", "response"))
    description = spec.get("description")
    comment = f"// {description}\n" if isinstance(description, str) and description else ""
    # Joined to Chat Completions' tool block, the format's framing is already paid for (measured).
    if not (api == "chat_completions" and tool_functions(request)):
        rendered.add(RESPONSE_FORMAT_TOKENS, SYSTEM)
    body = ts.response_format_json(spec.get("schema") or {})
    return f"# Response Formats\n\n## {name}\n\n{comment}{body}"


def forced_function(request: dict) -> str | None:
    """The function a `tool_choice` (or legacy `function_call`) forces, if it names one."""
    choice = request.get("tool_choice") or request.get("function_call")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        return str(name) if name else None
    return None


def parallel_text(calls: list[dict]) -> str:
    """Parallel tool calls as the arguments of one call to `multi_tool_use.parallel`."""
    uses = []
    for call in calls:
        function = call.get("function") or {}
        try:
            parameters = json.loads(function.get("arguments") or "{}")
        except ValueError:
            parameters = function.get("arguments")
        uses.append({"recipient_name": f"functions.{function.get('name', '')}", "parameters": parameters})
    return json.dumps({"tool_uses": uses}, separators=(",", ":"), ensure_ascii=False)


def _calls(calls: list[dict], harmony: bool) -> list[tuple[tuple[str, ...], str]]:
    if len(calls) > 1 and not harmony:
        return [(("assistant", " to=multi_tool_use.parallel"), parallel_text(calls))]
    rendered: list[tuple[tuple[str, ...], str]] = []
    for call in calls:
        function = call.get("function") or {}
        name = str(function.get("name", ""))
        header = (
            ("assistant", *HARMONY_CALL, " to=functions.", name)
            if harmony
            else ("assistant", " to=functions.", name)
        )
        rendered.append((header, arguments_text(function.get("arguments", ""))))
    return rendered


def _system_sections(request: dict, rendered: Rendered, api: str) -> list[str]:
    sections = []
    functions = tool_functions(request)
    if functions:
        sections.append(tools_section(functions, rendered))
        if api == "chat_completions" and family(rendered.model) == "harmony":
            rendered.add(HARMONY_CHAT_TOOLS_TOKENS, SYSTEM)
        if api == "responses" and family(rendered.model) != "harmony":
            rendered.add(-RESPONSES_TOOLS_SAVE, SYSTEM)
    formats = response_format_section(request, rendered, api)
    if formats:
        sections.append(formats)
        if api == "responses":
            rendered.add(-RESPONSES_FORMAT_SAVE, SYSTEM)
    return sections


def _header(message: dict, role: str, rendered: Rendered, structured: bool) -> tuple[str, ...]:
    """A message's header: its role (`role:name` with a name); an answer the model gave is on harmony's
    `final` channel, and under a Structured Outputs format it carries `STRUCTURED_ANSWER_TOKENS` more."""
    header = (role, f":{message['name']}") if message.get("name") else (role,)
    if role != "assistant":
        return header
    if family(rendered.model) == "harmony":
        return (*header, *HARMONY_FINAL)
    if structured:
        rendered.add(STRUCTURED_ANSWER_TOKENS)
    return header


def render_chat(request: dict, api: str = "chat_completions") -> Rendered:
    """The prompt a Chat Completions request becomes (`api` "responses" for one converted from there)."""
    if not isinstance(request, dict):
        raise ValueError("request: must be a JSON object")
    messages = request.get("messages")
    if not isinstance(messages, list):
        raise ValueError("messages: must be a list")
    rendered = Rendered(model=str(request.get("model") or ""))
    harmony = family(rendered.model) == "harmony"
    sections = _system_sections(request, rendered, api)
    first = messages[0] if messages and isinstance(messages[0], dict) else {}
    # The Responses API gives its tools and formats a system message of their own on the o200k models;
    # Chat Completions appends them to the request's first system or developer message.
    separate = api == "responses" and not harmony
    if sections and (separate or first.get("role") not in ("system", "developer")):
        rendered.add(rendered.extras.pop(SYSTEM, 0))
        rendered.messages.append((("system",), "\n\n".join(sections)))
        sections = []
    names: dict[str, str] = {}
    structured = structured_format(request) is not None
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise ValueError(f"messages[{i}]: must be an object")
        role = str(message.get("role", ""))
        text = content_text(message.get("content"), rendered, f"messages[{i}]")
        if sections and role in ("system", "developer"):
            if harmony:  # harmony's developer message: `# Instructions` above the text when tools follow
                text = f"{HARMONY_INSTRUCTIONS}{text}"
            text, sections = "\n\n".join([text, *sections]), []
            rendered.add(rendered.extras.pop(SYSTEM, 0))
        calls = [call for call in message.get("tool_calls") or () if isinstance(call, dict)]
        for call in calls:
            names[str(call.get("id", ""))] = str((call.get("function") or {}).get("name", ""))
        if role in ("tool", "function"):
            name = names.get(str(message.get("tool_call_id", "")), str(message.get("name") or ""))
            header: tuple[str, ...] = (
                ("functions.", name, *HARMONY_RESULT) if harmony else ("functions.", name)
            )
            rendered.messages.append((header, text))
            continue
        if text or not calls:
            rendered.messages.append((_header(message, role, rendered, structured and bool(text)), text))
        legacy = message.get("function_call")
        if isinstance(legacy, dict):
            calls.append({"function": legacy})
        rendered.messages.extend(_calls(calls, harmony))
    forced = forced_function(request)
    if forced is not None and not harmony:
        rendered.add(FORCED_FUNCTION_TOKENS + count_text(forced, encoding_for_model(rendered.model)), END)
    return rendered
