"""Share links: saved with their price snapshot, shown read-only with the same numbers forever."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from estimator.models import Scenario
from pricing.catalog import price_sheet_for, today
from pricing.memo import price_table_changed
from pricing.models import Source, TokenPrice
from pricing.sync import sync_prices
from tests.estimator.test_pages import APPROACHES, WORKED, card_figure, figures
from tests.matching import first_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


def share(client, inputs=WORKED):
    return client.post("/share", inputs)


def raise_gpt41_input_price(to="4"):
    """A new dated row from today: gpt-4.1's input price doubles, everything else unchanged."""
    current = TokenPrice.objects.filter(model_id="gpt-4.1", service_tier="standard").order_by(
        "-effective_from"
    )[0]
    current.pk = None
    current.effective_from = today()
    current.input_per_mtok = Decimal(to)
    current.source = Source.ADMIN
    current.save()


def test_share_saves_inputs_and_the_price_snapshot(client):
    response = share(client)
    assert response.status_code == 302
    scenario = Scenario.objects.get()
    assert response["Location"] == f"/s/{scenario.slug}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", scenario.slug)  # 96 random bits
    assert scenario.inputs["turns_per_session"] == 2 and scenario.inputs["model"] == "gpt-4.1"
    assert scenario.prices == price_sheet_for("gpt-4.1").to_dict()
    assert scenario.price_version == price_sheet_for("gpt-4.1").version


def test_slugs_differ(client):
    share(client)
    share(client)
    first, second = Scenario.objects.values_list("slug", flat=True)
    assert first != second


def test_shared_page_shows_the_same_figures_as_the_form(client):
    url = share(client)["Location"]
    shared = client.get(url).content.decode()
    live = client.get("/?" + urlencode(WORKED)).content.decode()
    for approach in APPROACHES:
        assert card_figure(shared, approach, "per_session_usd") == "0.011808"
    shared_figures = figures(shared)
    for key, values in figures(live).items():
        if key[1] in ("price_version",):
            continue
        assert shared_figures[key] == values, key


def test_shared_page_is_read_only_with_edit_a_copy(client):
    url = share(client)["Location"]
    html = client.get(url).content.decode()
    assert 'id="estimate-form"' not in html
    assert 'action="/share"' not in html
    edit = first_group(r'href="(/\?[^"]+)" id="edit-copy"', html).replace("&amp;", "&")
    form = client.get(edit).content.decode()
    assert 'name="turns_per_session" value="2"' in form
    assert 'name="tool_result_tokens" value="400"' in form
    assert card_figure(form, "chat_completions", "per_session_usd") == "0.011808"


def test_numbers_never_change_and_a_notice_shows_todays_prices(client):
    url = share(client)["Location"]
    assert "Today's prices differ" not in client.get(url).content.decode()
    raise_gpt41_input_price("4")
    html = client.get(url).content.decode()
    for approach in APPROACHES:
        assert card_figure(html, approach, "per_session_usd") == "0.011808"
    assert "Today's prices differ from the ones this estimate was made with." in html
    # Uncached input doubles: 1,472 tokens x $2 more per million = $0.002944 more per conversation.
    today_figures = figures(html)
    for approach in APPROACHES:
        assert today_figures[(approach, "today_per_month_usd")] == ["14.752"]
    # The live form, by contrast, moves with today's prices.
    live = client.get("/?" + urlencode(WORKED)).content.decode()
    assert card_figure(live, "assistants", "per_session_usd") == "0.014752"


def test_old_price_rows_do_not_change_a_share_either(client):
    url = share(client)["Location"]
    TokenPrice.objects.filter(model_id="gpt-4.1").update(effective_from=today() + timedelta(days=1))
    price_table_changed()  # a queryset update sends no signal: say so, as the app's own bulk writers do
    html = client.get(url).content.decode()
    assert card_figure(html, "responses", "per_month_usd") == "11.808"
    assert "Today's price table cannot price this scenario" in html


def test_exports_of_a_shared_scenario(client):
    url = share(client)["Location"]
    slug = url.rsplit("/", 1)[1]
    raise_gpt41_input_price("4")
    body = client.get(f"/s/{slug}.json").json()
    assert body["approaches"]["assistants"]["per_session_usd"] == "0.011808"
    assert body["scenario"]["slug"] == slug
    rows = list(csv.reader(io.StringIO(client.get(f"/s/{slug}.csv").content.decode())))
    assert ["total", "chat_completions", "per_month_usd", "11.808"] in rows
    assert client.get(f"/s/{slug}.pdf").status_code == 404


def test_bad_input_rerenders_the_form_with_errors(client):
    response = share(client, {**WORKED, "turns_per_session": "lots"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'name="turns_per_session" value="lots"' in html
    assert "must be a whole number." in html
    assert Scenario.objects.count() == 0


def test_share_prices_what_the_form_prices_the_unused_length_box_ignored(client):
    # The form sends both the histogram box and the length box; a geometric spread reads only the
    # length, so a half-typed histogram must not refuse the share (it was a 400 with no error shown).
    response = share(client, {**WORKED, "turns_distribution": "geometric", "turns_histogram": "0"})
    assert response.status_code == 302
    scenario = Scenario.objects.get()
    assert scenario.inputs["turns_histogram"] is None
    assert scenario.inputs["turns_per_session"] == int(WORKED["turns_per_session"])


def test_share_is_a_post_and_unknown_links_are_404(client):
    assert client.get("/share").status_code == 405
    assert client.get("/s/doesnotexist123").status_code == 404


def test_share_requires_the_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/share", WORKED).status_code == 403
    page = strict.get("/?" + urlencode(WORKED)).content.decode()
    token = first_group(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert strict.post("/share", {**WORKED, "csrfmiddlewaretoken": token}).status_code == 302


def test_sharing_is_rate_limited(client, settings):
    settings.RATELIMITS = {"share": (2, 600)}
    assert share(client).status_code == 302
    assert share(client).status_code == 302
    response = share(client)
    assert response.status_code == 429
    assert Scenario.objects.count() == 2


def test_admin_lists_shares_read_only(client, admin_client):
    share(client)
    scenario = Scenario.objects.get()
    listing = admin_client.get("/admin/estimator/scenario/")
    assert listing.status_code == 200
    assert scenario.slug in listing.content.decode()
    # The model column names the model (it once showed the admin's model class called with the row).
    assert '<td class="field-model_name">gpt-4.1</td>' in listing.content.decode()
    assert admin_client.get("/admin/estimator/scenario/add/").status_code == 403
    detail = admin_client.get(f"/admin/estimator/scenario/{scenario.pk}/change/").content.decode()
    assert scenario.price_version in detail
    assert scenario.get_absolute_url() == f"/s/{scenario.slug}"


def schedule_gpt41_input_price(to="3", days=1):
    """A row that takes effect in `days` days: gpt-4.1's input price changes then."""
    current = TokenPrice.objects.filter(model_id="gpt-4.1", service_tier="standard").order_by(
        "-effective_from"
    )[0]
    current.pk = None
    current.effective_from = today() + timedelta(days=days)
    current.input_per_mtok = Decimal(to)
    current.source = Source.ADMIN
    current.save()


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).replace("&nbsp;", " ").split())


def test_a_price_change_names_the_rate_old_and_new_and_what_it_does(client):
    url = share(client)["Location"]
    raise_gpt41_input_price("4")
    html = client.get(url).content.decode()
    text = text_of(html)
    # The rate, old -> new, since when, and by how much.
    assert f"Input: $2 → $4 per 1M tokens, since {today().isoformat()} (+100.0 %)" in text
    assert text.count("→") == 1  # nothing else changed
    # Each way's month: $11.808 -> $14.752, +24.9 %.
    assert figures(html)[("responses", "change_pct")] == [str(Decimal("2.944") / Decimal("11.808") * 100)]
    assert "+$2.94 (+24.9 %)" in text
    # Your loop's engineering keeps the Responses API cheapest.
    assert "The cheapest live way stays the same with today's prices: Responses API." in text


def test_a_price_change_that_changes_the_cheapest_way_says_so(client):
    # A file search a turn, no engineering cost, $60 a month of your own retrieval hosting: your loop's
    # five small chunks beat the Responses API's twenty large ones ($88.57 against $101.50 a month), until
    # input costs $1 a million: the hosted chunks get cheap, your hosting does not ($82.96 against $67.27).
    inputs = {
        **WORKED,
        "build_hours": "0",
        "maintenance_hours_per_month": "0",
        "file_search_calls_per_turn": "1",
        "retrieval_infra_usd_per_month": "60",
    }
    url = share(client, inputs)["Location"]
    assert "Your own loop: $88.57 a month" in text_of(client.get(url).content.decode())
    raise_gpt41_input_price("1")
    text = text_of(client.get(url).content.decode())
    assert "Input: $2 → $1 per 1M tokens" in text and "(−50.0 %)" in text
    assert (
        "The cheapest live way changes: with today's prices it is Responses API, not Your own loop." in text
    )


def test_the_share_page_describes_its_verdict_for_link_previews(client):
    url = share(client)["Location"]
    html = client.get(url).content.decode()
    summary = (
        "The Responses API: $11.81 a month; your own loop costs $745.14 (6,210.5 % more), for 1,000 "
        "conversations on gpt-4.1."
    )
    assert f'<meta name="description" content="{summary}">' in html
    assert f'<meta property="og:description" content="{summary}">' in html
    assert f'<meta property="og:url" content="http://testserver{url}">' in html


def test_the_share_page_lists_its_inputs_by_label(client):
    html = client.get(share(client)["Location"]).content.decode()
    assert (
        '<tr><th scope="row">Turns per conversation</th>'
        '<td data-label="Value" data-input="turns_per_session">2 '
        '<span class="unit">user messages</span></td></tr>'
    ) in html
    assert '<th scope="row"><code>' not in html


def test_the_share_page_shows_the_rates_it_was_priced_with(client):
    url = share(client)["Location"]
    raise_gpt41_input_price("4")
    html = client.get(url).content.decode()
    # The saved rate, not today's: the figures were made with it.
    assert '<td data-rate="service_tiers.standard.input_per_mtok" data-value="2">$2</td>' in html
    assert '<td data-rate="tools.file_search_per_kcalls" data-value="2.5">$2.50</td>' in html


def test_a_scheduled_change_is_announced_on_the_estimator_and_the_share_page(client):
    url = share(client)["Location"]
    schedule_gpt41_input_price("3")
    tomorrow = (today() + timedelta(days=1)).isoformat()
    for html in (client.get(url).content.decode(), client.get("/?" + urlencode(WORKED)).content.decode()):
        text = text_of(html)
        assert f"Price change on {tomorrow}: gpt-4.1 input goes from $2 to $3 per 1M tokens." in text
        # 1,472 uncached tokens a conversation at $1 more per million: +$1.47 on $11.81 a month.
        assert "From then these inputs cost Responses API $13.28 a month (+12.5 % on today's prices)" in text
        assert "the cheapest way stays the same" in text
