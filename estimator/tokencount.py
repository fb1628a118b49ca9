"""The token counter: a pasted system prompt, tool definitions, user message and reply, in tokens.

Counted with tiktoken in the chosen model's encoding through `agentloop.tokens` (encodings are local:
nothing is fetched). Each figure is what that part adds to a request, as OpenAI's cookbook counts it:

- system prompt: the system message with its per-message overhead, plus the 3 tokens every request
  spends priming the reply (they are sent with every call, like the instructions);
- tool definitions: `count_tools`, the cookbook's rules for function definitions;
- user message: the user message with its per-message overhead;
- reply: the reply's own text, which is what the model is billed for writing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from agentloop import tokens as tiktoken_counts
from estimator.forms import TOKEN_FIELDS
from pricing.models import LanguageModel
from pricing.workload import FIELDS_BY_NAME

MAX_TEXT_BYTES = 200 * 1024
TEXT_FIELDS = {
    "system_prompt": "System prompt",
    "tools_json": "Tool definitions (JSON)",
    "user_message": "Sample user message",
    "assistant_reply": "Sample reply",
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
    return encoding or tiktoken_counts.encoding_for_model(model_id)


def valid_model_id(model_id: str) -> bool:
    """A plausible id: short, printable. A NUL byte would be a database error (500) on PostgreSQL."""
    return 0 < len(model_id) <= 100 and model_id.isprintable()


def _tools(text: str) -> list[dict]:
    """A JSON list of tools, Chat Completions shape ({"type", "function": {...}}) or Responses' flat one."""
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise TokenCountError({"tools_json": [f"is not valid JSON: {exc}."]}) from None
    except RecursionError:
        raise TokenCountError({"tools_json": ["is nested too deeply to be a list of tools."]}) from None
    if isinstance(data, dict) and isinstance(data.get("tools"), list):
        data = data["tools"]
    if not isinstance(data, list):
        raise TokenCountError({"tools_json": ["must be a JSON list of tools."]})
    tools = []
    for index, tool in enumerate(data, start=1):
        if not isinstance(tool, dict):
            raise TokenCountError({"tools_json": [f"tool {index} is not a JSON object."]})
        function = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        name = function.get("name")
        if not isinstance(name, str) or not name:
            raise TokenCountError({"tools_json": [f'tool {index} has no "name".']})
        parameters = function.get("parameters") or {}
        properties = parameters.get("properties") if isinstance(parameters, dict) else None
        if properties is not None and not isinstance(properties, dict):
            raise TokenCountError({"tools_json": [f'tool {index} ({name}): "properties" must be an object.']})
        cleaned = {}
        for key, prop in (properties or {}).items():
            prop = prop if isinstance(prop, dict) else {}
            cleaned[key] = {
                "type": prop.get("type", "") if isinstance(prop.get("type", ""), str) else "",
                "description": str(prop.get("description", "")),
                **({"enum": list(prop["enum"])} if isinstance(prop.get("enum"), list) else {}),
            }
        description = function.get("description", "")
        tools.append(
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": description if isinstance(description, str) else "",
                    "parameters": {"type": "object", "properties": cleaned},
                },
            }
        )
    return tools


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


def count_tokens(texts: dict[str, str], model_id: str) -> TokenCounts:
    """Token counts for the workload's four token fields; only the boxes that hold text are counted."""
    check_sizes(texts)
    encoding = encoding_for(model_id)
    counts: dict[str, int] = {}
    tools = _tools(texts.get("tools_json", ""))
    system = texts.get("system_prompt", "")
    if system.strip():
        counts["system_prompt_tokens"] = (
            tiktoken_counts.count_message({"role": "system", "content": system}, encoding)
            + tiktoken_counts.TOKENS_PRIMING_REPLY
        )
    if texts.get("tools_json", "").strip():
        counts["tool_schema_tokens"] = tiktoken_counts.count_tools(tools, encoding)
    user = texts.get("user_message", "")
    if user.strip():
        counts["user_message_tokens"] = tiktoken_counts.count_message(
            {"role": "user", "content": user}, encoding
        )
    reply = texts.get("assistant_reply", "")
    if reply.strip():
        counts["assistant_reply_tokens"] = tiktoken_counts.count_text(reply, encoding)
    if not counts:
        raise TokenCountError({"system_prompt": ["Paste at least one text to count."]})
    return TokenCounts(encoding=encoding, model=model_id, counts=counts, tool_count=len(tools))
