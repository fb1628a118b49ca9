"""Prompt tokens as OpenAI bills them, offline.

    count_request("chat_completions", "gpt-4.1", {"messages": [...], "tools": [...]})
    count_request("responses", "gpt-5", {"input": [...], "instructions": "..."})
    python -m agentloop.tokens count-requests requests.jsonl

A request is rendered the way OpenAI's servers render it for the model (`chat`: messages, tool
definitions as TypeScript, tool calls and results, Structured Outputs formats, per model family;
`responses`: the Responses API's input items mapped onto the same prompt), then counted with tiktoken.
What cannot be counted from the request alone (an image at a remote URL, a `previous_response_id`, hosted
tools' results, encrypted reasoning) is named in `RequestCount.not_counted`, never silently zero.

The per-message helpers (`count_message`, `count_messages`, `count_tools`) give the same numbers piece by
piece, for the loop's history budget and the estimator's inputs; they take a model id or an encoding name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentloop.tokens import responses
from agentloop.tokens.chat import render_chat
from agentloop.tokens.encodings import (
    ProvisionError,
    count_text,
    encoding_for_model,
    get_encoding,
    provision_all,
    provision_encoding,
)
from agentloop.tokens.rendered import TOKENS_PRIMING_REPLY, Rendered, count_rendered, family

__all__ = [
    "APIS",
    "ProvisionError",
    "RequestCount",
    "TOKENS_PER_TOOL_CALL",
    "TOKENS_PRIMING_REPLY",
    "count_message",
    "count_messages",
    "count_request",
    "count_text",
    "count_tools",
    "encoding_for_model",
    "family",
    "get_encoding",
    "provision_all",
    "provision_encoding",
]

APIS = ("chat_completions", "responses")
TOKENS_PER_TOOL_CALL = 3  # output framing of one tool call the model writes
# A model that stands for an encoding when a helper is given the encoding's name.
ENCODING_MODELS = {"o200k_base": "gpt-4o", "cl100k_base": "gpt-4"}


@dataclass(frozen=True, slots=True)
class RequestCount:
    """A request's prompt tokens, and what they leave out (empty when the count is complete)."""

    prompt_tokens: int
    not_counted: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"prompt_tokens": self.prompt_tokens}
        if self.not_counted:
            body["not_counted"] = list(self.not_counted)
        return body


def render_request(api: str, model: str, request: object) -> Rendered:
    """The prompt a Chat Completions or Responses request becomes; ValueError names the field at fault."""
    if api not in APIS:
        raise ValueError(f"api: must be one of {', '.join(APIS)}")
    if not isinstance(request, dict):
        raise ValueError("request: must be a JSON object")
    if not isinstance(model, str) or not model:
        raise ValueError("model: a model id is required")
    if api == "responses":
        chat, not_counted, hosted = responses.chat_request(request, harmony=family(model) == "harmony")
        rendered = render_chat({**chat, "model": model}, api="responses")
        rendered.not_counted[:0] = not_counted
        if hosted:
            rendered.add(hosted, 0)  # the hosted tools' definitions, at the top of the prompt
        return rendered
    return render_chat({**request, "model": model})


def count_request(api: str, model: str, request: object) -> RequestCount:
    """Prompt tokens of one request as OpenAI bills them (`usage.prompt_tokens` / `usage.input_tokens`)."""
    rendered = render_request(api, model, request)
    return RequestCount(count_rendered(rendered), tuple(rendered.not_counted))


def _model(model_or_encoding: str) -> str:
    return ENCODING_MODELS.get(model_or_encoding, model_or_encoding)


def count_messages(messages: list[dict], model_or_encoding: str) -> int:
    """Prompt tokens of `messages` alone (no tools), the reply's priming included."""
    return count_rendered(render_chat({"model": _model(model_or_encoding), "messages": messages}))


def count_message(message: dict, model_or_encoding: str, tool_names: dict[str, str] | None = None) -> int:
    """One message's tokens, without the reply's priming; `tool_names` maps tool_call ids to names
    (a tool result's header names its function)."""
    model = _model(model_or_encoding)
    rendered = render_chat({"model": model, "messages": [message]})
    if message.get("role") == "tool" and tool_names:
        name = tool_names.get(str(message.get("tool_call_id", "")), "")
        rendered.messages = [
            (header[:1] + (name,) + header[2:], content) for header, content in rendered.messages
        ]
    priming = count_rendered(Rendered(model=model))
    return count_rendered(rendered) - priming


def count_tools(tools: list[dict], model_or_encoding: str) -> int:
    """Tokens tool definitions add to a request that has a system message; 0 for no tools."""
    if not tools:
        return 0
    model = _model(model_or_encoding)
    base = {"model": model, "messages": [{"role": "system", "content": ""}]}
    return count_rendered(render_chat({**base, "tools": tools})) - count_rendered(render_chat(base))
