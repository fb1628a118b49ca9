"""The API's OpenAPI 3.1 document (/api/openapi.json) and its page (/api/docs)."""

import json

import pytest
from openapi_spec_validator import validate

from pricing.workload import FIELDS

pytestmark = pytest.mark.django_db


NUMBERS = ("integer", "number")


def no_duplicate_keys(pairs):
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys: {keys}"
    return dict(pairs)


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content, object_pairs_hook=no_duplicate_keys)


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)
    assert set(document["paths"]) == {"/api/estimate", "/api/prices", "/api/prices/{model}"}
    assert set(document["paths"]["/api/estimate"]) == {"get", "post"}


def test_every_input_is_listed_with_its_range(document):
    estimate = document["paths"]["/api/estimate"]
    body = estimate["post"]["requestBody"]["content"]["application/json"]["schema"]
    query = {parameter["name"]: parameter["schema"] for parameter in estimate["get"]["parameters"]}
    assert set(body["properties"]) == set(query) == {spec.name for spec in FIELDS} | {"as_of"}
    assert body["additionalProperties"] is False
    for spec in FIELDS:
        schema = body["properties"][spec.name]
        assert schema["title"] == spec.label and schema["description"] == spec.help, spec.name
        if spec.minimum is None:
            continue
        numeric = next(branch for branch in schema.get("anyOf", [schema]) if branch.get("type") in NUMBERS)
        bound = "exclusiveMinimum" if spec.minimum_exclusive else "minimum"
        assert numeric[bound] == spec.minimum and numeric["maximum"] == spec.maximum, spec.name
    assert body["properties"]["sessions_per_month"]["minimum"] == 0
    assert body["properties"]["sessions_per_month"]["maximum"] == 10**9
    assert body["properties"]["sessions_per_month"]["default"] == 10000
    assert body["properties"]["turns_distribution"]["enum"] == ["geometric", "fixed", "histogram"]
    assert body["properties"]["sessions_per_month"]["x-unit"] == "conversations"


def test_errors_are_documented_as_field_messages(document):
    errors = document["paths"]["/api/estimate"]["post"]["responses"]["413"]["content"]["application/json"]
    assert errors["schema"]["properties"]["errors"]["additionalProperties"]["items"] == {"type": "string"}


def test_the_api_page_uses_local_assets(client):
    html = client.get("/api/docs").content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    assert "cdn" not in html.lower()
