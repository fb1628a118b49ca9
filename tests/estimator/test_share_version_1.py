"""Share links saved under cost model version 1 keep their numbers after version 2 (migration 0002)."""

import csv
import io

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from estimator.models import Scenario
from tests.estimator.test_pages import card_figure

# What version 1 stored: every input with its default (version 1 had no distribution, hit rate, web
# search or amortization), and the price snapshot of gpt-4.1 on 2026-11-25.
V1_INPUTS = {
    "model": "gpt-4.1",
    "sessions_per_month": 1000,
    "turns_per_session": 2,
    "system_prompt_tokens": 1500,
    "tool_schema_tokens": 600,
    "user_message_tokens": 100,
    "assistant_reply_tokens": 200,
    "function_calls_per_turn": "0.5",
    "tool_call_tokens": 50,
    "tool_result_tokens": 400,
    "reasoning_tokens_per_call": 0,
    "file_search_calls_per_turn": "0",
    "file_search_results": 20,
    "file_search_chunk_tokens": 800,
    "rag_results": 5,
    "rag_chunk_tokens": 400,
    "code_interpreter_calls_per_turn": "0",
    "code_interpreter_output_tokens": 300,
    "session_minutes": "10",
    "vector_store_gb": "0",
    "upload_gb_per_session": "0",
    "upload_retention_days": "7",
    "prompt_caching": True,
    "warm_prefix_across_sessions": True,
    "service_tier": "standard",
    "history_limit_tokens": None,
    "keep_tool_results_in_history": True,
    "assistants_keep_tool_results_in_history": True,
    "assistants_truncation": "auto",
    "assistants_last_messages": 20,
    "container_memory": "1g",
    "retrieval_infra_usd_per_month": "0",
    "sandbox_usd_per_hour": "0",
    "build_hours": "40",
    "maintenance_hours_per_month": "4",
    "engineer_usd_per_hour": "100",
}
V1_PRICES = {
    "model": "gpt-4.1",
    "as_of": "2026-11-25",
    "version": "genai-prices-0.2.3/abc123",
    "context_window": 1047576,
    "encoding": "o200k_base",
    "shutdown_date": "2027-01-14",
    "successor": "gpt-5.4",
    "service_tiers": {
        "standard": {
            "input_per_mtok": "2",
            "cached_input_per_mtok": "0.5",
            "cache_write_per_mtok": None,
            "output_per_mtok": "8",
            "long_context": None,
        }
    },
    "tools": {
        "file_search_per_kcalls": "2.5",
        "vector_storage_per_gb_day": "0.1",
        "vector_storage_free_gb": "1",
        "assistants_code_interpreter_per_session": "0.03",
        "container_per_20min": {"1g": "0.03", "4g": "0.12", "16g": "0.48", "64g": "1.92"},
    },
}


@pytest.fixture
def version_1_link(transactional_db):
    """A link saved before version 2: the database migrated back, the row written, then forward."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("estimator")
    executor.migrate([("estimator", "0001_initial")])
    old = MigrationExecutor(connection).loader.project_state([("estimator", "0001_initial")]).apps
    old.get_model("estimator", "Scenario").objects.create(
        slug="v1-link-abcdefgh", inputs=V1_INPUTS, prices=V1_PRICES, price_version="genai-prices-0.2.3"
    )
    MigrationExecutor(connection).migrate(latest)
    return Scenario.objects.get(slug="v1-link-abcdefgh")


def test_the_migration_stores_what_version_1_computed(version_1_link):
    # Version 1 rounded 0.5 calls a turn down: the function call falls on turn 2, and turn 1 is one
    # call (2200 in, 2048 cached, 200 out) and turn 2 two calls (2500, 2176; 2950, 2432): input 7650,
    # cached 6656, output 450: (994*2 + 6656*0.5 + 450*8) / 1e6 = $0.008916. Version 2 puts the call on
    # turn 1 and prices a spread of lengths: it would say something else.
    result = version_1_link.result
    assert version_1_link.priced_by_version_1
    for key in ("assistants", "responses", "chat_completions"):
        assert result["approaches"][key]["per_session_usd"] == "0.008916"
        assert result["approaches"][key]["per_month_usd"] == "8.916"
    assert result["approaches"]["assistants"]["status"] == "shut down"


def test_the_page_shows_the_stored_numbers_and_says_why(client, version_1_link):
    response = client.get("/s/v1-link-abcdefgh")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saved under version 1 of the cost model" in html
    assert card_figure(html, "responses", "per_session_usd") == "0.008916"
    # "Edit a copy" opens the same inputs under version 2, with version 1's assumptions.
    assert "turns_distribution=fixed" in html and "cache_hit_rate=1" in html


def test_exports_are_the_stored_result(client, version_1_link):
    body = client.get("/s/v1-link-abcdefgh.json").json()
    assert body["approaches"]["chat_completions"]["per_session_usd"] == "0.008916"
    assert body["scenario"]["cost_model_version"] == 1
    rows = list(csv.reader(io.StringIO(client.get("/s/v1-link-abcdefgh.csv").content.decode())))
    assert ["total", "responses", "per_month_usd", "8.916"] in rows
    assert client.get("/s/v1-link-abcdefgh/chart/cumulative.svg").status_code == 404


def test_new_links_are_version_2(client, transactional_db):
    from pricing.sync import sync_prices

    sync_prices()
    client.post("/share", {"model": "gpt-4.1", "turns_per_session": "3"})
    scenario = Scenario.objects.get()
    assert scenario.format_version == 2 and scenario.result is None
    assert client.get(scenario.get_absolute_url()).status_code == 200
