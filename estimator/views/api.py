"""The JSON API: `/api/estimate`, `/api/prices`, `/api/prices/<model>`.

Views only parse, call one function and render. Every bad input is a 4xx whose body names the field:
`{"errors": {"field": ["message", ...]}}`.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from estimator.services import EstimateInputError, estimate_compute, parse_as_of
from pricing.catalog import PriceTableError, price_list, price_sheet_for

MAX_JSON_DEPTH = 20


class BadRequest(Exception):
    def __init__(self, status: int, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.status = status
        self.errors = errors


def error_response(status: int, errors: dict[str, list[str]]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _depth(value, limit: int = MAX_JSON_DEPTH) -> int:
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


def query_inputs(request: HttpRequest) -> dict:
    try:
        return {key: request.GET.get(key) for key in request.GET}
    except TooManyFieldsSent:
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        raise BadRequest(400, {"body": [f"Too many query parameters (at most {limit:,})."]}) from None


@csrf_exempt  # A JSON API for scripts: no cookies are read, so there is nothing to forge.
@require_http_methods(["GET", "POST"])
def estimate_api(request: HttpRequest) -> JsonResponse:
    try:
        inputs = json_body(request) if request.method == "POST" else query_inputs(request)
        result = estimate_compute(inputs)
    except BadRequest as exc:
        return error_response(exc.status, exc.errors)
    except EstimateInputError as exc:
        return error_response(400, exc.errors)
    return JsonResponse(result.to_dict())


@require_GET
def prices_api(request: HttpRequest) -> JsonResponse:
    try:
        as_of = parse_as_of(request.GET.get("as_of"))
    except EstimateInputError as exc:
        return error_response(400, exc.errors)
    return JsonResponse(price_list(as_of))


@require_GET
def model_prices_api(request: HttpRequest, model: str) -> JsonResponse:
    try:
        as_of = parse_as_of(request.GET.get("as_of"))
        sheet = price_sheet_for(model, as_of)
    except EstimateInputError as exc:
        return error_response(400, exc.errors)
    except PriceTableError as exc:
        return error_response(404, {exc.field: [str(exc)]})
    return JsonResponse(sheet.to_dict())
