"""Export and import of the whole price table: a fresh database reproduces every estimate exactly."""

import json
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from pricing.catalog import price_list, today
from pricing.models import ApiSurface, LanguageModel, Source, TokenPrice, ToolFee
from pricing.sync import sync_prices
from pricing.transfer import CSV_COLUMNS, PriceImportError, export_csv, export_json, import_file
from tests.pricing.tables import empty_price_table

HEADER = "record,model,service_tier,effective_from,input_per_mtok,cached_input_per_mtok,output_per_mtok\n"


def table_counts() -> tuple[int, int, int, int]:
    return (
        LanguageModel.objects.count(),
        TokenPrice.objects.count(),
        ToolFee.objects.count(),
        ApiSurface.objects.count(),
    )


def estimate(client, **params) -> dict:
    # Every conversation the same length, every cache hit found: exact integer token counts.
    exact = {"model": "gpt-4.1", "turns_distribution": "fixed", "cache_hit_rate": "1"}
    response = client.get("/api/estimate", {**exact, **params})
    assert response.status_code == 200, response.content
    return response.json()


# -- the "done when" scenario, end to end


@pytest.mark.parametrize("file_name", ["prices.json", "prices.csv"])
def test_admin_edit_then_export_and_import_into_an_empty_table_reproduces_both_estimates(
    table, client, file_name
):
    tomorrow = today() + timedelta(days=1)
    before_today = estimate(client)
    client.force_login(User.objects.create_user("alice", password="pw", is_staff=True, is_superuser=True))
    gpt41 = TokenPrice.objects.get(
        model_id="gpt-4.1", service_tier="standard", effective_from=date(2000, 1, 1)
    )
    form = client.get(f"/admin/pricing/tokenprice/add/?copy_from={gpt41.pk}").context["adminform"].form
    post = {name: "" if value is None else str(value) for name, value in form.initial.items()}
    response = client.post("/admin/pricing/tokenprice/add/", {**post, "input_per_mtok": "2.2"})
    assert response.status_code == 302

    after_today = estimate(client)
    after_tomorrow = estimate(client, as_of=tomorrow.isoformat())
    assert after_today == before_today
    assert after_tomorrow["prices"]["service_tiers"]["standard"]["input_per_mtok"] == "2.2"
    assert after_tomorrow["prices"]["as_of"] == tomorrow.isoformat()
    for approach, today_result in after_today["approaches"].items():
        tokens = today_result["tokens"]
        uncached = D(tokens["input"]) - D(tokens["input_cached"]) - D(tokens["input_cache_write"])
        expected = D(today_result["per_session_usd"]) + uncached * D("0.2") / 10**6
        assert D(after_tomorrow["approaches"][approach]["per_session_usd"]) == expected

    content = (export_json() if file_name.endswith(".json") else export_csv()).encode()
    empty_price_table()
    assert table_counts() == (0, 0, 0, 0)
    report = import_file(file_name, content)
    assert report.created == {"model": 51, "api_surface": 3, "token_price": 101, "tool_fee": 9}

    assert estimate(client) == after_today
    assert estimate(client, as_of=tomorrow.isoformat()) == after_tomorrow
    imported = TokenPrice.objects.get(model_id="gpt-4.1", service_tier="standard", effective_from=tomorrow)
    assert imported.edited_by is not None
    assert (imported.source, imported.edited_by.username) == (Source.ADMIN, "alice")

    first, second = sync_prices(), sync_prices()
    assert not first.changed and not second.changed
    assert table_counts() == (51, 101, 9, 3)


def test_exporting_an_imported_table_gives_the_same_file(table):
    exported = json.loads(export_json())
    empty_price_table()
    import_file("prices.json", json.dumps(exported).encode())
    again = json.loads(export_json())
    exported.pop("exported_at"), again.pop("exported_at")
    assert again == exported


def test_the_json_export_is_the_api_prices_response_plus_history(table):
    exported = json.loads(export_json())
    assert {key: exported[key] for key in ("as_of", "version", "default_model", "models")} == price_list()
    assert exported["format"] == "agent-cost-estimator/price-table"
    assert exported["format_version"] == 1
    assert {key: len(rows) for key, rows in exported["history"].items()} == {
        "models": 51,
        "api_surfaces": 3,
        "token_prices": 100,
        "tool_fees": 9,
    }
    gpt54 = next(
        row
        for row in exported["history"]["token_prices"]
        if (row["model"], row["service_tier"]) == ("gpt-5.4", "standard")
    )
    assert {key: gpt54[key] for key in ("input_per_mtok", "cached_input_per_mtok", "long_context")} == {
        "input_per_mtok": "2.5",
        "cached_input_per_mtok": "0.25",
        "long_context": {
            "threshold_tokens": 272000,
            "input_per_mtok": "5",
            "cached_input_per_mtok": "0.5",
            "cache_write_per_mtok": None,
            "output_per_mtok": "22.5",
        },
    }


def test_the_csv_export_has_one_row_per_record(table):
    lines = export_csv().splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    kinds = [line.split(",")[0] for line in lines[1:]]
    assert {kind: kinds.count(kind) for kind in set(kinds)} == {
        "model": 51,
        "api_surface": 3,
        "token_price": 100,
        "tool_fee": 9,
    }
    gpt41 = next(line for line in lines if line.startswith("model,gpt-4.1,"))
    assert gpt41 == (
        "model,gpt-4.1,,,,,,,,,,,,,,gpt 4.1,gpt-4.1,1047576,,1440,o200k_base,2027-01-14,false,gpt-5.4,"
        "genai-prices,0.2.3,spec,spec,,,,,"
    )


def test_importing_the_same_file_twice_adds_nothing_the_second_time(table):
    content = export_csv().encode()
    report = import_file("prices.csv", content)
    assert report.created == {"model": 0, "api_surface": 0, "token_price": 0, "tool_fee": 0}
    assert report.unchanged == {"model": 51, "api_surface": 3, "token_price": 100, "tool_fee": 9}


# -- bad files: a clear error with row and field, and nothing imported


def import_errors(name: str, text: str) -> list[str]:
    counts = table_counts()
    with pytest.raises(PriceImportError) as caught:
        import_file(name, text.encode())
    assert table_counts() == counts
    return caught.value.errors


def test_a_bad_row_names_its_row_and_field_and_the_good_rows_are_not_imported(table):
    errors = import_errors(
        "prices.csv",
        HEADER
        + "token_price,gpt-4.1,standard,2030-01-01,2.4,0.6,9\n"
        + "token_price,gpt-4.1,standard,2030-02-01,-1,,9\n"
        + "token_price,gpt-4.1,standard,2030-03-01,1,1.5,9\n"
        + "token_price,gpt-9,standard,2030-03-01,1,,9\n"
        + "token_price,gpt-4.1,standard,2030-04-01,1,,\n",
    )
    assert errors == [
        "row 3 (gpt-4.1 standard from 2030-02-01), field input_per_mtok: Must be 0 or more (USD).",
        "row 4 (gpt-4.1 standard from 2030-03-01), field cached_input_per_mtok: "
        "A cached input price cannot be above the input price (1).",
        "row 5 (gpt-9 standard from 2030-03-01), field model: "
        "unknown model 'gpt-9': add it to the file's models",
        "row 6 (gpt-4.1 standard from 2030-04-01), field output_per_mtok: This field is required.",
    ]
    assert not TokenPrice.objects.filter(effective_from=date(2030, 1, 1)).exists()


def test_bad_values_are_named_by_field(table):
    errors = import_errors(
        "prices.csv",
        HEADER
        + "token_price,gpt-4.1,standard,2030-13-01,2,,8\n"
        + "token_price,gpt-4.1,slow,2030-01-01,2,,8\n"
        + "token_price,gpt-4.1,standard,2030-01-02,two,,8\n"
        + "token_price,gpt-4.1,standard,2030-01-03,2.1234567,,8\n",
    )
    assert errors == [
        "row 2 (gpt-4.1 standard from 2030-13-01), field effective_from: Enter a valid date.",
        "row 3 (gpt-4.1 slow from 2030-01-01), field service_tier: "
        "Select a valid choice. slow is not one of the available choices.",
        "row 4 (gpt-4.1 standard from 2030-01-02), field input_per_mtok: Enter a number.",
        "row 5 (gpt-4.1 standard from 2030-01-03), field input_per_mtok: "
        "Ensure that there are no more than 6 decimal places.",
    ]


def test_a_value_repeated_down_a_column_is_an_error_on_every_row_that_holds_it(table):
    # Each distinct cell is parsed once per import (the form field's check, and the model field's, as
    # `checked_at`'s range is): every row holding it still gets its own error.
    far = "9999-12-31T23:59:59-05:00"
    errors = import_errors(
        "prices.csv",
        HEADER.replace("\n", ",checked_at\n")
        + f"token_price,gpt-4.1,standard,2030-01-01,two,,8,{far}\n"
        + f"token_price,gpt-4.1,standard,2030-01-02,two,,8,{far}\n"
        + "token_price,gpt-4.1,standard,2030-01-03,2,,8,\n",
    )
    out_of_range = f"Out of range: {far.replace('T', ' ')} is not between years 1 and 9999 in UTC."
    assert errors == [
        "row 2 (gpt-4.1 standard from 2030-01-01), field input_per_mtok: Enter a number.",
        f"row 2 (gpt-4.1 standard from 2030-01-01), field checked_at: {out_of_range}",
        "row 3 (gpt-4.1 standard from 2030-01-02), field input_per_mtok: Enter a number.",
        f"row 3 (gpt-4.1 standard from 2030-01-02), field checked_at: {out_of_range}",
    ]


def test_two_rows_for_the_same_day_in_one_file_collide(table):
    errors = import_errors(
        "prices.csv",
        HEADER
        + "token_price,gpt-4.1,standard,2030-01-01,2,,8\ntoken_price,gpt-4.1,standard,2030-01-01,3,,9\n",
    )
    assert errors == [
        "row 3 (gpt-4.1 standard from 2030-01-01), field effective_from: "
        "the file lists gpt-4.1 standard from 2030-01-01 twice"
    ]


def test_an_import_never_overrides_a_row_in_the_table(table):
    errors = import_errors("prices.csv", HEADER + "token_price,gpt-4.1,standard,2000-01-01,3,0.5,8\n")
    assert errors == [
        "row 2 (gpt-4.1 standard from 2000-01-01), field input_per_mtok: the table already has this row "
        "with 2 (the file says 3); an import never overrides: add a row from another date instead"
    ]


def test_an_import_never_rewrites_the_past_of_a_priced_model(table):
    yesterday = (today() - timedelta(days=1)).isoformat()
    errors = import_errors("prices.csv", HEADER + f"token_price,gpt-4.1,standard,{yesterday},3,,8\n")
    assert errors == [
        f"row 2 (gpt-4.1 standard from {yesterday}), field effective_from: {yesterday} is before today and "
        "the table already prices gpt-4.1 standard: a row from that date would re-price estimates already "
        "made for it. Pick today or a later date."
    ]


def test_unknown_columns_and_record_kinds_are_refused(table):
    assert import_errors("prices.csv", "record,model,colour\n") == [
        "row 1 (header), column 'colour': unknown column"
    ]
    assert import_errors("prices.csv", HEADER + "price,gpt-4.1,standard,2030-01-01,2,,8\n") == [
        "row 2, field record: expected one of model, api_surface, token_price, tool_fee, got 'price'"
    ]
    assert import_errors("prices.csv", "model,input_per_mtok\ngpt-4.1,2\n") == [
        "row 1 (header): needs a `record` column; export the table to get the layout"
    ]


def test_a_field_another_record_kind_uses_must_be_empty(table):
    errors = import_errors(
        "prices.csv",
        "record,key,effective_from,amount,model\ntool_fee,vector_storage_free_gb,2030-01-01,2,gpt-4.1\n",
    )
    assert errors == ["row 2, field model: not used by a tool_fee record, leave it empty"]


def test_bad_json_files_say_where(table):
    assert import_errors("prices.json", "{not json") == [
        "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    ]
    assert import_errors("prices.json", '{"models": []}') == [
        "history: missing; export the table with export_prices to get one"
    ]
    document = {
        "history": {
            "token_prices": [
                {
                    "model": "gpt-4.1",
                    "service_tier": "standard",
                    "effective_from": "2030-01-01",
                    "input_per_mtok": "2",
                    "output_per_mtok": "8",
                    "long_context": {
                        "threshold_tokens": 1000,
                        "input_per_mtok": "4",
                        "output_per_mtok": "16",
                    },
                    "colour": "blue",
                }
            ]
        }
    }
    assert import_errors("prices.json", json.dumps(document)) == [
        "history.token_prices[0] (gpt-4.1 standard from 2030-01-01), field colour: unknown field"
    ]


def test_a_new_model_with_its_prices_and_lifecycle_imports(table):
    text = (
        "record,model,context_window,shutdown_date,successor,service_tier,effective_from,"
        "input_per_mtok,output_per_mtok\n"
        "model,acme-1,128000,2031-01-01,gpt-5.4,,,,\n"
        "token_price,acme-1,,,,standard,2000-01-01,1,4\n"
    )
    report = import_file("prices.csv", text.encode())
    assert report.created == {"model": 1, "api_surface": 0, "token_price": 1, "tool_fee": 0}
    model = LanguageModel.objects.get(pk="acme-1")
    assert (model.shutdown_date, model.successor_id, model.source) == (
        date(2031, 1, 1),
        "gpt-5.4",
        Source.IMPORT,
    )


def test_a_model_whose_successor_is_unknown_is_refused(table):
    errors = import_errors(
        "prices.csv",
        "record,model,context_window,shutdown_date,successor\nmodel,acme-1,128000,2031-01-01,acme-9\n",
    )
    assert errors == ["row 2 (acme-1), field successor: unknown model 'acme-9': not in the file or the table"]


# -- the commands


def test_export_then_import_commands_round_trip(table, tmp_path):
    path = tmp_path / "prices.json"
    call_command("export_prices", "--output", str(path))
    empty_price_table()
    call_command("import_prices", str(path))
    assert table_counts() == (51, 100, 9, 3)


def test_the_import_command_reports_row_and_field_of_a_bad_file(table, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(HEADER + "token_price,gpt-4.1,standard,2030-01-01,2,3,8\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_prices", str(path))
    assert str(caught.value) == (
        f"{path}: nothing imported.\nrow 2 (gpt-4.1 standard from 2030-01-01), field cached_input_per_mtok: "
        "A cached input price cannot be above the input price (2)."
    )


def test_the_import_command_dry_run_imports_nothing(table, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(HEADER + "token_price,gpt-4.1,standard,2030-01-01,2,,8\n")
    call_command("import_prices", str(path), "--dry-run")
    assert not TokenPrice.objects.filter(effective_from=date(2030, 1, 1)).exists()


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted_and_round_trips(table):
    TokenPrice.objects.filter(model_id="gpt-4.1", service_tier="standard").update(note='=HYPERLINK("x")')
    exported = export_csv()
    assert ',"\'=HYPERLINK(""x"")"' in exported
    empty_price_table()
    import_file("prices.csv", exported.encode())
    assert TokenPrice.objects.get(model_id="gpt-4.1", service_tier="standard").note == '=HYPERLINK("x")'


def test_unreadable_files_are_refused_with_a_reason(table):
    assert import_errors("prices.csv", HEADER + "token_price,gpt-4.1,standard,2030-01-01,2,\0,8\n") == [
        "row 2 (gpt-4.1 standard from 2030-01-01), field cached_input_per_mtok: Enter a number."
    ]
    assert import_errors("prices.csv", HEADER + "token_price," + "x" * 200_000 + "\n") == [
        "not a readable CSV file: field larger than field limit (131072)"
    ]
    assert import_errors("prices.csv", "record,model,model\n") == [
        "row 1 (header), column 'model': appears twice"
    ]
    assert import_errors("prices.json", "[" * 100_000 + "]" * 100_000) == [
        "not valid JSON: nested too deeply"
    ]
    with pytest.raises(PriceImportError) as caught:
        import_file("prices.csv", b"\xff\xfe\x00r")
    assert caught.value.errors == ["not UTF-8 text (byte 0)"]


def test_an_import_keeps_the_tables_lifecycle_and_says_so(table):
    text = "record,model,context_window,shutdown_date,successor\nmodel,gpt-4.1,1047576,2027-06-30,gpt-5.5\n"
    report = import_file("prices.csv", text.encode())
    assert report.notes == [
        "kept the lifecycle of gpt-4.1 in the table (shutdown 2027-01-14, successor gpt-5.4); the file says "
        "shutdown 2027-06-30, successor gpt-5.5: change it in the admin if the file is right"
    ]
    assert LanguageModel.objects.get(pk="gpt-4.1").shutdown_date == date(2027, 1, 14)


# -- hostile files: every problem a row-and-field error, never a 500


def one_price(**changes) -> str:
    record = {
        "model": "gpt-4.1",
        "service_tier": "standard",
        "effective_from": "2030-01-01",
        "input_per_mtok": "2.4",
        "output_per_mtok": "9",
        **changes,
    }
    return json.dumps({"history": {"token_prices": [record]}})


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
@pytest.mark.parametrize("name", ["created_at", "checked_at"])
def test_a_moment_out_of_range_in_utc_is_a_field_error(table, name, moment):
    assert import_errors("prices.json", one_price(**{name: moment})) == [
        f"history.token_prices[0] (gpt-4.1 standard from 2030-01-01), field {name}: "
        f"Out of range: {moment.replace('T', ' ')} is not between years 1 and 9999 in UTC."
    ]


def test_a_lone_surrogate_in_a_model_id_is_a_field_error(table):
    document = '{"history": {"models": [{"model": "sur\\ud800", "context_window": 1000}]}}'
    assert import_errors("prices.json", document) == [
        "history.models[0] (sur\\ud800), field model: "
        "Not valid Unicode text: a lone surrogate at character 4."
    ]


def test_a_lone_surrogate_in_a_note_is_a_field_error_too(table):
    assert import_errors("prices.json", one_price(note="fine \ud800")) == [
        "history.token_prices[0] (gpt-4.1 standard from 2030-01-01), field note: "
        "Not valid Unicode text: a lone surrogate at character 6."
    ]


def test_a_repeated_key_in_a_json_object_is_refused(table):
    document = one_price().replace(
        '"input_per_mtok": "2.4"', '"input_per_mtok": "2.4", "input_per_mtok": "0.1"'
    )
    assert import_errors("prices.json", document) == [
        "not valid JSON: the key 'input_per_mtok' appears twice in one object (which value is meant?)"
    ]


def test_a_list_where_a_value_belongs_is_a_field_error(table):
    assert import_errors("prices.json", one_price(input_per_mtok=["2"])) == [
        "history.token_prices[0] (gpt-4.1 standard from 2030-01-01), field input_per_mtok: "
        "expected one value, not a list or object"
    ]


def test_an_export_from_before_input_limits_and_cache_lifetimes_still_imports(table):
    # Format 1 as written before these columns: no max_input_tokens, cache_ttl_minutes, *_source, and a
    # surface status (now derived from its shutdown date).
    document = {
        "format": "agent-cost-estimator/price-table",
        "format_version": 1,
        "history": {
            "models": [{"model": "acme-1", "context_window": 128000, "encoding": "o200k_base"}],
            "api_surfaces": [{"key": "batch", "name": "Batch API", "status": "live", "shutdown_date": None}],
            "token_prices": [
                {
                    "model": "acme-1",
                    "service_tier": "standard",
                    "effective_from": "2000-01-01",
                    "input_per_mtok": "1",
                    "output_per_mtok": "4",
                    "long_context": None,
                }
            ],
        },
    }
    report = import_file("old.json", json.dumps(document).encode())
    assert report.created == {"model": 1, "api_surface": 1, "token_price": 1, "tool_fee": 0}
    acme = LanguageModel.objects.get(pk="acme-1")
    assert (acme.max_input_tokens, acme.cache_ttl_minutes, acme.source) == (None, 1440, Source.IMPORT)


def test_input_limits_and_cache_lifetimes_round_trip_through_csv(table):
    LanguageModel.objects.filter(pk="gpt-4.1").update(max_input_tokens=900_000, cache_ttl_minutes=60)
    exported = export_csv()
    empty_price_table()
    import_file("prices.csv", exported.encode())
    gpt41 = LanguageModel.objects.get(pk="gpt-4.1")
    assert (gpt41.max_input_tokens, gpt41.cache_ttl_minutes) == (900_000, 60)


def test_an_import_writes_in_bulk_a_fixed_number_of_queries_whatever_its_size(
    table, django_assert_max_num_queries
):
    rows = "".join(
        f"token_price,gpt-4.1,standard,{(date(2030, 1, 1) + timedelta(days=n)).isoformat()},{n},,9\n"
        for n in range(600)
    )
    with django_assert_max_num_queries(20):
        report = import_file("prices.csv", (HEADER + rows).encode())
    assert report.created["token_price"] == 600
    assert TokenPrice.objects.filter(model_id="gpt-4.1", effective_from__year__gte=2030).count() == 600
