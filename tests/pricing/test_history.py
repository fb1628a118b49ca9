"""History, never overwrite: validation of dated rows, and `price_sheet_for` reproducing any past date."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from pricing.catalog import price_list, price_sheet_for, today
from pricing.models import PriceHistoryError, Source, TokenPrice, ToolFee


def gpt41_row(**changes) -> TokenPrice:
    values = {
        "model_id": "gpt-4.1",
        "service_tier": "standard",
        "effective_from": today() + timedelta(days=1),
        "input_per_mtok": D("2.2"),
        "cached_input_per_mtok": D("0.55"),
        "output_per_mtok": D("8"),
        "source": Source.ADMIN,
    }
    values.update(changes)
    return TokenPrice(**values)


def errors_of(row) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        row.full_clean(validate_constraints=False)
    return caught.value.message_dict


def test_a_valid_new_row_passes_validation(table):
    gpt41_row().full_clean()


def test_prices_cannot_be_negative(table):
    errors = errors_of(gpt41_row(input_per_mtok=D("-1"), output_per_mtok=D("-0.5")))
    assert errors == {
        "input_per_mtok": ["Must be 0 or more (USD)."],
        "output_per_mtok": ["Must be 0 or more (USD)."],
    }


def test_cached_input_cannot_cost_more_than_input(table):
    errors = errors_of(gpt41_row(cached_input_per_mtok=D("2.3")))
    assert errors == {
        "cached_input_per_mtok": ["A cached input price cannot be above the input price (2.2)."]
    }


def test_cached_input_equal_to_input_is_allowed(table):
    gpt41_row(cached_input_per_mtok=D("2.2")).full_clean()


def test_a_long_context_threshold_needs_its_prices(table):
    errors = errors_of(gpt41_row(long_context_threshold=272000))
    needed = ["Required with a long-context threshold (the base price has one)."]
    assert errors == {
        "long_context_input_per_mtok": needed,
        "long_context_cached_input_per_mtok": needed,
        "long_context_output_per_mtok": needed,
    }


def test_long_context_prices_need_a_threshold(table):
    errors = errors_of(gpt41_row(long_context_input_per_mtok=D("4.4"), long_context_output_per_mtok=D("16")))
    needed = ["Needs a long-context threshold, or leave it empty."]
    assert errors == {"long_context_input_per_mtok": needed, "long_context_output_per_mtok": needed}


def test_long_context_cached_input_cannot_cost_more_than_long_context_input(table):
    row = gpt41_row(
        long_context_threshold=272000,
        long_context_input_per_mtok=D("4.4"),
        long_context_cached_input_per_mtok=D("5"),
        long_context_output_per_mtok=D("16"),
    )
    assert errors_of(row) == {
        "long_context_cached_input_per_mtok": ["A cached input price cannot be above the input price (4.4)."]
    }


def test_a_complete_long_context_row_is_valid(table):
    gpt41_row(
        long_context_threshold=272000,
        long_context_input_per_mtok=D("4.4"),
        long_context_cached_input_per_mtok=D("1.1"),
        long_context_output_per_mtok=D("16"),
    ).full_clean()


def test_two_rows_cannot_start_on_the_same_day(table):
    errors = errors_of(gpt41_row(effective_from=date(2000, 1, 1)))
    assert errors == {
        "effective_from": [
            "gpt-4.1 already has a standard price effective from 2000-01-01: pick another date."
        ]
    }


def test_the_same_day_is_fine_for_another_tier(table):
    gpt41_row(service_tier="flex", effective_from=date(2000, 1, 1)).full_clean()


def test_tool_fees_cannot_be_negative_or_collide(table):
    fee = ToolFee(key="file_search_per_kcalls", effective_from=date(2000, 1, 1), amount=D("-2"))
    assert errors_of(fee) == {
        "amount": ["Must be 0 or more (USD)."],
        "effective_from": [
            "file_search_per_kcalls already has a fee effective from 2000-01-01: pick another date."
        ],
    }


def test_a_new_row_from_tomorrow_leaves_today_and_the_past_as_they_were(table):
    yesterday, tomorrow = today() - timedelta(days=1), today() + timedelta(days=1)
    before = {
        day: price_sheet_for("gpt-4.1", day).to_dict() for day in (date(2025, 1, 1), yesterday, today())
    }
    gpt41_row(effective_from=tomorrow).save()

    for day, sheet in before.items():
        assert price_sheet_for("gpt-4.1", day).to_dict() == sheet
    standard = price_sheet_for("gpt-4.1", tomorrow).to_dict()["service_tiers"]["standard"]
    assert standard == {
        "input_per_mtok": "2.2",
        "cached_input_per_mtok": "0.55",
        "cache_write_per_mtok": None,
        "output_per_mtok": "8",
        "long_context": None,
    }


def test_the_version_says_edits_only_from_the_day_the_edit_applies(table):
    tomorrow = today() + timedelta(days=1)
    gpt41_row(effective_from=tomorrow).save()
    assert price_sheet_for("gpt-4.1", today()).version.startswith("genai-prices-0.2.3/")
    assert price_sheet_for("gpt-4.1", tomorrow).version.startswith("genai-prices-0.2.3+edits/")
    assert price_list(today())["version"] == "genai-prices-0.2.3"
    assert price_list(tomorrow)["version"] == "genai-prices-0.2.3, genai-prices-0.2.3+edits"


def test_a_seeded_price_drop_is_reproduced_on_both_sides_of_its_date(table):
    # genai-prices lists o3 at 10 / 40 until 2025-06-10, then 2 / 8.
    before = price_sheet_for("o3", date(2025, 6, 9)).service_tiers["standard"].rates
    after = price_sheet_for("o3", date(2025, 6, 10)).service_tiers["standard"].rates
    assert (before.input, before.output) == (D("10"), D("40"))
    assert (after.input, after.output) == (D("2"), D("8"))


def test_a_saved_rows_numbers_and_date_cannot_be_overwritten(table):
    row = TokenPrice.objects.get(model_id="gpt-4.1", service_tier="standard")
    row.input_per_mtok = D("3")
    with pytest.raises(PriceHistoryError) as caught:
        row.save()
    assert str(caught.value) == (
        "gpt-4.1 standard from 2000-01-01: input_per_mtok of a saved row cannot change (it may have priced "
        "estimates); add a new row from a date instead."
    )
    fee = ToolFee.objects.get(key="file_search_per_kcalls")
    fee.effective_from = date(2020, 1, 1)
    with pytest.raises(PriceHistoryError):
        fee.save()
    assert TokenPrice.objects.get(pk=row.pk).input_per_mtok == D("2")


def test_a_saved_rows_note_can_still_be_updated(table):
    row = TokenPrice.objects.get(model_id="gpt-4.1", service_tier="standard")
    row.note = "checked against openai.com/pricing"
    row.save()
    assert TokenPrice.objects.get(pk=row.pk).note == "checked against openai.com/pricing"
