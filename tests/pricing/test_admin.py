"""The price table's admin: staff only, read-only history, new rows from a date, filters, import/export.

Pages are rendered through Django's test client as a logged-in staff user.
"""

import json
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pricing.catalog import today
from pricing.models import LanguageModel, PriceImport, PriceImportStatus, Source, TokenPrice, ToolFee
from pricing.sync import sync_prices

ADMIN_PAGES = [
    "/admin/pricing/tokenprice/",
    "/admin/pricing/tokenprice/add/",
    "/admin/pricing/toolfee/",
    "/admin/pricing/languagemodel/",
    "/admin/pricing/languagemodel/gpt-4.1/change/",
    "/admin/pricing/apisurface/",
    "/admin/pricing/syncrun/",
    "/admin/pricing/tokenprice/export.json",
    "/admin/pricing/tokenprice/export.csv",
    "/admin/pricing/tokenprice/import/",
    "/admin/pricing/syncrun/sync/",
]


@pytest.fixture
def staff(seeded, db, client):
    user = User.objects.create_user("alice", password="pw", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def gpt41_standard_today() -> TokenPrice:
    return TokenPrice.objects.get(
        model_id="gpt-4.1", service_tier="standard", effective_from=date(2000, 1, 1)
    )


def new_price_form(**changes) -> dict:
    form = {
        "model": "gpt-4.1",
        "service_tier": "standard",
        "effective_from": (today() + timedelta(days=1)).isoformat(),
        "input_per_mtok": "2.2",
        "cached_input_per_mtok": "0.5",
        "cache_write_per_mtok": "",
        "output_per_mtok": "8",
        "long_context_threshold": "",
        "long_context_input_per_mtok": "",
        "long_context_cached_input_per_mtok": "",
        "long_context_cache_write_per_mtok": "",
        "long_context_output_per_mtok": "",
        "note": "OpenAI raised gpt-4.1 input.",
    }
    form.update(changes)
    return form


# -- who may see it


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(seeded, db, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_logged_in_users_who_are_not_staff_are_sent_to_the_login_page(seeded, db, client, url):
    client.force_login(User.objects.create_user("bob", password="pw", is_staff=False))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_staff_see_every_page(staff, client, url):
    assert client.get(url).status_code == 200


def test_staff_with_view_permission_only_can_read_but_not_import(seeded, db, client):
    viewer = User.objects.create_user("carol", password="pw", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__startswith="view_", content_type__app_label="pricing")
    )
    client.force_login(viewer)
    assert client.get("/admin/pricing/tokenprice/").status_code == 200
    assert client.get("/admin/pricing/tokenprice/export.json").status_code == 200
    assert client.get("/admin/pricing/tokenprice/import/").status_code == 403
    price_import = PriceImport.objects.create(name="prices.csv")
    assert client.get(price_import.get_absolute_url()).status_code == 403
    assert client.get("/admin/pricing/tokenprice/add/").status_code == 403
    client.logout()
    assert client.get(price_import.get_absolute_url())["Location"].startswith("/admin/login/?next=")


# -- the list: labels, filters, search, source, freshness


def test_the_price_list_labels_units_and_shows_each_rows_source(staff, client):
    html = client.get("/admin/pricing/tokenprice/?q=gpt-4.1-nano").content.decode()
    assert "Input (USD/1M)" in html and "Output (USD/1M)" in html
    assert "genai-prices 0.2.3" in html
    assert rows_listed(client, "?q=gpt-4.1-nano") == {
        ("gpt-4.1-nano", "standard", "2000-01-01"),
        ("gpt-4.1-nano", "fast", "2026-10-12"),
    }


def test_the_add_form_labels_fields_with_their_units(staff, client):
    html = client.get("/admin/pricing/tokenprice/add/").content.decode()
    for label in (
        "USD per 1M input tokens",
        "USD per 1M cached input tokens",
        "USD per 1M output tokens",
        "Long-context threshold (input tokens)",
    ):
        assert label in html


def rows_listed(client, query: str) -> set[tuple[str, str, str]]:
    response = client.get("/admin/pricing/tokenprice/" + query)
    return {
        (r.model_id, r.service_tier, r.effective_from.isoformat()) for r in response.context["cl"].result_list
    }


def test_filter_historical_rows_lists_the_superseded_prices(staff, client):
    assert rows_listed(client, "?in_force=historical") == {
        ("o3", "standard", "2000-01-01"),
        ("gpt-5.6-luna", "standard", "2000-01-01"),
        ("gpt-5.6-sol", "standard", "2000-01-01"),
        ("gpt-5.6-terra", "standard", "2000-01-01"),
    }


def test_filter_current_rows_lists_the_row_in_force_today(staff, client):
    current = rows_listed(client, "?in_force=current&model__id__exact=o3")
    assert current == {
        ("o3", "standard", "2025-06-10"),
        ("o3", "flex", "2026-10-12"),
        ("o3", "fast", "2026-10-12"),
    }


def test_filter_scheduled_rows_lists_rows_that_start_later(staff, client):
    TokenPrice.objects.create(**{**gpt41_values(), "effective_from": today() + timedelta(days=3)})
    scheduled = rows_listed(client, "?in_force=scheduled")
    assert scheduled == {("gpt-4.1", "standard", (today() + timedelta(days=3)).isoformat())}


def gpt41_values() -> dict:
    return {
        "model_id": "gpt-4.1",
        "service_tier": "standard",
        "input_per_mtok": D("2.2"),
        "cached_input_per_mtok": D("0.5"),
        "output_per_mtok": D("8"),
        "source": Source.ADMIN,
    }


def test_filter_by_provider_family_and_service_tier(staff, client):
    rows = rows_listed(client, "?model__family=gpt-4.1&service_tier__exact=fast")
    assert rows == {
        ("gpt-4.1", "fast", "2026-10-12"),
        ("gpt-4.1-mini", "fast", "2026-10-12"),
        ("gpt-4.1-nano", "fast", "2026-10-12"),
    }


def test_filter_prices_of_shut_down_models(staff, client):
    models = {row[0] for row in rows_listed(client, "?shut_down=yes")}
    assert models == {
        "gpt-3.5-turbo",
        "gpt-4",
        "gpt-4-turbo",
        "o1",
        "o1-pro",
        "o3-mini",
        "o4-mini",
        "gpt-4.1-nano",
    }


def test_filter_models_by_lifecycle(staff, client):
    def listed(query):
        response = client.get("/admin/pricing/languagemodel/" + query)
        return {model.id for model in response.context["cl"].result_list}

    assert listed("?shut_down=scheduled") == {
        "gpt-5",
        "gpt-5-mini",
        "gpt-5-nano",
        "gpt-5-pro",
        "o3",
        "o3-pro",
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-5.1",
    }
    assert "gpt-5.4" in listed("?shut_down=no")
    assert "gpt-4" in listed("?shut_down=yes")


def test_rows_not_checked_for_90_days_are_flagged_stale(staff, client):
    stale = TokenPrice.objects.filter(model_id="gpt-4").update(checked_at=timezone.now() - timedelta(days=91))
    assert stale == 1
    assert rows_listed(client, "?freshness=stale") == {("gpt-4", "standard", "2000-01-01")}
    html = client.get("/admin/pricing/tokenprice/?q=gpt-4&service_tier__exact=standard").content.decode()
    assert "(stale)" in html


# -- history: saved rows are read-only, a change is a new row from a date


def test_a_saved_row_is_shown_read_only_with_a_link_to_a_new_row(staff, client):
    row = gpt41_standard_today()
    html = client.get(f"/admin/pricing/tokenprice/{row.pk}/change/").content.decode()
    assert 'name="_save"' not in html
    assert f"/admin/pricing/tokenprice/add/?copy_from={row.pk}" in html
    assert "Timeline" in html


def test_posting_a_change_to_a_saved_row_is_refused_and_changes_nothing(staff, client):
    row = gpt41_standard_today()
    response = client.post(
        f"/admin/pricing/tokenprice/{row.pk}/change/", new_price_form(effective_from="2000-01-01")
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.input_per_mtok == D("2")


def test_the_new_row_form_is_prefilled_from_the_row_it_replaces_and_dated_tomorrow(staff, client):
    row = gpt41_standard_today()
    form = client.get(f"/admin/pricing/tokenprice/add/?copy_from={row.pk}").context["adminform"].form
    assert form.initial["model"] == "gpt-4.1"
    assert form.initial["service_tier"] == "standard"
    assert form.initial["input_per_mtok"] == D("2")
    assert form.initial["cached_input_per_mtok"] == D("0.5")
    assert form.initial["output_per_mtok"] == D("8")
    assert form.initial["effective_from"] == today() + timedelta(days=1)


def test_add_a_price_for_a_model_and_tier_starts_from_the_row_in_force(staff, client):
    form = (
        client.get("/admin/pricing/tokenprice/add/?model=o3&service_tier=standard").context["adminform"].form
    )
    assert (form.initial["input_per_mtok"], form.initial["output_per_mtok"]) == (D("2"), D("8"))


def test_an_admin_adds_a_new_price_from_tomorrow(staff, client):
    response = client.post("/admin/pricing/tokenprice/add/", new_price_form())
    assert response.status_code == 302
    row = TokenPrice.objects.get(
        model_id="gpt-4.1", service_tier="standard", effective_from=today() + timedelta(days=1)
    )
    assert (row.input_per_mtok, row.cached_input_per_mtok, row.output_per_mtok) == (
        D("2.2"),
        D("0.5"),
        D("8"),
    )
    assert (row.source, row.edited_by, row.source_version) == (Source.ADMIN, staff, "")
    assert row.checked_at is not None
    assert gpt41_standard_today().input_per_mtok == D("2")
    listing = client.get("/admin/pricing/tokenprice/?q=gpt-4.1&service_tier__exact=standard").content.decode()
    assert "edited by alice on" in listing


def test_a_new_price_cannot_start_in_the_past(staff, client):
    yesterday = (today() - timedelta(days=1)).isoformat()
    response = client.post("/admin/pricing/tokenprice/add/", new_price_form(effective_from=yesterday))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "effective_from": [
            f"{yesterday} is before today and the table already prices gpt-4.1 standard: a row from that "
            "date would re-price estimates already made for it. Pick today or a later date."
        ]
    }


def test_a_new_price_from_today_is_allowed(staff, client):
    response = client.post(
        "/admin/pricing/tokenprice/add/", new_price_form(effective_from=today().isoformat())
    )
    assert response.status_code == 302


def test_the_admin_form_reports_model_validation_by_field(staff, client):
    client.post("/admin/pricing/tokenprice/add/", new_price_form())
    response = client.post(
        "/admin/pricing/tokenprice/add/",
        new_price_form(input_per_mtok="-1", cached_input_per_mtok="0.5", long_context_threshold="1000"),
    )
    errors = response.context["adminform"].form.errors
    assert set(errors) == {
        "input_per_mtok",
        "effective_from",
        "long_context_input_per_mtok",
        "long_context_cached_input_per_mtok",
        "long_context_output_per_mtok",
    }
    assert errors["input_per_mtok"] == ["Must be 0 or more (USD)."]
    assert errors["effective_from"] == [
        f"gpt-4.1 already has a standard price effective from {today() + timedelta(days=1)}: "
        "pick another date."
    ]
    assert errors["long_context_input_per_mtok"] == [
        "Required with a long-context threshold (the base price has one)."
    ]
    assert TokenPrice.objects.filter(model_id="gpt-4.1", service_tier="standard").count() == 2


def test_only_a_row_not_yet_in_force_can_be_deleted(staff, client):
    future = TokenPrice.objects.create(**{**gpt41_values(), "effective_from": today() + timedelta(days=5)})
    current = gpt41_standard_today()
    assert client.get(f"/admin/pricing/tokenprice/{current.pk}/delete/").status_code == 403
    assert client.post(f"/admin/pricing/tokenprice/{future.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not TokenPrice.objects.filter(pk=future.pk).exists()
    assert TokenPrice.objects.filter(pk=current.pk).exists()


def test_the_list_has_no_bulk_delete_action(staff, client):
    response = client.get("/admin/pricing/tokenprice/")
    assert response.context["action_form"] is None


def test_a_new_tool_fee_is_a_new_row_too(staff, client):
    response = client.post(
        "/admin/pricing/toolfee/add/",
        {
            "key": "file_search_per_kcalls",
            "effective_from": (today() + timedelta(days=1)).isoformat(),
            "amount": "3",
            "note": "",
        },
    )
    assert response.status_code == 302
    amounts = list(
        ToolFee.objects.filter(key="file_search_per_kcalls")
        .order_by("effective_from")
        .values_list("amount", "source")
    )
    assert amounts == [(D("2.5"), Source.SPEC), (D("3"), Source.ADMIN)]


# -- the model page: timeline and lifecycle


def test_the_model_page_shows_its_price_timeline_by_date(staff, client):
    response = client.get("/admin/pricing/languagemodel/o3/change/")
    timeline = response.context["inline_admin_formsets"][0]
    rows = [(form.original.effective_from.isoformat(), form.original.service_tier) for form in timeline]
    assert rows == [
        ("2000-01-01", "standard"),
        ("2025-06-10", "standard"),
        ("2026-10-12", "fast"),
        ("2026-10-12", "flex"),
    ]
    html = response.content.decode()
    assert "historical" in html and "current" in html
    assert "/admin/pricing/tokenprice/add/?model=o3&amp;service_tier=standard" in html


def test_the_context_window_of_an_existing_model_is_read_only(staff, client):
    form = client.get("/admin/pricing/languagemodel/gpt-4.1/change/").context["adminform"].form
    assert "context_window" not in form.fields and "encoding" not in form.fields
    assert "shutdown_date" in form.fields and "successor" in form.fields


def lifecycle_form(model: LanguageModel, **changes) -> dict:
    form = {
        "name": model.name,
        "family": model.family,
        "is_default": "on" if model.is_default else "",
        "shutdown_date": model.shutdown_date.isoformat() if model.shutdown_date else "",
        "successor": model.successor_id or "",
        "max_input_tokens": model.max_input_tokens or "",
        "cache_ttl_minutes": model.cache_ttl_minutes,
        "prices-TOTAL_FORMS": "0",
        "prices-INITIAL_FORMS": "0",
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value != ""}


def test_an_admin_moves_a_shutdown_date_and_sync_keeps_it(staff, client):
    model = LanguageModel.objects.get(pk="gpt-4.1")
    response = client.post(
        "/admin/pricing/languagemodel/gpt-4.1/change/", lifecycle_form(model, shutdown_date="2027-06-30")
    )
    assert response.status_code == 302
    model.refresh_from_db()
    assert (model.shutdown_date, model.lifecycle_source, model.edited_by) == (
        date(2027, 6, 30),
        Source.ADMIN,
        staff,
    )
    report = sync_prices()
    model.refresh_from_db()
    assert model.shutdown_date == date(2027, 6, 30)
    assert (
        "lifecycle of gpt-4.1: kept shuts down 2027-06-30 (successor gpt-5.4) (edited by an admin); "
        "the seed says shuts down 2027-01-14 (successor gpt-5.4)"
    ) in report.skipped


def test_a_model_cannot_be_its_own_successor(staff, client):
    model = LanguageModel.objects.get(pk="gpt-4.1")
    response = client.post(
        "/admin/pricing/languagemodel/gpt-4.1/change/", lifecycle_form(model, successor="gpt-4.1")
    )
    assert response.context["adminform"].form.errors == {
        "successor": ["A model cannot be its own successor."]
    }


def test_ticking_default_on_another_model_moves_the_default(staff, client):
    model = LanguageModel.objects.get(pk="gpt-5.4")
    response = client.post(
        "/admin/pricing/languagemodel/gpt-5.4/change/", lifecycle_form(model, is_default="on")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(LanguageModel.objects.filter(is_default=True).values_list("id", flat=True)) == ["gpt-5.4"]


def test_an_admin_schedules_a_shutdown_of_the_responses_api_and_estimates_read_it(staff, client):
    response = client.post(
        "/admin/pricing/apisurface/responses/change/",
        {"name": "Responses API", "shutdown_date": "2028-01-01"},
    )
    assert response.status_code == 302
    page = client.get("/admin/pricing/apisurface/").content.decode()
    assert "edited by alice on" in page
    surfaces = client.get("/api/prices/gpt-4.1").json()["api_surfaces"]
    assert surfaces["responses"] == {"shutdown_date": "2028-01-01", "successor": None}


def test_an_api_surfaces_successor_needs_a_shutdown_date(staff, client):
    response = client.post(
        "/admin/pricing/apisurface/responses/change/",
        {"name": "Responses API", "successor": "chat_completions"},
    )
    assert response.context["adminform"].form.errors == {
        "shutdown_date": ["A successor only makes sense with a shutdown date: set the date too."]
    }


# -- export and import from the admin


def test_export_json_from_the_admin_downloads_the_table(staff, client):
    response = client.get("/admin/pricing/tokenprice/export.json")
    assert response["Content-Disposition"] == f'attachment; filename="price-table-{today()}.json"'
    body = json.loads(response.content)
    assert body["format"] == "agent-cost-estimator/price-table"
    assert len(body["history"]["token_prices"]) == 100


def test_export_csv_from_the_admin_downloads_the_table(staff, client):
    response = client.get("/admin/pricing/tokenprice/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("record,model,")
    assert len(lines) == 1 + 51 + 3 + 100 + 9


def upload_to_admin(client, name: str, text: str, **form: str):
    """Post a file to the admin's Import (the test settings' immediate task backend runs the import in
    the request) and follow the redirect to the import's page."""
    upload = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    response = client.post("/admin/pricing/tokenprice/import/", {"file": upload, **form})
    assert response.status_code == 302
    price_import = PriceImport.objects.get()
    assert response["Location"] == f"/admin/pricing/tokenprice/import/{price_import.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    return price_import, page


def test_importing_a_bad_file_in_the_admin_shows_row_and_field_and_imports_nothing(staff, client):
    bad = (
        "record,model,service_tier,effective_from,input_per_mtok,output_per_mtok\n"
        "token_price,gpt-4.1,standard,2030-01-01,2.4,9\n"
        "token_price,gpt-4.1,standard,2031-01-01,cheap,9\n"
    )
    price_import, page = upload_to_admin(client, "prices.csv", bad)
    assert (price_import.status, price_import.error_count) == (PriceImportStatus.FAILED, 1)
    assert price_import.errors == [
        "row 3 (gpt-4.1 standard from 2031-01-01), field input_per_mtok: Enter a number."
    ]
    html = page.content.decode()
    assert "Nothing was imported: the file has 1 problem." in html
    assert "row 3 (gpt-4.1 standard from 2031-01-01), field input_per_mtok: Enter a number." in html
    assert not TokenPrice.objects.filter(model_id="gpt-4.1", effective_from__year__gte=2030).exists()
    assert price_import.content == b""  # the file is not kept once its import ends


def test_importing_a_good_file_in_the_admin_adds_its_rows(staff, client):
    good = (
        "record,model,service_tier,effective_from,input_per_mtok,output_per_mtok\n"
        "token_price,gpt-4.1,standard,2030-01-01,2.4,9\n"
    )
    price_import, page = upload_to_admin(client, "prices.csv", good)
    summary = (
        "imported 0 models, 0 api surfaces, 1 token prices, 0 tool fees; "
        "0 rows already in the table unchanged."
    )
    assert (price_import.status, price_import.summary, price_import.records) == (
        PriceImportStatus.COMPLETED,
        summary,
        1,
    )
    assert summary in page.content.decode()
    assert price_import.created_by == staff
    row = TokenPrice.objects.get(model_id="gpt-4.1", effective_from=date(2030, 1, 1))
    assert (row.input_per_mtok, row.output_per_mtok, row.source) == (D("2.4"), D("9"), Source.IMPORT)
    listing = client.get("/admin/pricing/tokenprice/?q=gpt-4.1&service_tier__exact=standard").content.decode()
    assert "imported from a file (prices.csv)" in listing
    recent = client.get("/admin/pricing/tokenprice/import/").content.decode()
    assert f'href="/admin/pricing/tokenprice/import/{price_import.pk}/">prices.csv</a>' in recent


def test_a_dry_run_import_in_the_admin_checks_and_imports_nothing(staff, client):
    good = (
        "record,model,service_tier,effective_from,input_per_mtok,output_per_mtok\n"
        "token_price,gpt-4.1,standard,2030-01-01,2.4,9\n"
    )
    price_import, page = upload_to_admin(client, "prices.csv", good, dry_run="on")
    assert price_import.status == PriceImportStatus.COMPLETED
    html = page.content.decode()
    assert (
        "Checked, nothing imported: would import 0 models, 0 api surfaces, 1 token prices, 0 tool fees"
        in html
    )
    assert not TokenPrice.objects.filter(effective_from=date(2030, 1, 1)).exists()


def test_a_queued_import_shows_where_it_is_and_reloads_itself_until_it_ends(staff, client):
    price_import = PriceImport.objects.create(name="prices.csv", content=b"record\n", size_bytes=7)
    html = client.get(price_import.get_absolute_url()).content.decode()
    assert "Waiting for the background worker" in html
    assert '<meta http-equiv="refresh" content="2">' in html
    PriceImport.objects.filter(pk=price_import.pk).update(
        status=PriceImportStatus.CHECKING, records=49_223, started_at=timezone.now()
    )
    html = client.get(price_import.get_absolute_url()).content.decode()
    assert "Checking 49,223 records, then writing them in one transaction" in html
    PriceImport.objects.filter(pk=price_import.pk).update(started_at=timezone.now() - timedelta(minutes=11))
    html = client.get(price_import.get_absolute_url()).content.decode()
    assert "the worker running this import has stopped" in html
    assert "http-equiv" not in html


def test_a_price_rows_page_lists_the_timeline_of_its_model_and_tier(staff, client):
    o3 = TokenPrice.objects.get(model_id="o3", service_tier="standard", effective_from=date(2025, 6, 10))
    timeline = client.get(f"/admin/pricing/tokenprice/{o3.pk}/change/").context["timeline"]
    assert [
        (item["row"].effective_from.isoformat(), item["status"], item["cells"]) for item in timeline["rows"]
    ] == [
        ("2000-01-01", "historical", ["10", "0.5", "—", "40", "—"]),
        ("2025-06-10", "current", ["2", "0.5", "—", "8", "—"]),
    ]
    assert timeline["headers"][0] == "USD per 1M input tokens"


def test_a_tool_fees_page_offers_a_new_fee_and_lists_its_timeline(staff, client):
    fee = ToolFee.objects.get(key="container_per_20min_64g")
    response = client.get(f"/admin/pricing/toolfee/{fee.pk}/change/")
    assert f"/admin/pricing/toolfee/add/?copy_from={fee.pk}" in response.content.decode()
    assert "New fee from a date…" in response.content.decode()
    rows = response.context["timeline"]["rows"]
    assert [(item["status"], item["cells"], item["source"]) for item in rows] == [
        ("current", ["1.92"], "seeded from the cost model")
    ]


def test_admin_styles_carry_the_csp_nonce(staff, client):
    html = client.get("/admin/pricing/tokenprice/").content.decode()
    assert "<style>" not in html
    assert '<style nonce="' in html


# -- sync from the admin


def test_sync_now_shows_the_plan_then_applies_it(staff, client):
    LanguageModel.objects.filter(pk="gpt-oss-20b").delete()
    plan = client.get("/admin/pricing/syncrun/sync/")
    assert "would add model: gpt-oss-20b" in plan.content.decode()
    assert not LanguageModel.objects.filter(pk="gpt-oss-20b").exists()
    response = client.post("/admin/pricing/syncrun/sync/")
    assert response.status_code == 302
    assert TokenPrice.objects.get(model_id="gpt-oss-20b").input_per_mtok == D("0.029")


def test_sync_now_on_an_up_to_date_table_has_nothing_to_apply(staff, client):
    html = client.get("/admin/pricing/syncrun/sync/").content.decode()
    assert "Nothing to add: the table is up to date with this genai-prices version." in html
    assert "Apply this plan" not in html


def test_sync_now_needs_add_permissions(seeded, db, client):
    viewer = User.objects.create_user("dave", password="pw", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="pricing", codename__startswith="view_")
    )
    client.force_login(viewer)
    assert client.get("/admin/pricing/syncrun/sync/").status_code == 403
    assert client.post("/admin/pricing/syncrun/sync/").status_code == 403


def test_an_admin_adds_a_model_then_its_first_price(staff, client):
    response = client.post(
        "/admin/pricing/languagemodel/add/",
        {
            "id": "acme-1",
            "name": "Acme 1",
            "family": "acme",
            "context_window": "128000",
            "cache_ttl_minutes": "1440",
            "encoding": "o200k_base",
            "prices-TOTAL_FORMS": "0",
            "prices-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    model = LanguageModel.objects.get(pk="acme-1")
    assert (model.source, model.lifecycle_source, model.edited_by) == (Source.ADMIN, Source.ADMIN, staff)
    response = client.post(
        "/admin/pricing/tokenprice/add/",
        new_price_form(
            model="acme-1", effective_from=today().isoformat(), input_per_mtok="1", cached_input_per_mtok=""
        ),
    )
    assert response.status_code == 302
    assert client.get("/api/prices/acme-1").json()["service_tiers"]["standard"]["input_per_mtok"] == "1"


def test_a_new_models_context_window_must_be_positive(staff, client):
    response = client.post(
        "/admin/pricing/languagemodel/add/",
        {
            "id": "acme-0",
            "context_window": "0",
            "cache_ttl_minutes": "1440",
            "encoding": "o200k_base",
            "prices-TOTAL_FORMS": "0",
            "prices-INITIAL_FORMS": "0",
        },
    )
    assert response.context["adminform"].form.errors == {
        "context_window": ["Ensure this value is greater than or equal to 1."]
    }


def test_an_oversized_import_is_refused_unread(staff, client, monkeypatch):
    monkeypatch.setattr("pricing.admin.views.MAX_IMPORT_BYTES", 1024 * 1024)
    upload = SimpleUploadedFile("prices.csv", b"x" * (1024 * 1024 + 1), content_type="text/csv")
    response = client.post("/admin/pricing/tokenprice/import/", {"file": upload})
    assert response.context["errors"] == ["the file is over 1 MB"]


def test_a_model_whose_prices_were_ever_in_force_cannot_be_deleted(staff, client):
    assert client.get("/admin/pricing/languagemodel/gpt-4.1/delete/").status_code == 403
    LanguageModel.objects.create(id="acme-2", context_window=1000, source=Source.ADMIN)
    TokenPrice.objects.create(
        **{**gpt41_values(), "model_id": "acme-2", "effective_from": today() + timedelta(days=9)}
    )
    assert client.post("/admin/pricing/languagemodel/acme-2/delete/", {"post": "yes"}).status_code == 302
    assert not LanguageModel.objects.filter(pk="acme-2").exists()
    assert client.get("/admin/pricing/languagemodel/").context["action_form"] is None


def test_a_saved_rows_page_shows_exact_prices_with_their_units(staff, client):
    row = gpt41_standard_today()
    html = client.get(f"/admin/pricing/tokenprice/{row.pk}/change/").content.decode()
    assert '<div class="readonly">2</div>' in html
    assert '<div class="readonly">0.5</div>' in html
    assert "2.000000" not in html
    assert "USD per 1M input tokens" in html
    fee = ToolFee.objects.get(key="container_per_20min_64g")
    html = client.get(f"/admin/pricing/toolfee/{fee.pk}/change/").content.decode()
    assert '<div class="readonly">1.92</div>' in html


# -- input limits and cache lifetimes


def test_an_admin_sets_an_input_limit_and_sync_keeps_it(staff, client):
    model = LanguageModel.objects.get(pk="gpt-5")
    response = client.post(
        "/admin/pricing/languagemodel/gpt-5/change/",
        lifecycle_form(model, max_input_tokens="200000", cache_ttl_minutes="60"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    sync_prices()
    model.refresh_from_db()
    assert (model.max_input_tokens, model.cache_ttl_minutes, model.limits_source) == (
        200_000,
        60,
        Source.ADMIN,
    )
    sheet = client.get("/api/prices/gpt-5").json()
    assert (sheet["max_input_tokens"], sheet["cache_ttl_minutes"]) == (200_000, 60)


def test_an_input_limit_above_the_window_is_refused(staff, client):
    model = LanguageModel.objects.get(pk="gpt-5")
    response = client.post(
        "/admin/pricing/languagemodel/gpt-5/change/", lifecycle_form(model, max_input_tokens="400001")
    )
    assert response.context["adminform"].form.errors == {
        "max_input_tokens": [
            "Cannot be above the context window (400,000 tokens): leave it empty for the whole window."
        ]
    }


# -- a new row that a later-scheduled row will override


def test_saving_a_row_a_later_scheduled_row_overrides_warns_naming_it(staff, client):
    in_ten_days = today() + timedelta(days=10)
    scheduled = TokenPrice.objects.create(
        **{**gpt41_values(), "input_per_mtok": D("3"), "effective_from": in_ten_days}
    )
    # A new row copied from the old price and dated before the scheduled one: in force for nine days only.
    row = gpt41_standard_today()
    response = client.post(
        f"/admin/pricing/tokenprice/add/?copy_from={row.pk}",
        new_price_form(effective_from=(today() + timedelta(days=1)).isoformat()),
        follow=True,
    )
    warnings = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        f"The row {scheduled} will override this one on {in_ten_days}: this price applies from "
        f"{today() + timedelta(days=1)} to {today() + timedelta(days=9)} only. To keep it longer, withdraw "
        "that scheduled row or add another one after it."
    ]


def test_saving_a_row_after_every_scheduled_row_does_not_warn(staff, client):
    response = client.post("/admin/pricing/tokenprice/add/", new_price_form(), follow=True)
    assert [m for m in response.context["messages"] if m.level_tag == "warning"] == []
