"""OpenTelemetry GenAI spans (the `gen_ai.*` semantic conventions) as OTLP JSON.

Model calls are spans whose `gen_ai.operation.name` is `chat` (or `text_completion`,
`generate_content`, `responses`); `execute_tool` spans are the tools they asked for. A conversation is
`gen_ai.conversation.id`, or the trace when there is none. Span exporters write spans in batches, not
in time order, so the compact call records (no text unless kept) are gathered per conversation and
sorted by start time before they go on: memory grows with the number of calls, not with the file.
Usage attributes are read under the names OpenLLMetry, Logfire, Phoenix, Langfuse and the OpenAI
Agents SDK's exporters use (`USAGE_ATTRIBUTES`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from agentloop.usage import Usage
from runs.traces import fields
from runs.traces.reader import CountingReader, json_document_items, json_lines
from runs.traces.records import ToolUse, TraceCall, TraceFormatError

MODEL_CALLS = {"chat", "text_completion", "generate_content", "responses", "response"}
TOOL_CALLS = {"execute_tool"}
USAGE_ATTRIBUTES = {
    "prompt_tokens": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "cached_tokens": (
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
        "gen_ai.usage.input_tokens_details.cached_tokens",
    ),
    "cache_write_tokens": (
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_creation_input_tokens",
    ),
    "completion_tokens": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    "reasoning_tokens": (
        "gen_ai.usage.reasoning.output_tokens",
        "gen_ai.usage.reasoning_tokens",
        "gen_ai.usage.output_tokens_details.reasoning_tokens",
    ),
}
OPENAI_PROVIDERS = {"", "openai", "azure.ai.openai", "azure_openai", "azure"}
SERVICE_TIERS = {"flex": "flex", "priority": "fast", "fast": "fast"}


def _value(value: object) -> object:
    if not isinstance(value, dict):
        return value
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return value["intValue"]  # a decimal string in OTLP JSON
    if "arrayValue" in value:
        return [_value(item) for item in (value["arrayValue"] or {}).get("values") or ()]
    return None


def _attributes(span: dict, line: int) -> dict:
    raw = span.get("attributes") or []
    if not isinstance(raw, list):
        raise TraceFormatError("must be a list of {key, value}", line=line, field="span.attributes")
    return {
        item["key"]: _value(item.get("value")) for item in raw if isinstance(item, dict) and "key" in item
    }


def _first(attributes: dict, names: tuple[str, ...]) -> tuple[str, object]:
    for name in names:
        if name in attributes:
            return name, attributes[name]
    return names[0], None


class _Spans:
    def __init__(self, keep_text: bool):
        self.keep_text = keep_text
        # Calls by conversation, with their trace; tool spans by trace (an execute_tool span need not
        # carry the conversation id).
        self.calls: dict[str, list[tuple[str, TraceCall]]] = defaultdict(list)
        self.tools: dict[str, list[tuple[datetime | None, str]]] = defaultdict(list)
        self.other_providers = 0

    def add(self, span: object, line: int) -> None:
        span = fields.mapping(span, "span", line)
        attributes = _attributes(span, line)
        operation = str(attributes.get("gen_ai.operation.name") or "")
        if operation not in MODEL_CALLS | TOOL_CALLS:
            return
        provider = str(
            attributes.get("gen_ai.provider.name") or attributes.get("gen_ai.system") or ""
        ).lower()
        if provider not in OPENAI_PROVIDERS:
            self.other_providers += 1
            return
        conversation = attributes.get("gen_ai.conversation.id") or span.get("traceId")
        key = fields.text(conversation, "span.traceId", line, required=True)
        start = fields.unix_nanos(span.get("startTimeUnixNano"), "span.startTimeUnixNano", line)
        trace = str(span.get("traceId") or key)
        if operation in TOOL_CALLS:
            self.tools[trace].append((start, str(attributes.get("gen_ai.tool.name") or "")))
            return
        self.calls[key].append((trace, self._call(span, attributes, key, start, line)))

    def _call(self, span: dict, attributes: dict, key: str, start: datetime | None, line: int) -> TraceCall:
        counts = {}
        for name, aliases in USAGE_ATTRIBUTES.items():
            attribute, value = _first(attributes, aliases)
            counts[name] = fields.token_count(value, attribute, line)
        usage = Usage(**counts)
        if usage.cached_tokens + usage.cache_write_tokens > usage.prompt_tokens:
            raise TraceFormatError(
                "exceed the input tokens", line=line, field="gen_ai.usage.cache_read.input_tokens"
            )
        model = fields.text(
            attributes.get("gen_ai.request.model") or attributes.get("gen_ai.response.model"),
            "gen_ai.request.model",
            line,
            required=True,
        )
        end = fields.unix_nanos(span.get("endTimeUnixNano"), "span.endTimeUnixNano", line)
        response_id = str(attributes.get("gen_ai.response.id") or "")
        operation = str(attributes.get("gen_ai.operation.name"))
        tier = attributes.get("openai.response.service_tier") or attributes.get(
            "gen_ai.openai.response.service_tier"
        )
        finish = attributes.get("gen_ai.response.finish_reasons") or []
        asked = any(str(reason) in ("tool_calls", "tool_call", "function_call") for reason in finish)
        return TraceCall(
            line=line,
            conversation_key=key,
            model=model,
            usage=usage,
            api="responses"
            if response_id.startswith("resp_") or operation.startswith("response")
            else "chat_completions",
            at=start,
            latency_ms=(end - start).total_seconds() * 1000 if start and end and end >= start else None,
            service_tier=SERVICE_TIERS.get(str(tier), "standard"),
            # Marked now, named below from the execute_tool spans that follow it.
            tool_uses=(ToolUse("function", ""),) if asked else (),
            text={"attributes": attributes} if self.keep_text else None,
        )

    def in_order(self) -> Iterator[TraceCall]:
        """Each conversation's calls by start time, each with the tools its trace ran before the next call."""
        for entries in self.calls.values():
            entries.sort(key=lambda entry: (entry[1].at is None, entry[1].at or datetime.min, entry[1].line))
            for index, (trace, call) in enumerate(entries):
                following = entries[index + 1][1].at if index + 1 < len(entries) else None
                names = [
                    name
                    for at, name in self.tools.get(trace, ())
                    if at and call.at and at >= call.at and (following is None or at < following)
                ]
                if names:
                    call.tool_uses = tuple(ToolUse("function", name) for name in names)
                yield call


def _export_spans(export: object, line: int) -> Iterator[object]:
    export = fields.mapping(export, "record", line)
    for resource in export.get("resourceSpans") or ():
        for scope in fields.mapping(resource, "resourceSpans[]", line).get("scopeSpans") or ():
            yield from fields.mapping(scope, "scopeSpans[]", line).get("spans") or ()


def otel_calls(
    stream: CountingReader, *, json_lines_mode: bool, keep_text: bool = False
) -> Iterator[TraceCall]:
    spans = _Spans(keep_text)
    if json_lines_mode:
        for line, export in json_lines(stream):
            for span in _export_spans(export, line):
                spans.add(span, line)
    else:
        for line, span in json_document_items(stream, "resourceSpans.item.scopeSpans.item.spans.item"):
            spans.add(span, line)
    if spans.other_providers:
        stream.progress.notes.append(
            f"{spans.other_providers} spans of other providers than OpenAI were skipped (no OpenAI prices)."
        )
    yield from spans.in_order()
