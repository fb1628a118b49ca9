"""`sync_prices`: adds what the table lacks, never deletes or overrides, says what it skipped and why."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal as D
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from pricing.catalog import today
from pricing.models import ApiSurface, LanguageModel, Source, SyncRun, TokenPrice, ToolFee
from pricing.sync import plan, sync_prices
from tests.pricing.tables import empty_price_table


@pytest.fixture
def empty_table(seeded, db):
    """No rows at all (the deletion rolls back after the test)."""
    empty_price_table()


def plan_with(model_id: str, *prices: plan.PlannedPrice, **model_changes) -> list[plan.PlannedModel]:
    """The installed genai-prices plan with one model changed (what an upgraded package might list)."""
    planned = plan.plan_from_genai_prices()
    return [
        dataclasses.replace(model, prices=prices or model.prices, **model_changes)
        if model.id == model_id
        else model
        for model in planned
    ]


def gpt41(effective_from: date, input_per_mtok: str, tier: str = "standard") -> plan.PlannedPrice:
    return plan.PlannedPrice(
        model="gpt-4.1",
        service_tier=tier,
        effective_from=effective_from,
        input_per_mtok=D(input_per_mtok),
        cached_input_per_mtok=D("0.5"),
        cache_write_per_mtok=None,
        output_per_mtok=D("8"),
    )


FIRST = date(2000, 1, 1)


def test_a_first_sync_seeds_the_whole_table(empty_table):
    report = sync_prices()
    assert (len(report.added_models), len(report.added_prices), len(report.added_fees)) == (51, 100, 9)
    assert (len(report.added_lifecycle), len(report.added_surfaces), report.skipped) == (19, 3, [])
    assert len(report.added_limits) == 18
    assert report.default_model == "gpt-5.4"
    assert LanguageModel.objects.get(is_default=True).id == "gpt-5.4"
    gpt41_row = TokenPrice.objects.get(model_id="gpt-4.1", service_tier="standard")
    assert (gpt41_row.input_per_mtok, gpt41_row.cached_input_per_mtok, gpt41_row.output_per_mtok) == (
        D("2"),
        D("0.5"),
        D("8"),
    )
    assert (gpt41_row.source, gpt41_row.source_version) == (Source.GENAI_PRICES, "0.2.3")


def test_a_second_sync_adds_nothing(table):
    counts = (LanguageModel.objects.count(), TokenPrice.objects.count(), ToolFee.objects.count())
    report = sync_prices()
    assert not report.changed
    assert (report.added_models, report.added_prices, report.added_fees, report.skipped) == ([], [], [], [])
    assert report.unchanged == 109
    assert (LanguageModel.objects.count(), TokenPrice.objects.count(), ToolFee.objects.count()) == counts


def test_a_dry_run_reports_the_plan_and_changes_nothing(empty_table):
    report = sync_prices(dry_run=True)
    assert (len(report.added_models), len(report.added_prices), len(report.added_lifecycle)) == (51, 100, 19)
    assert "gpt-4.1 shuts down 2027-01-14 (successor gpt-5.4)" in report.added_lifecycle
    assert (LanguageModel.objects.count(), TokenPrice.objects.count(), SyncRun.objects.count()) == (0, 0, 0)


def test_each_sync_is_logged_for_the_footer(table):
    before = SyncRun.objects.count()
    sync_prices()
    run = SyncRun.objects.order_by("-finished_at").first()
    assert SyncRun.objects.count() == before + 1
    assert run is not None
    assert (run.genai_prices_version, run.added_prices, run.skipped) == ("0.2.3", 0, 0)


def test_a_sync_refreshes_checked_at_of_rows_the_source_still_lists(table):
    long_ago = timezone.now() - timedelta(days=200)
    TokenPrice.objects.filter(model_id="gpt-4.1").update(checked_at=long_ago)
    sync_prices()
    assert not TokenPrice.objects.filter(model_id="gpt-4.1", checked_at=long_ago).exists()


def test_a_new_future_price_from_the_source_is_added(table):
    next_month = today() + timedelta(days=30)
    report = sync_prices(plan_with("gpt-4.1", gpt41(FIRST, "2"), gpt41(next_month, "1.8")))
    assert report.added_prices == [f"gpt-4.1 standard from {next_month}"]
    assert TokenPrice.objects.get(model_id="gpt-4.1", effective_from=next_month).input_per_mtok == D("1.8")


def test_a_new_past_dated_price_for_a_priced_model_is_skipped_with_the_reason(table):
    last_month = today() - timedelta(days=30)
    report = sync_prices(plan_with("gpt-4.1", gpt41(FIRST, "2"), gpt41(last_month, "1.8")))
    assert report.added_prices == []
    assert report.skipped == [
        f"gpt-4.1 standard from {last_month}: genai-prices 0.2.3 lists a row the table refuses: "
        f"effective_from: {last_month} is before today and the table already prices gpt-4.1 standard: a row "
        "from that date would re-price estimates already made for it. Pick today or a later date."
    ]
    assert not TokenPrice.objects.filter(model_id="gpt-4.1", effective_from=last_month).exists()


def test_a_past_dated_price_for_a_tier_the_table_lacks_is_added(table):
    report = sync_prices(plan_with("gpt-4.1", gpt41(FIRST, "2"), gpt41(date(2026, 1, 1), "1", tier="flex")))
    assert report.added_prices == ["gpt-4.1 flex from 2026-01-01"]


def test_changed_numbers_for_a_seeded_row_are_kept_and_reported(table):
    report = sync_prices(plan_with("gpt-4.1", gpt41(FIRST, "2.5")))
    assert report.added_prices == []
    assert report.skipped == [
        "gpt-4.1 standard from 2000-01-01: genai-prices 0.2.3 lists other prices for this date than the row "
        "from genai-prices 0.2.3 (input_per_mtok 2 -> 2.5); kept the existing row because estimates may have "
        "used it. To change the price, add a new row from a date in the admin"
    ]
    assert TokenPrice.objects.get(model_id="gpt-4.1", service_tier="standard").input_per_mtok == D("2")


def test_a_row_an_admin_added_is_never_overridden(table):
    alice = User.objects.create_user("alice")
    tomorrow = today() + timedelta(days=1)
    row = TokenPrice.objects.create(
        model_id="gpt-4.1",
        service_tier="standard",
        effective_from=tomorrow,
        input_per_mtok=D("2.2"),
        cached_input_per_mtok=D("0.5"),
        output_per_mtok=D("8"),
        source=Source.ADMIN,
        edited_by=alice,
    )
    report = sync_prices(plan_with("gpt-4.1", gpt41(FIRST, "2"), gpt41(tomorrow, "2.4")))
    when = f"{timezone.localtime(row.created_at):%Y-%m-%d %H:%M}"
    assert report.skipped == [
        f"gpt-4.1 standard from {tomorrow}: kept the row edited by alice on {when} UTC "
        "(genai-prices 0.2.3 says input_per_mtok 2.2 -> 2.4)"
    ]
    row.refresh_from_db()
    assert row.input_per_mtok == D("2.2")


def test_sync_never_deletes_a_row_the_source_no_longer_lists(table):
    report = sync_prices([model for model in plan.plan_from_genai_prices() if model.id != "gpt-4"])
    assert not report.changed
    assert TokenPrice.objects.filter(model_id="gpt-4").count() == 1


def test_a_new_model_from_the_source_is_added_with_its_prices(table):
    new = plan.PlannedModel(
        id="gpt-7",
        name="GPT-7",
        family="gpt-7",
        context_window=2_000_000,
        encoding="o200k_base",
        prices=(dataclasses.replace(gpt41(FIRST, "3"), model="gpt-7"),),
    )
    report = sync_prices([*plan.plan_from_genai_prices(), new])
    assert (report.added_models, report.added_prices) == (["gpt-7"], ["gpt-7 standard from 2000-01-01"])
    assert LanguageModel.objects.get(pk="gpt-7").context_window == 2_000_000


def test_a_changed_context_window_is_kept_and_reported(table):
    report = sync_prices(plan_with("gpt-4.1", context_window=1_100_000))
    assert report.skipped == [
        "gpt-4.1: kept context_window 1047576 (genai-prices 0.2.3 says 1100000): "
        "changing it would re-price past estimates"
    ]


def test_an_invalid_price_from_the_source_is_skipped_with_the_reason(table):
    broken = plan.PlannedModel(
        id="gpt-7",
        name="GPT-7",
        family="gpt-7",
        context_window=2_000_000,
        encoding="o200k_base",
        prices=(dataclasses.replace(gpt41(FIRST, "3"), model="gpt-7", cached_input_per_mtok=D("4")),),
    )
    report = sync_prices([*plan.plan_from_genai_prices(), broken])
    assert report.skipped == [
        "gpt-7 standard from 2000-01-01: genai-prices 0.2.3 lists a row the table refuses: "
        "cached_input_per_mtok: A cached input price cannot be above the input price (3)."
    ]
    assert not TokenPrice.objects.filter(model_id="gpt-7").exists()


def test_a_changed_tool_fee_in_the_table_is_kept_and_reported(table):
    ToolFee.objects.filter(key="file_search_per_kcalls").update(amount=D("3"), source=Source.ADMIN)
    fee = ToolFee.objects.get(key="file_search_per_kcalls")
    report = sync_prices()
    assert report.skipped == [
        "file_search_per_kcalls from 2000-01-01: kept 3 (edited by an admin on "
        f"{timezone.localtime(fee.created_at):%Y-%m-%d %H:%M} UTC); the cost model says 2.5"
    ]


def test_an_api_surface_an_admin_edited_is_kept(table):
    alice = User.objects.create_user("alice")
    moment = timezone.now()
    ApiSurface.objects.filter(pk="responses").update(
        shutdown_date=date(2028, 1, 1), source=Source.ADMIN, edited_by=alice, edited_at=moment
    )
    report = sync_prices()
    assert report.skipped == [
        f"API surface responses: kept shuts down 2028-01-01 (edited by alice on {moment:%Y-%m-%d %H:%M} "
        "UTC); the cost model says no shutdown date"
    ]
    assert ApiSurface.objects.get(pk="responses").shutdown_date == date(2028, 1, 1)


# -- the command


def test_the_command_prints_what_it_added_and_a_summary(empty_table):
    out = StringIO()
    call_command("sync_prices", stdout=out)
    lines = out.getvalue().splitlines()
    assert "added model: gpt-4.1" in lines
    assert "added price: gpt-4.1 standard from 2000-01-01" in lines
    assert "added lifecycle: gpt-4 shuts down 2026-10-23 (successor gpt-5.4)" in lines
    assert "added API surface: assistants shuts down 2026-08-26 (successor responses)" in lines
    assert "added limits: gpt-5 input limit 272000, cache lifetime 1440 min" in lines
    assert "added limits: gpt-5.6-sol input limit whole window, cache lifetime 30 min" in lines
    assert "set default model: gpt-5.4" in lines
    assert lines[-1] == (
        "genai-prices 0.2.3: added 51 models, 100 prices, 9 tool fees, 19 lifecycles, 18 model limits, "
        "3 API surfaces; 0 rows unchanged; skipped 0."
    )


def test_the_command_dry_run_prints_the_plan(empty_table):
    out = StringIO()
    call_command("sync_prices", "--dry-run", stdout=out)
    lines = out.getvalue().splitlines()
    assert "would add model: gpt-4.1" in lines
    assert lines[-1].startswith(
        "dry run, nothing changed. genai-prices 0.2.3: would add 51 models, 100 prices"
    )
    assert LanguageModel.objects.count() == 0


def test_the_command_quiet_prints_one_line(table):
    out = StringIO()
    call_command("sync_prices", "--quiet", stdout=out)
    assert out.getvalue() == (
        "genai-prices 0.2.3: added 0 models, 0 prices, 0 tool fees, 0 lifecycles, 0 model limits, "
        "0 API surfaces; 109 rows unchanged; skipped 0.\n"
    )


def test_the_command_prints_skipped_rows_with_their_reason(table):
    TokenPrice.objects.filter(model_id="gpt-4", service_tier="standard").update(
        input_per_mtok=D("31"), source=Source.ADMIN
    )
    out = StringIO()
    call_command("sync_prices", stdout=out)
    assert out.getvalue().splitlines()[0] == (
        "skipped: gpt-4 standard from 2000-01-01: kept the row edited by an admin on "
        f"{timezone.localtime(TokenPrice.objects.get(model_id='gpt-4').created_at):%Y-%m-%d %H:%M} UTC "
        "(genai-prices 0.2.3 says input_per_mtok 31 -> 30)"
    )


# -- what genai-prices does not list: input limits, cache lifetimes, the default model


def test_sync_seeds_input_limits_and_cache_lifetimes_from_the_projects_table(table):
    limits = {
        model.id: (model.max_input_tokens, model.cache_ttl_minutes, model.limits_source)
        for model in LanguageModel.objects.filter(id__in=["gpt-5", "gpt-5.4-mini", "gpt-5.6-sol", "gpt-4.1"])
    }
    assert limits == {
        "gpt-5": (272_000, 1440, Source.SPEC),
        "gpt-5.4-mini": (272_000, 1440, Source.SPEC),
        "gpt-5.6-sol": (None, 30, Source.SPEC),
        "gpt-4.1": (None, 1440, Source.SPEC),
    }


def test_limits_an_admin_set_are_never_overridden(table):
    LanguageModel.objects.filter(pk="gpt-5").update(
        max_input_tokens=None, cache_ttl_minutes=60, limits_source=Source.ADMIN
    )
    report = sync_prices()
    assert report.skipped == [
        "limits of gpt-5: kept input limit whole window, cache lifetime 60 min (edited by an admin); "
        "the seed says input limit 272000, cache lifetime 1440 min"
    ]
    gpt5 = LanguageModel.objects.get(pk="gpt-5")
    assert (gpt5.max_input_tokens, gpt5.cache_ttl_minutes) == (None, 60)


def test_a_seeded_default_moves_to_the_seeds_default_on_the_next_sync(table):
    LanguageModel.objects.filter(is_default=True).update(is_default=False, default_source="")
    LanguageModel.objects.filter(pk="gpt-4.1").update(is_default=True, default_source=Source.SPEC)
    report = sync_prices()
    assert report.default_model == "gpt-5.4 (was gpt-4.1, seeded)"
    assert list(LanguageModel.objects.filter(is_default=True).values_list("id", flat=True)) == ["gpt-5.4"]


def test_a_default_an_admin_chose_is_kept(table):
    LanguageModel.objects.filter(is_default=True).update(is_default=False, default_source="")
    LanguageModel.objects.filter(pk="gpt-4.1").update(is_default=True, default_source=Source.ADMIN)
    report = sync_prices()
    assert report.default_model is None
    assert list(LanguageModel.objects.filter(is_default=True).values_list("id", flat=True)) == ["gpt-4.1"]
