"""The catalog: `price_table_freshness()` for the page footer, and looking a model up safely."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db.models import Min
from django.utils import timezone

from pricing.catalog import PriceTableError, price_list, price_sheet_for, price_table_freshness, today
from pricing.memo import price_table_changed
from pricing.models import LanguageModel, Source, SyncRun, TokenPrice, ToolFee
from tests.pricing.tables import empty_price_table


def oldest_checked() -> str:
    oldest = min(
        TokenPrice.objects.aggregate(oldest=Min("checked_at"))["oldest"],
        ToolFee.objects.aggregate(oldest=Min("checked_at"))["oldest"],
    )
    return oldest.isoformat()


def test_freshness_of_a_freshly_synced_table(table):
    assert price_table_freshness() == {
        "version": "genai-prices-0.2.3",
        "as_of": today().isoformat(),
        "genai_prices_version": "0.2.3",
        "last_sync_at": SyncRun.objects.latest("finished_at").finished_at.isoformat(),
        "oldest_checked_at": oldest_checked(),
        "stale_rows": 0,
        "stale_after_days": 90,
    }


def test_the_version_is_the_one_api_prices_reports(table):
    tomorrow = today() + timedelta(days=1)
    TokenPrice.objects.create(
        model_id="gpt-4.1",
        effective_from=tomorrow,
        input_per_mtok=D("2.2"),
        output_per_mtok=D("8"),
        source=Source.ADMIN,
        checked_at=timezone.now(),
    )
    assert price_table_freshness()["version"] == price_list()["version"] == "genai-prices-0.2.3"
    assert price_table_freshness(tomorrow)["version"] == price_list(tomorrow)["version"]
    assert price_table_freshness(tomorrow)["version"] == "genai-prices-0.2.3, genai-prices-0.2.3+edits"


def test_rows_in_force_not_checked_for_90_days_count_as_stale(table):
    long_ago = timezone.now() - timedelta(days=91)
    TokenPrice.objects.filter(model_id="gpt-4.1", service_tier="standard").update(checked_at=long_ago)
    ToolFee.objects.filter(key="file_search_per_kcalls").update(checked_at=None)
    freshness = price_table_freshness()
    assert (freshness["stale_rows"], freshness["oldest_checked_at"]) == (2, long_ago.isoformat())


def test_a_superseded_row_checked_long_ago_is_history_not_stale(table):
    TokenPrice.objects.filter(model_id="o3", effective_from=date(2000, 1, 1)).update(
        checked_at=timezone.now() - timedelta(days=400)
    )
    assert price_table_freshness()["stale_rows"] == 0


def test_freshness_of_an_empty_table(table):
    empty_price_table()
    assert price_table_freshness(date(2026, 1, 1)) == {
        "version": "",
        "as_of": "2026-01-01",
        "genai_prices_version": "0.2.3",
        "last_sync_at": None,
        "oldest_checked_at": None,
        "stale_rows": 0,
        "stale_after_days": 90,
    }


@pytest.mark.parametrize("model", ["gpt-4.1\x00", "\x00", "gpt\n4.1"])
def test_a_model_id_with_control_characters_is_unknown_without_a_query(
    table, model, django_assert_num_queries
):
    with django_assert_num_queries(0), pytest.raises(PriceTableError) as caught:
        price_sheet_for(model)
    assert (str(caught.value), caught.value.field) == (
        f"Unknown model {model!r}: pick one from /api/prices.",
        "model",
    )


def add_models(count: int) -> None:
    """`count` more priced models, as a table grown to thousands of models would hold."""
    template = TokenPrice.objects.get(model_id="gpt-4.1", service_tier="standard")
    LanguageModel.objects.bulk_create(
        LanguageModel(id=f"bulk-{n:05}", context_window=128_000, source=Source.ADMIN) for n in range(count)
    )
    TokenPrice.objects.bulk_create(
        TokenPrice(
            model_id=f"bulk-{n:05}",
            input_per_mtok=template.input_per_mtok,
            output_per_mtok=template.output_per_mtok,
            source=Source.ADMIN,
        )
        for n in range(count)
    )
    price_table_changed()


def test_api_prices_takes_the_same_few_queries_for_300_models_as_for_51(
    table, client, django_assert_max_num_queries
):
    add_models(300)
    with django_assert_max_num_queries(6):
        body = client.get("/api/prices").json()
    assert len(body["models"]) == 351
    assert body["models"][0]["service_tiers"]["standard"]["input_per_mtok"] == "2"


def test_the_price_list_is_memoised_until_the_table_changes(table, django_assert_num_queries):
    first = price_list()
    with django_assert_num_queries(0):
        assert price_list() is first
    add_models(1)
    assert len(price_list()["models"]) == len(first["models"]) + 1
