"""Reading an API request: its JSON body or its query string, with the limits the API promises.

A body must be `application/json` (else 415), at most `ESTIMATE_MAX_BODY_BYTES` (else 413), valid JSON
with no NaN or Infinity, an object, and at most 20 levels deep; JSON numbers become exact Decimals, so
0.1 is 0.1. Each failure is a `BadRequest` whose errors name `body`.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest

MAX_JSON_DEPTH = 20


class BadRequest(Exception):
    """A request the API cannot read: `status` says how (400, 413, 415), `errors` names the field."""

    def __init__(self, status: int, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.status = status
        self.errors = errors


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _depth(value: object, limit: int = MAX_JSON_DEPTH) -> int:
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def json_body(request: HttpRequest) -> dict:
    """The request's JSON object, or BadRequest with a status that says what was wrong."""
    content_type = request.content_type or ""
    if content_type != "application/json":
        raise BadRequest(
            415, {"body": [f"Send JSON with Content-Type: application/json (got {content_type!r})."]}
        )
    length = request.META.get("CONTENT_LENGTH") or "0"
    limit = settings.ESTIMATE_MAX_BODY_BYTES
    if not length.isdigit() or int(length) > limit:
        raise BadRequest(413, {"body": [f"The body is over the {limit // 1024} KB limit."]})
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise BadRequest(413, {"body": [f"The body is over the {limit // 1024} KB limit."]})
    try:
        # Decimal keeps 0.1 exact; NaN and Infinity are refused rather than priced.
        data = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadRequest(400, {"body": [f"Malformed JSON: {str(exc)[:200]}"]}) from None
    if not isinstance(data, dict):
        raise BadRequest(400, {"body": ["Expected a JSON object of inputs."]})
    if _depth(data) > MAX_JSON_DEPTH:
        raise BadRequest(400, {"body": [f"JSON nested deeper than {MAX_JSON_DEPTH} levels."]})
    return data


def query_parameters(request: HttpRequest) -> dict:
    try:
        return {key: request.GET.get(key) for key in request.GET}
    except TooManyFieldsSent:
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        raise BadRequest(400, {"body": [f"Too many query parameters (at most {limit:,})."]}) from None
