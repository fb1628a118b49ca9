"""`/api/estimate`, `/api/prices`, `/api/prices/<model>` as the cost model's JSON section states them."""

import json
from datetime import date

import pytest

from pricing.sync import sync_prices
from pricing.workload import FIELDS

pytestmark = pytest.mark.django_db

WORKED = {
    "model": "gpt-4.1",
    "turns_distribution": "fixed",
    "cache_hit_rate": 1,
    "system_prompt_tokens": 1500,
    "tool_schema_tokens": 600,
    "turns_per_session": 2,
    "user_message_tokens": 100,
    "assistant_reply_tokens": 200,
    "function_calls_per_turn": 1,
    "tool_call_tokens": 50,
    "tool_result_tokens": 400,
}


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


def post(client, body, **extra):
    return client.post("/api/estimate", json.dumps(body), content_type="application/json", **extra)


class TestEstimate:
    def test_worked_example_by_post(self, client):
        response = post(client, WORKED)
        assert response.status_code == 200
        data = response.json()
        for approach in ("assistants", "responses", "chat_completions"):
            figures = data["approaches"][approach]
            assert figures["per_session_usd"] == "0.011808"
            # 10,000 conversations a month by default, nothing fixed.
            assert figures["per_month_usd"] == "118.08"
            assert figures["fixed_monthly_usd"] == "0"
            assert figures["model_calls"] == "4"
            assert figures["tokens"] == {
                "input": "11200",
                "input_cached": "9728",
                "input_cache_write": "0",
                "output": "500",
                "reasoning": "0",
            }
            assert figures["per_session_percentiles_usd"] == {
                "p50": "0.011808",
                "p90": "0.011808",
                "p99": "0.011808",
            }
            assert [turn["cumulative_usd"] for turn in figures["turns"]] == ["0.005364", "0.011808"]
            assert figures["turns"][1]["reach"] == "1"
        assert data["population"] == {
            "distribution": "fixed",
            "mean_turns": "2",
            "max_turns": 2,
            "turns_percentiles": {"p50": 2, "p90": 2, "p99": 2},
        }
        # Your loop carries its engineering: $400 upkeep and $4,000 of build over 12 months.
        own = data["approaches"]["chat_completions"]
        assert own["per_month_with_engineering_usd"] == "851.413333333333333333333333333"
        assert data["approaches"]["responses"]["per_month_with_engineering_usd"] == "118.08"
        assert data["verdict"]["cheapest"] == ["responses"]
        assert data["verdict"]["live"] == ["responses", "chat_completions"]

    def test_worked_example_by_get(self, client):
        query = "&".join(f"{key}={value}" for key, value in WORKED.items())
        data = client.get(f"/api/estimate?{query}&assistants_keep_tool_results_in_history=false").json()
        assert data["approaches"]["assistants"]["per_session_usd"] == "0.011352"
        assert data["approaches"]["responses"]["per_session_usd"] == "0.011808"

    def test_every_input_comes_back_with_defaults_filled_in(self, client):
        data = post(client, {"model": "gpt-4.1"}).json()
        assert set(data["inputs"]) == {spec.name for spec in FIELDS}
        assert data["inputs"]["sessions_per_month"] == 10000
        assert data["inputs"]["function_calls_per_turn"] == "1"
        assert data["inputs"]["history_limit_tokens"] is None
        assert data["inputs"]["prompt_caching"] is True

    def test_prices_object(self, client):
        prices = post(client, {"model": "gpt-4.1"}).json()["prices"]
        assert prices["model"] == "gpt-4.1"
        assert prices["context_window"] == 1047576
        assert prices["as_of"] == date.today().isoformat()
        assert prices["version"].startswith("genai-prices-")
        assert prices["service_tiers"]["standard"] == {
            "input_per_mtok": "2",
            "cached_input_per_mtok": "0.5",
            "cache_write_per_mtok": None,
            "output_per_mtok": "8",
            "long_context": None,
        }
        assert prices["tools"] == {
            "file_search_per_kcalls": "2.5",
            "web_search_per_kcalls": "10",
            "vector_storage_per_gb_day": "0.1",
            "vector_storage_free_gb": "1",
            "assistants_code_interpreter_per_session": "0.03",
            "container_per_20min": {"1g": "0.03", "4g": "0.12", "16g": "0.48", "64g": "1.92"},
        }

    def test_engineering(self, client):
        engineering = post(client, WORKED).json()["engineering"]
        assert engineering == {
            "build_usd": "4000",
            "maintenance_monthly_usd": "400",
            "amortized_build_monthly_usd": "333.333333333333333333333333333",
            "break_even_months": {"assistants": None, "responses": None},
        }

    def test_a_histogram_in_the_query_string(self, client):
        # The spec's example C: [[1, 3], [4, 1]] -> $0.010815 a conversation.
        query = {
            key: value
            for key, value in WORKED.items()
            if key not in ("turns_per_session", "turns_distribution")
        }
        data = client.get(
            "/api/estimate", {**query, "turns_distribution": "histogram", "turns_histogram": "1:3,4:1"}
        ).json()
        assert data["inputs"]["turns_histogram"] == [[1, "3"], [4, "1"]]
        assert data["inputs"]["turns_per_session"] is None
        assert data["population"]["mean_turns"] == "1.75"
        assert data["approaches"]["responses"]["per_session_usd"] == "0.010815"
        assert data["approaches"]["responses"]["model_calls"] == "3.5"

    def test_a_histogram_in_a_json_body(self, client):
        body = {**WORKED, "turns_distribution": "histogram", "turns_histogram": [[4, 1], [1, 3]]}
        del body["turns_per_session"]
        assert post(client, body).json()["approaches"]["assistants"]["per_session_usd"] == "0.010815"

    def test_the_length_with_a_histogram_is_an_error_on_the_length(self, client):
        response = post(client, {**WORKED, "turns_distribution": "histogram", "turns_histogram": "1:1"})
        assert response.status_code == 400
        assert response.json() == {
            "errors": {
                "turns_per_session": [
                    "leave it out with a histogram: the mean length comes from the histogram."
                ]
            }
        }

    def test_the_default_spread_of_lengths(self, client):
        data = client.get("/api/estimate", {"model": "gpt-4.1"}).json()
        assert data["population"]["distribution"] == "geometric"
        assert data["population"]["max_turns"] == 160
        assert data["population"]["turns_percentiles"] == {"p50": 6, "p90": 18, "p99": 35}
        assert len(data["approaches"]["responses"]["turns"]) == 35
        assert data["inputs"]["cache_hit_rate"] == "0.9"

    def test_default_model_when_none_is_named(self, client):
        data = client.get("/api/estimate").json()
        assert data["inputs"]["model"] == "gpt-5.4"

    def test_o3_before_its_price_cut(self, client):
        # o3 was $10 in / $40 out per million until 2025-06-10, then $2 / $8.
        before = client.get("/api/estimate?model=o3&as_of=2025-06-01").json()
        after = client.get("/api/estimate?model=o3&as_of=2025-06-10").json()
        assert before["prices"]["service_tiers"]["standard"]["input_per_mtok"] == "10"
        assert before["prices"]["service_tiers"]["standard"]["output_per_mtok"] == "40"
        assert after["prices"]["service_tiers"]["standard"]["input_per_mtok"] == "2"
        before_cost = before["approaches"]["chat_completions"]["per_session_usd"]
        after_cost = after["approaches"]["chat_completions"]["per_session_usd"]
        assert before_cost != after_cost

    def test_long_context_tier_is_reported(self, client):
        tiers = client.get("/api/estimate?model=gpt-5.4").json()["prices"]["service_tiers"]
        assert tiers["standard"]["long_context"] == {
            "threshold_tokens": 272000,
            "input_per_mtok": "5",
            "cached_input_per_mtok": "0.5",
            "cache_write_per_mtok": None,
            "output_per_mtok": "22.5",
        }
        # The fast tier is flat: no long-context prices.
        assert tiers["fast"]["long_context"] is None

    def test_flex_tier(self, client):
        data = post(client, {**WORKED, "model": "o3", "service_tier": "flex"}).json()
        assert data["prices"]["service_tiers"]["flex"]["input_per_mtok"] == "1"
        # Flex for o3 is half the standard price; the Assistants API stays at standard.
        assert data["approaches"]["responses"]["per_session_usd"] == "0.005904"
        assert data["approaches"]["assistants"]["per_session_usd"] == "0.011808"

    def test_decimal_inputs_stay_exact(self, client):
        data = post(client, {"model": "gpt-4.1", "function_calls_per_turn": 0.1}).json()
        assert data["inputs"]["function_calls_per_turn"] == "0.1"


class TestBadInput:
    def test_every_bad_field_is_named(self, client):
        response = post(
            client,
            {
                "turns_per_session": 0,
                "sessions_per_month": "lots",
                "prompt_caching": "maybe",
                "colour": "red",
            },
        )
        assert response.status_code == 400
        assert response.json() == {
            "errors": {
                "colour": ["is not a known input."],
                "sessions_per_month": ["must be a whole number."],
                "turns_per_session": ["must be at least 1 and at most 1,000."],
                "prompt_caching": ["must be true or false."],
            }
        }

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("function_calls_per_turn", "NaN", "must be a finite number."),
            ("function_calls_per_turn", "Infinity", "must be a finite number."),
            ("function_calls_per_turn", 51, "must be at least 0 and at most 50."),
            ("session_minutes", 0, "must be more than 0 and at most 1,440."),
            ("session_minutes", -1, "must be more than 0 and at most 1,440."),
            ("history_limit_tokens", 0, "must be at least 1 and at most 10,000,000."),
            ("file_search_chunk_tokens", 99, "must be at least 100 and at most 4,096."),
            ("service_tier", "turbo", "must be one of: standard, flex, fast."),
            ("container_memory", "2g", "must be one of: 1g, 4g, 16g, 64g."),
            ("turns_per_session", 2.5, "must be a whole number."),
            ("turns_per_session", True, "must be a whole number, not true/false."),
            ("build_hours", -1, "must be at least 0."),
            ("engineer_usd_per_hour", "1e400", "must be at most 1,000,000,000,000."),
            ("model", 42, "must be a model id from the price table."),
        ],
    )
    def test_field_errors(self, client, field, value, message):
        response = post(client, {field: value})
        assert response.status_code == 400
        assert response.json() == {"errors": {field: [message]}}

    def test_unknown_model(self, client):
        response = client.get("/api/estimate?model=gpt-99")
        assert response.status_code == 400
        assert response.json() == {
            "errors": {"model": ["Unknown model 'gpt-99': pick one from /api/prices."]}
        }

    def test_a_tier_the_model_lacks(self, client):
        response = client.get("/api/estimate?model=gpt-4.1&service_tier=flex")
        assert response.status_code == 400
        assert response.json()["errors"]["service_tier"] == [
            f"gpt-4.1 has no flex tier on {date.today()} (offered: fast, standard)."
        ]

    def test_a_tier_that_did_not_exist_yet(self, client):
        response = client.get("/api/estimate?model=o3&service_tier=flex&as_of=2026-01-01")
        assert response.status_code == 400
        assert "service_tier" in response.json()["errors"]

    def test_bad_as_of(self, client):
        response = client.get("/api/estimate?as_of=yesterday")
        assert response.status_code == 400
        assert response.json() == {"errors": {"as_of": ["must be a date as YYYY-MM-DD."]}}

    def test_as_of_before_any_price(self, client):
        response = client.get("/api/estimate?as_of=1999-01-01")
        assert response.status_code == 400
        assert "as_of" in response.json()["errors"]

    def test_malformed_json(self, client):
        response = client.post("/api/estimate", "{not json", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["errors"]["body"][0].startswith("Malformed JSON")

    def test_json_that_is_not_an_object(self, client):
        response = client.post("/api/estimate", "[1, 2]", content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"errors": {"body": ["Expected a JSON object of inputs."]}}

    def test_nan_literal_in_json(self, client):
        response = client.post("/api/estimate", '{"build_hours": NaN}', content_type="application/json")
        assert response.status_code == 400
        assert "body" in response.json()["errors"]

    def test_deep_json(self, client):
        body = '{"model": ' + "[" * 50 + "]" * 50 + "}"
        response = client.post("/api/estimate", body, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"errors": {"body": ["JSON nested deeper than 20 levels."]}}

    def test_wrong_content_type(self, client):
        response = client.post(
            "/api/estimate", "model=gpt-4.1", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 415
        assert "Content-Type: application/json" in response.json()["errors"]["body"][0]

    def test_body_over_64_kb(self, client):
        response = post(client, {"model": "x" * 70_000})
        assert response.status_code == 413
        assert response.json() == {"errors": {"body": ["The body is over the 64 KB limit."]}}

    def test_too_many_query_parameters(self, client):
        query = "&".join(f"k{i}=1" for i in range(1500))
        response = client.get(f"/api/estimate?{query}")
        assert response.status_code == 400
        assert response.json() == {"errors": {"body": ["Too many query parameters (at most 1,000)."]}}

    def test_other_methods(self, client):
        assert client.put("/api/estimate").status_code == 405


class TestPrices:
    def test_price_list(self, client):
        data = client.get("/api/prices").json()
        assert data["as_of"] == date.today().isoformat()
        assert data["default_model"] == "gpt-5.4"
        assert data["version"].startswith("genai-prices-")
        ids = [model["model"] for model in data["models"]]
        assert "gpt-4.1" in ids and "o3" in ids
        assert all("service_tiers" in model for model in data["models"])

    def test_one_model_at_a_past_date(self, client):
        data = client.get("/api/prices/o3?as_of=2025-06-01").json()
        assert data["as_of"] == "2025-06-01"
        assert set(data["service_tiers"]) == {"standard"}
        assert data["service_tiers"]["standard"]["input_per_mtok"] == "10"
        assert data["context_window"] == 200000

    def test_unknown_model_is_a_404(self, client):
        response = client.get("/api/prices/gpt-99")
        assert response.status_code == 404
        assert response.json() == {
            "errors": {"model": ["Unknown model 'gpt-99': pick one from /api/prices."]}
        }


def test_healthz(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
