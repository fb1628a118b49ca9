"""A Chat Completions request as OpenAI renders it for the model, and its prompt tokens.

Each message is `<|im_start|>{header}<|im_sep|>{content}<|im_end|>`: 3 tokens of framing, the header's
pieces (each tokenized on its own) and the content; the reply is primed with 3 more
(`<|im_start|>assistant<|im_sep|>`; 2 on the gpt-5 family, whose harmony format primes `<|start|>assistant`).

- Tool definitions (`tools`, legacy `functions`, `custom` tools) and a Structured Outputs format join the
  first system or developer message after a blank line; a request without one gets a system message
  (so does every Responses request on the o200k models).
- An assistant tool call is a message from `assistant` to `functions.NAME` holding the arguments
  (valid JSON re-serialized compactly); parallel calls are one call to `multi_tool_use.parallel`
  (separate messages on the gpt-5 family, on its commentary channel). A tool result is a message from
  `functions.NAME`. On the gpt-5 family an earlier answer is on the `final` channel.
- A forced `tool_choice` (or `function_call`) adds `FORCED_FUNCTION_TOKENS` plus the name's tokens.
- A `name` on a message extends its header (`role:name`).
- Images: `media.image_tokens`; anything else that is not text is listed in `not_counted`.

The constants are measured on the bills in `../shared/data` (see tests/agentloop/test_tokens_real.py).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from agentloop.tokens import media
from agentloop.tokens import schema as ts
from agentloop.tokens.encodings import count_text, encoding_for_model, get_encoding

TOKENS_PER_MESSAGE = 3
TOKENS_PRIMING_REPLY = 3
HARMONY_PRIMING_REPLY = 2
TOOLS_HEADER = "# Tools\n\n## functions\n\n"
TOOLS_BLOCK_SAVES = 1  # the namespace block costs one token less than its text (measured)
FORCED_FUNCTION_TOKENS = 7
RESPONSE_FORMAT_TOKENS = 4  # against the section's text (measured)
# Chat Completions on the gpt-5 family adds a fixed block of tool instructions whenever function tools are
# sent; the Responses API does not (measured: the same for every tool list).
HARMONY_CHAT_TOOLS_TOKENS = 82
HARMONY_INSTRUCTIONS = "# Instructions\n\n"
# The Responses API renders tools and formats a little shorter than Chat Completions (measured).
RESPONSES_TOOLS_SAVE = 6
RESPONSES_FORMAT_SAVE = 7
SPECIAL = "\x00"  # a header piece that is one special token (harmony's <|channel|>)
HARMONY_CALL = (SPECIAL, "commentary")  # assistant<|channel|>commentary to=functions.NAME
HARMONY_RESULT = (SPECIAL, "commentary")  # functions.NAME<|channel|>commentary
HARMONY_FINAL = (SPECIAL, "final")  # assistant<|channel|>final
TEXT_PARTS = ("text", "input_text", "output_text")
IMAGE_PARTS = ("image_url", "input_image")


SYSTEM = -2  # `Rendered.extras` key while rendering: the system message that receives the sections
END = -1  # `Rendered.extras` key for tokens after the last message (a forced tool choice)


@dataclass
class Rendered:
    """The rendered prompt: per message its header pieces and content, plus what is not text."""

    model: str
    messages: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    # Tokens that are not the messages' text, by message index (END: after the last one): images by
    # formula, a forced tool choice, the measured costs of tool and format blocks.
    extras: dict[int, int] = field(default_factory=dict)
    not_counted: list[str] = field(default_factory=list)

    def add(self, tokens: int, at: int | None = None) -> None:
        """Extra tokens in message `at` (default: the next message to be rendered)."""
        index = len(self.messages) if at is None else at
        self.extras[index] = self.extras.get(index, 0) + tokens

    @property
    def extra_tokens(self) -> int:
        return sum(self.extras.values())


def family(model: str) -> str:
    """`cl100k` (gpt-4, gpt-3.5), `harmony` (gpt-5 and later) or `o200k` (gpt-4o, gpt-4.1, o-series)."""
    if encoding_for_model(model) == "cl100k_base":
        return "cl100k"
    name = model.rsplit("/", 1)[-1]
    return "harmony" if name.startswith(("gpt-5", "gpt-6")) else "o200k"


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
            str(function.get("name", "")), function.get("description"), function.get("parameters"), show_title
        )
        signatures.append(text)
        rendered.add(-saved, SYSTEM)
    rendered.add(-TOOLS_BLOCK_SAVES, SYSTEM)
    return TOOLS_HEADER + ts.namespace("functions", signatures)


def response_format_section(request: dict, rendered: Rendered, api: str = "chat_completions") -> str | None:
    """A Structured Outputs format: its name, then its name, description and schema as compact JSON."""
    response_format = request.get("response_format")
    if not isinstance(response_format, dict) or response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema") or {}
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
            header = (role, f":{message['name']}") if message.get("name") else (role,)
            if harmony and role == "assistant":  # an answer the model gave: <|channel|>final
                header = (*header, *HARMONY_FINAL)
            rendered.messages.append((header, text))
        legacy = message.get("function_call")
        if isinstance(legacy, dict):
            calls.append({"function": legacy})
        rendered.messages.extend(_calls(calls, harmony))
    forced = forced_function(request)
    if forced is not None:
        rendered.add(FORCED_FUNCTION_TOKENS + count_text(forced, encoding_for_model(rendered.model)), END)
    return rendered


def primes_like_harmony(model: str) -> bool:
    """The gpt-5 family and the o-series reasoning models prime the reply with 2 tokens, not 3."""
    name = model.rsplit("/", 1)[-1]
    return family(model) == "harmony" or (len(name) > 1 and name[0] == "o" and name[1].isdigit())


# Ids outside every vocabulary for the framing tokens and for extras, so they never equal a text token.
IM_START, IM_SEP, IM_END, CHANNEL = 1 << 30, (1 << 30) + 1, (1 << 30) + 2, (1 << 30) + 3
PLACEHOLDER = (1 << 30) + 16


def rendered_tokens(rendered: Rendered) -> list[int]:
    """The prompt as token ids, for the prefix cache: framing and extras as ids no text can produce,
    an extra's ids derived from its message so identical prompts give identical sequences.
    `len(rendered_tokens(r)) == count_rendered(r)`."""
    encoding = encoding_for_model(rendered.model)
    tokens: list[int] = []
    for index, (header, content) in enumerate(rendered.messages):
        tokens.append(IM_START)
        for piece in header:
            tokens.extend([CHANNEL] if piece == SPECIAL else _encode(piece, encoding))
        tokens.append(IM_SEP)
        body = list(_encode(content, encoding))
        extra = rendered.extras.get(index, 0)
        if extra < 0:
            del body[max(0, len(body) + extra) :]
        tokens.extend(body)
        tokens.extend(_placeholders(extra, index, content))
        tokens.append(IM_END)
    tokens.extend(_placeholders(rendered.extras.get(END, 0), END, ""))
    priming = HARMONY_PRIMING_REPLY if primes_like_harmony(rendered.model) else TOKENS_PRIMING_REPLY
    return tokens + [IM_START, *_encode("assistant", encoding), IM_SEP][:priming]


@lru_cache(maxsize=1024)
def _encode(text: str, encoding: str) -> tuple[int, ...]:
    """A text's token ids; memoised, since a conversation re-sends the same system prompt and tools."""
    tokenizer = get_encoding(encoding)
    try:
        return tuple(tokenizer.encode_ordinary(text))
    except UnicodeEncodeError:  # a lone surrogate: counted as the replacement character it becomes
        return tuple(tokenizer.encode_ordinary(text.encode("utf-8", "replace").decode()))


def _placeholders(count: int, index: int, content: str) -> list[int]:
    seed = zlib.crc32(f"{index}:{content[:64]}".encode("utf-8", "replace")) & 0xFFFF
    return [PLACEHOLDER + seed + i for i in range(max(0, count))]


def count_rendered(rendered: Rendered) -> int:
    """Prompt tokens of a rendered request."""
    encoding = encoding_for_model(rendered.model)
    tokens = HARMONY_PRIMING_REPLY if primes_like_harmony(rendered.model) else TOKENS_PRIMING_REPLY
    tokens += rendered.extra_tokens
    for header, content in rendered.messages:
        tokens += TOKENS_PER_MESSAGE + count_text(content, encoding)
        tokens += sum(1 if piece == SPECIAL else count_text(piece, encoding) for piece in header)
    return tokens
