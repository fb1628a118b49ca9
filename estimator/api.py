"""The JSON API on django-ninja: `/api/estimate`, `/api/prices`, `/api/prices/{model}`, its OpenAPI 3.1
document at `/api/openapi.json` and a readable page at `/api/docs`.

The inputs are the `Workload` pydantic model, and the OpenAPI document is its JSON Schema: every input
with its type, range, default, unit and group. The views read the request themselves
(`estimator.requests`) rather than through ninja's body and query parameters, because the API promises
more than ninja's parsing gives: 415 for a body that is not JSON and 413 for one over the limit (ninja
turns every parse failure into one 400 whose reason shows only in DEBUG), exact decimals for JSON numbers
(0.1 stays 0.1), and unknown query keys refused (ninja's query models drop them). Validation is the
same model either way. Every bad input is a 4xx whose body names the field:
`{"errors": {"field": ["message", ...]}}`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from estimator.budget import spends_compute
from estimator.requests import BadRequest, json_body, query_parameters
from estimator.services import EstimateInputError, estimate_compute, parse_as_of
from pricing.catalog import PriceTableError, price_list, price_sheet_for
from pricing.workload import Workload

api = NinjaAPI(
    title="AI agent cost estimator",
    version="2",
    description=(
        "What an AI agent costs per conversation and per month on OpenAI, run three ways: the Assistants "
        "API (shut down, the baseline), the Responses API and your own loop on Chat Completions. Inputs and "
        "rules: docs/cost-model.md (cost model version 2). Money, tokens and model calls are exact decimal "
        "strings."
    ),
    urls_namespace="api",
    docs=Swagger(settings={"defaultModelsExpandDepth": 0, "docExpansion": "list"}),
    docs_decorator=require_safe,  # the document and its page answer GET and HEAD only, like every page
)

ERRORS_SCHEMA = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "description": "Per field (an input, `as_of` or `body`), its messages.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
}
AS_OF_SCHEMA = {
    "type": "string",
    "format": "date",
    "description": "Price the estimate with the table in force on this date (YYYY-MM-DD, 2020-01-01 to "
    "2100-12-31); today when absent.",
}


def _error_responses(*statuses: int) -> dict[int, Any]:
    # Integer keys, as ninja writes its own responses: a "200" beside a 200 would be a duplicate key.
    return {
        status: {
            "description": "Bad input: every error names its field.",
            "content": {"application/json": {"schema": ERRORS_SCHEMA}},
        }
        for status in statuses
    }


ESTIMATE_RESPONSES: dict[int, Any] = {
    200: {
        "description": "The estimate: inputs with defaults filled in, the prices used, the population of "
        "conversation lengths, each way's figures, engineering and the verdict.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
}


def _input_schema() -> dict[str, Any]:
    """The Workload model's JSON Schema, with `as_of` beside the inputs."""
    schema = Workload.model_json_schema(ref_template="#/components/schemas/{model}")
    return {**schema, "properties": {**schema["properties"], "as_of": AS_OF_SCHEMA}}


def _estimate_by_query() -> dict[str, Any]:
    properties = _input_schema()["properties"]
    return {
        "description": "The inputs as query parameters (the histogram as `1:40,2:25`); absent ones take "
        "their defaults, unknown ones are errors.",
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in properties.items()
        ],
        "responses": {**ESTIMATE_RESPONSES, **_error_responses(400)},
    }


def _estimate_by_body() -> dict[str, Any]:
    return {
        "description": "A JSON object of inputs; absent keys take their defaults, unknown keys are errors.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _input_schema()}}},
        "responses": {**ESTIMATE_RESPONSES, **_error_responses(400, 413, 415)},
    }


@spends_compute
def _estimate(request: HttpRequest) -> HttpResponse:
    try:
        inputs = json_body(request) if request.method == "POST" else query_parameters(request)
        result = estimate_compute(inputs)
    except BadRequest as exc:
        return JsonResponse({"errors": exc.errors}, status=exc.status)
    except EstimateInputError as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    return JsonResponse(result.to_dict())


@api.get(
    "/estimate",
    url_name="estimate",
    summary="Estimate a workload three ways",
    openapi_extra=_estimate_by_query(),
)
def estimate_by_query(request: HttpRequest) -> HttpResponse:
    return _estimate(request)


@api.api_operation(["HEAD"], "/estimate", include_in_schema=False)
def estimate_head(request: HttpRequest) -> HttpResponse:
    return _estimate(request)


@api.post("/estimate", summary="Estimate a workload three ways", openapi_extra=_estimate_by_body())
def estimate_by_body(request: HttpRequest) -> HttpResponse:
    return _estimate(request)


PRICES_OPENAPI: dict[str, Any] = {
    "parameters": [{"name": "as_of", "in": "query", "required": False, "schema": AS_OF_SCHEMA}],
    "responses": {
        200: {
            "description": "Every model with the price sheet in force on the date.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **_error_responses(400),
    },
}


@api.get("/prices", url_name="prices", summary="Every model's prices", openapi_extra=PRICES_OPENAPI)
@api.api_operation(["HEAD"], "/prices", include_in_schema=False)
def prices_api(request: HttpRequest) -> JsonResponse:
    try:
        as_of = parse_as_of(request.GET.get("as_of"))
    except EstimateInputError as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    return JsonResponse(price_list(as_of))


@api.api_operation(["HEAD"], "/prices/{model}", include_in_schema=False)
@api.api_operation(
    ["GET"],
    "/prices/{model}",
    url_name="model-prices",
    summary="One model's price sheet",
    openapi_extra={**PRICES_OPENAPI, "responses": {**PRICES_OPENAPI["responses"], **_error_responses(404)}},
)
def model_prices_api(request: HttpRequest, model: str) -> JsonResponse:
    try:
        as_of = parse_as_of(request.GET.get("as_of"))
        sheet = price_sheet_for(model, as_of)
    except EstimateInputError as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    except PriceTableError as exc:
        return JsonResponse({"errors": {exc.field: [str(exc)]}}, status=404)
    return JsonResponse(sheet.to_dict())
