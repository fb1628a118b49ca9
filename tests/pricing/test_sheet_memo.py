"""Price sheets are memoised per process and forgotten whenever the price table changes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from pricing import catalog, memo
from pricing.catalog import price_sheet_for, today
from pricing.memo import price_table_changed
from pricing.models import LanguageModel, TokenPrice
from pricing.sync import sync_prices

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


def input_price(sheet) -> Decimal:
    return sheet.service_tiers["standard"].rates.input


def test_a_second_read_costs_no_query(django_assert_num_queries):
    first = price_sheet_for("gpt-4.1")
    default = catalog.default_model_id()
    with django_assert_num_queries(0):
        assert price_sheet_for("gpt-4.1") is first
        assert catalog.default_model_id() == default == "gpt-5.4"


def test_a_saved_price_is_seen_at_once():
    assert input_price(price_sheet_for("gpt-4.1")) == Decimal("2")
    row = TokenPrice.objects.get(model_id="gpt-4.1", service_tier="standard")
    row.pk = None
    row.effective_from = today()
    row.input_per_mtok = Decimal("3")
    row.save()
    assert input_price(price_sheet_for("gpt-4.1")) == Decimal("3")


def test_a_model_edit_is_seen_at_once():
    price_sheet_for("gpt-4.1")
    model = LanguageModel.objects.get(pk="gpt-4.1")
    model.context_window = 1_047_576
    model.save()
    assert price_sheet_for("gpt-4.1").context_window == 1_047_576


def test_a_bulk_write_is_seen_once_announced():
    price_sheet_for("gpt-4.1")
    TokenPrice.objects.filter(model_id="gpt-4.1", service_tier="standard").update(input_per_mtok=Decimal("5"))
    price_table_changed()
    assert input_price(price_sheet_for("gpt-4.1")) == Decimal("5")


def test_another_workers_change_is_seen_within_the_ttl(monkeypatch):
    first = price_sheet_for("gpt-4.1")
    # Another process changed the table: the shared token moved, our memo still holds the old sheet.
    cache.set(memo.REVISION_KEY, "someone-else", timeout=None)
    assert price_sheet_for("gpt-4.1") is first  # within REVISION_TTL the token is not re-read
    monkeypatch.setattr(memo, "REVISION_TTL", 0.0)
    assert price_sheet_for("gpt-4.1") is not first


def test_unknown_models_are_not_remembered():
    with pytest.raises(catalog.PriceTableError):
        price_sheet_for("gpt-99")
    assert not any(isinstance(key, tuple) and "gpt-99" in key for key in memo.memoized_keys())


def test_the_memo_is_bounded_and_evicts_the_least_recently_used_sheet(monkeypatch):
    monkeypatch.setattr(memo._memo, "limit", 3)
    days = [date(2026, 11, day) for day in (1, 2, 3, 4)]
    first = price_sheet_for("gpt-4.1", days[0])
    price_sheet_for("gpt-4.1", days[1])
    price_sheet_for("gpt-4.1", days[2])
    assert price_sheet_for("gpt-4.1", days[0]) is first  # now the most recently used
    price_sheet_for("gpt-4.1", days[3])
    assert memo.memoized_keys() == [
        ("sheet", "gpt-4.1", days[2]),
        ("sheet", "gpt-4.1", days[0]),
        ("sheet", "gpt-4.1", days[3]),
    ]
    assert price_sheet_for("gpt-4.1", days[0]) is first


def test_many_dates_never_empty_the_memo_for_everyone():
    # Ten as_of dates more than the memo holds: the sheets read last are all still there.
    today_sheet = price_sheet_for("gpt-4.1")
    for offset in range(memo.MEMO_LIMIT + 10):
        price_sheet_for("gpt-4.1", date(2020, 1, 1) + timedelta(days=offset))
        price_sheet_for("gpt-4.1")  # the common request keeps its sheet warm
    assert len(memo.memoized_keys()) == memo.MEMO_LIMIT
    assert price_sheet_for("gpt-4.1") is today_sheet
