"""The run inspector pages: server-rendered, no JavaScript needed, nothing inline for a strict CSP."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from runs.models import Run
from runs.services import run_measure
from tests.matching import first_group
from tests.runs.conftest import AS_OF


@pytest.fixture
def client(client, db):
    """The run pages are staff-only: this module reads them as staff holding the `runs` view
    permissions (tests/security/test_methods_and_access.py checks everyone else is kept out)."""
    reader = get_user_model().objects.create(username="run-reader", is_staff=True)
    reader.user_permissions.set(
        Permission.objects.filter(content_type__app_label="runs", codename__startswith="view_")
    )
    client.force_login(reader)
    return client


@pytest.fixture
def support_run(price_table):
    return run_measure("support_agent", offline=True, as_of=AS_OF)


def figures(html: str, name: str) -> list[str]:
    return re.findall(rf'data-figure="{name}"[^>]*>([^<]*)<', html)


def assert_csp_ready(html: str):
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []  # every script is a file
    assert " style=" not in html
    assert re.findall(r"\son[a-z]+=", html) == []


def test_runs_are_listed_with_their_totals(client, support_run):
    response = client.get("/runs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/runs/{support_run.pk}/"' in html
    assert figures(html, "calls") == ["8"]
    assert figures(html, "cost_usd") == ["0.014156"]
    assert_csp_ready(html)


def test_the_inspector_shows_each_call(client, support_run):
    response = client.get(f"/runs/{support_run.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert figures(html, "prompt_tokens")[1:] == [
        "1,203",
        "1,412",
        "1,543",
        "1,733",
        "1,839",
        "2,026",
        "2,118",
        "2,308",
    ]
    # Thousands separators, as every table of the site writes counts.
    assert figures(html, "cached_tokens") == [
        "0",
        "1,152",
        "1,408",
        "1,536",
        "1,664",
        "1,792",
        "1,920",
        "2,048",
    ]
    assert figures(html, "completion_tokens")[1:] == ["14", "95", "16", "84", "32", "70", "16", "57"]
    assert figures(html, "cost_usd")[:2] == ["0.014156 USD", "0.002518"]  # (1203 * 2 + 14 * 8) / 1e6
    assert "<code>lookup_order</code>" in html
    assert "{&quot;order_id&quot;:&quot;BL-104233&quot;}" in html  # the arguments, escaped
    assert "req_fake_1" in html
    assert f'href="/runs/{support_run.pk}/calibration"' in html
    assert_csp_ready(html)


def test_the_inspector_shows_errors(client, price_table):
    run = Run.objects.create(
        script_name="broken",
        model="gpt-4.1",
        endpoint="offline",
        price_as_of=AS_OF,
        status="failed",
        error="boom",
    )
    run.calls.create(index=1, turn=1, round=0, model="gpt-4.1", error="RateLimitError: Error code: 429")
    html = client.get(f"/runs/{run.pk}/").content.decode()
    assert "RateLimitError: Error code: 429" in html
    assert 'class="runs-error"' in html


def test_the_calibration_page(client, support_run):
    response = client.get(f"/runs/{support_run.pk}/calibration")
    assert response.status_code == 200
    html = response.content.decode()
    assert figures(html, "estimated_usd") == ["0.014184 USD per conversation (8 calls)"]
    assert figures(html, "measured_usd") == ["0.014156 USD (8 calls)"]
    assert figures(html, "relative_error")[0].split()[0] == "0.20%"
    assert "within ±2%" in html
    assert figures(html, "fitted_cache_hit_rate") == ["1"]
    assert "system_prompt_tokens=993" in html  # the link to these inputs in the estimate API
    assert_csp_ready(html)


def test_the_estimate_api_accepts_the_derived_inputs(client, support_run):
    html = client.get(f"/runs/{support_run.pk}/calibration").content.decode()
    query = first_group(r'href="/api/estimate\?([^"]+)"', html).replace("&amp;", "&")
    assert f"as_of={AS_OF.isoformat()}" in query  # the prices the run was measured with
    response = client.get(f"/api/estimate?{query}")
    assert response.status_code == 200
    assert response.json()["approaches"]["chat_completions"]["per_session_usd"] == "0.014184"


def test_a_run_that_cannot_be_calibrated_says_why(client, price_table):
    run = Run.objects.create(script_name="empty", model="gpt-4.1", endpoint="offline", price_as_of=AS_OF)
    response = client.get(f"/runs/{run.pk}/calibration")
    assert response.status_code == 422
    assert f"run {run.pk} has no completed turn to calibrate from" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/runs/999/", "/runs/999/calibration"])
def test_unknown_runs_are_404(client, path):
    assert client.get(path).status_code == 404
