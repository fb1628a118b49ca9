"""Charts as their own SVG documents: `/chart/<key>.svg?<inputs>` and `/s/<slug>/chart/<key>.svg`."""

from urllib.parse import urlencode

import pytest

from estimator.charts import chart_svg
from estimator.services import estimate_compute
from pricing.sync import sync_prices
from tests.estimator.test_pages import WORKED
from tests.estimator.test_share import raise_gpt41_input_price, share

pytestmark = pytest.mark.django_db
KEYS = ("cumulative", "monthly", "breakdown")


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


@pytest.mark.parametrize("key", KEYS)
def test_a_live_chart_is_the_chart_of_those_inputs(client, key):
    response = client.get(f"/chart/{key}.svg?{urlencode(WORKED)}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response.content.decode() == chart_svg(estimate_compute(WORKED), key)
    assert "<script" not in response.content.decode()


def test_a_chart_document_may_style_itself_but_never_run_a_script(client):
    policy = client.get(f"/chart/monthly.svg?{urlencode(WORKED)}")["Content-Security-Policy"]
    assert policy == "default-src 'none'; style-src 'unsafe-inline'"


def test_bad_inputs_name_the_field(client):
    response = client.get("/chart/monthly.svg?turns_per_session=0")
    assert response.status_code == 400
    assert response.json() == {"errors": {"turns_per_session": ["must be at least 1 and at most 1,000."]}}


def test_an_unknown_chart_is_a_404(client):
    assert client.get(f"/chart/pie.svg?{urlencode(WORKED)}").status_code == 404


def test_a_shared_chart_keeps_the_snapshot_prices(client):
    slug = share(client)["Location"].rsplit("/", 1)[1]
    html = client.get(f"/s/{slug}").content.decode()
    assert f'src="/s/{slug}/chart/breakdown.svg"' in html
    before = client.get(f"/s/{slug}/chart/breakdown.svg")
    assert before["Cache-Control"] == "public, max-age=86400"
    raise_gpt41_input_price("4")
    # Today's prices differ, the shared picture does not; the live one moves with today's prices.
    assert client.get(f"/s/{slug}/chart/breakdown.svg").content == before.content
    assert client.get(f"/chart/breakdown.svg?{urlencode(WORKED)}").content != before.content


def test_an_unknown_scenario_is_a_404(client):
    assert client.get("/s/AAAAAAAAAAAAAAAA/chart/monthly.svg").status_code == 404
