"""The token counter: a pasted system prompt, tool definitions, user message and reply, or a whole
request body, in tokens.

Counted by `agentloop.tokens`, which renders a request the way OpenAI's servers do for the chosen model's
family (encodings are local: nothing is fetched). Each figure is what that part adds to a request:

- system prompt: the system message with its per-message overhead, plus the tokens every request spends
  priming the reply (they are sent with every call, like the instructions);
- tool definitions: what the definitions add to the system message, rendered as the model reads them;
- user message: the user message with its per-message overhead;
- reply: the reply's own text, which is what the model is billed for writing;
- a whole request (Chat Completions or Responses JSON): its prompt tokens as OpenAI bills them, what could
  not be counted from the body alone, and the four fields above taken from it where their boxes are empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agentloop.tokens import (
    RequestCount,
    count_message,
    count_messages,
    count_request,
    count_text,
    count_tools,
    encoding_for_model,
)
from estimator.forms import TOKEN_FIELDS
from pricing.models import LanguageModel
from pricing.workload import FIELDS_BY_NAME

MAX_TEXT_BYTES = 200 * 1024
TEXT_FIELDS = {
    "system_prompt": "System prompt",
    "tools_json": "Tool definitions (JSON)",
    "user_message": "Sample user message",
    "assistant_reply": "Sample reply",
    "request_json": "Whole request body (JSON)",
}


class TokenCountError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class TokenCounts:
    encoding: str
    model: str
    counts: dict[str, int] = field(default_factory=dict)  # workload field -> tokens
    tool_count: int = 0
    request: RequestCount | None = None  # a whole pasted request
    request_api: str = ""

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        """(field, its form label, tokens) for each counted field, in the form's order."""
        return [
            (name, FIELDS_BY_NAME[name].label, self.counts[name])
            for name in TOKEN_FIELDS
            if name in self.counts
        ]


def encoding_for(model_id: str) -> str:
    """The price table's tokenizer for the model; tiktoken's mapping when the table does not know it."""
    if not valid_model_id(model_id):
        raise TokenCountError({"model": ["must be a model id from the price table."]})
    encoding = LanguageModel.objects.filter(pk=model_id).values_list("encoding", flat=True).first()
    return encoding or encoding_for_model(model_id)


def valid_model_id(model_id: str) -> bool:
    """A plausible id: short, printable. A NUL byte would be a database error (500) on PostgreSQL."""
    return 0 < len(model_id) <= 100 and model_id.isprintable()


def _json(text: str, field_name: str, what: str) -> object:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise TokenCountError({field_name: [f"is not valid JSON: {exc}."]}) from None
    except RecursionError:
        raise TokenCountError({field_name: [f"is nested too deeply to be {what}."]}) from None


def tools_in_chat_shape(data: object, field_name: str = "tools_json") -> list[dict]:
    """A JSON list of tools, Chat Completions shape ({"type", "function": {...}}) or Responses' flat one,
    as Chat Completions tools; a field-named error for anything else."""
    if isinstance(data, dict) and isinstance(data.get("tools"), list):
        data = data["tools"]
    if not isinstance(data, list):
        raise TokenCountError({field_name: ["must be a JSON list of tools."]})
    tools = []
    for index, tool in enumerate(data, start=1):
        if not isinstance(tool, dict):
            raise TokenCountError({field_name: [f"tool {index} is not a JSON object."]})
        nested = tool.get("function")
        function: dict[str, Any] = nested if isinstance(nested, dict) else tool
        name = function.get("name")
        if not isinstance(name, str) or not name:
            raise TokenCountError({field_name: [f'tool {index} has no "name".']})
        parameters = function.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            raise TokenCountError({field_name: [f'tool {index} ({name}): "parameters" must be an object.']})
        properties = (parameters or {}).get("properties")
        if properties is not None and not isinstance(properties, dict):
            raise TokenCountError({field_name: [f'tool {index} ({name}): "properties" must be an object.']})
        description = function.get("description")
        spec: dict[str, Any] = {
            "name": name,
            "description": description if isinstance(description, str) else "",
        }
        if parameters is not None:
            spec["parameters"] = parameters
        tools.append({"type": "function", "function": spec})
    return tools


def _tools(text: str) -> list[dict]:
    if not text.strip():
        return []
    return tools_in_chat_shape(_json(text, "tools_json", "a list of tools"))


def check_sizes(texts: dict[str, str]) -> None:
    errors = {}
    for name, text in texts.items():
        size = len(text.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            errors[name] = [
                f"is {size / 1024:,.0f} KB; the counter takes at most {MAX_TEXT_BYTES // 1024} KB per box."
            ]
    if errors:
        raise TokenCountError(errors)


def _request(text: str, model_id: str) -> tuple[str, str, dict]:
    """(api, model, body) of a pasted request: Chat Completions (with messages) or Responses (with input)."""
    body = _json(text, "request_json", "a request")
    if not isinstance(body, dict) or not ({"messages", "input"} & body.keys()):
        raise TokenCountError(
            {
                "request_json": [
                    'must be a Chat Completions body (with "messages") or a Responses body (with "input").'
                ]
            }
        )
    api = "chat_completions" if "messages" in body else "responses"
    named = body.get("model")
    model = named if isinstance(named, str) and valid_model_id(named) else model_id
    return api, model, body


def _request_parts(api: str, body: dict) -> dict[str, object]:
    """The system prompt, the tools and the last user message of a request, for the four fields."""
    if api == "responses":
        items = body.get("input")
        items = [{"role": "user", "content": items}] if isinstance(items, str) else items
        messages = [m for m in items or () if isinstance(m, dict) and m.get("type", "message") == "message"]
        if isinstance(body.get("instructions"), str):
            messages.insert(0, {"role": "system", "content": body["instructions"]})
    else:
        messages = [m for m in body.get("messages") or () if isinstance(m, dict)]
    system = next((m for m in messages if m.get("role") in ("system", "developer")), None)
    user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    functions = [
        t for t in body.get("tools") or () if isinstance(t, dict) and t.get("type", "function") == "function"
    ]
    return {
        "system": system,
        "user": user,
        "tools": tools_in_chat_shape(functions, "request_json") if functions else [],
    }


def count_tokens(texts: dict[str, str], model_id: str) -> TokenCounts:
    """Token counts for the workload's four token fields, and a pasted request's prompt tokens; only the
    boxes that hold text are counted (a box wins over the same part of the request)."""
    check_sizes(texts)
    encoding = encoding_for(model_id)
    result = TokenCounts(encoding=encoding, model=model_id)
    parts: dict[str, object] = {}
    if texts.get("request_json", "").strip():
        api, model, body = _request(texts["request_json"], model_id)
        try:
            result.request = count_request(api, model, body)
        except ValueError as exc:
            raise TokenCountError({"request_json": [f"{exc}."]}) from None
        result.request_api, result.model, result.encoding = api, model, encoding_for_model(model)
        parts = _request_parts(api, body)
    model = result.model
    system = texts.get("system_prompt", "")
    system_message = {"role": "system", "content": system} if system.strip() else parts.get("system")
    if isinstance(system_message, dict):
        result.counts["system_prompt_tokens"] = count_message(system_message, model) + count_messages(
            [], model
        )
    tools = _tools(texts.get("tools_json", "")) if texts.get("tools_json", "").strip() else parts.get("tools")
    if texts.get("tools_json", "").strip() or tools:
        result.counts["tool_schema_tokens"] = count_tools(tools, model)  # type: ignore[arg-type]
        result.tool_count = len(tools)  # type: ignore[arg-type]
    user = texts.get("user_message", "")
    user_message = {"role": "user", "content": user} if user.strip() else parts.get("user")
    if isinstance(user_message, dict):
        result.counts["user_message_tokens"] = count_message(user_message, model)
    reply = texts.get("assistant_reply", "")
    if reply.strip():
        result.counts["assistant_reply_tokens"] = count_text(reply, result.encoding)
    if not result.counts and result.request is None:
        raise TokenCountError({"system_prompt": ["Paste at least one text to count."]})
    return result
