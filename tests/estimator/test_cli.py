"""`python manage.py estimate scenario.json`: a readable table, or the API's JSON."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from pricing.sync import sync_prices
from tests.estimator.test_api import WORKED

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def price_table():
    sync_prices()


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({**WORKED, "sessions_per_month": 1000}))
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("estimate", *args, stdout=out)
    return out.getvalue()


def test_table_side_by_side(scenario):
    lines = run(str(scenario)).splitlines()
    assert lines[0].startswith("gpt-4.1, prices as of ")
    assert lines[1] == (
        "1,000 conversations a month, 2 turns on average (fixed; half 2 or fewer, 1 in 10 2 or more, "
        "1 in 100 2 or more)"
    )
    rows = {line[:28].strip(): line[28:].split() for line in lines[3:] if not line.startswith("-")}
    assert rows[""] == ["Assistants", "API", "Responses", "API", "Your", "own", "loop"]
    assert rows["Per conversation"] == ["$0.011808"] * 3
    assert rows["half of conversations"] == ["$0.011808"] * 3
    # 1,000 x 0.011808 = 11.808, shown to the cent; your loop adds $400 upkeep and $333.33 of build.
    assert rows["Per month"] == ["$11.81"] * 3
    assert rows["With engineering / month"] == ["$11.81", "$11.81", "$745.14"]
    assert rows["Input tokens"] == ["11,200"] * 3
    assert rows["of which cached"] == ["9,728"] * 3
    assert rows["Build-your-own break-even"] == ["never", "never", "-"]
    assert "Cheapest live way, engineering included: Responses API." in lines
    engineering = "Building your own loop: $4,000.00 once ($333.33 a month over 12 months), $400.00 a month"
    assert f"{engineering} to maintain." in lines


def test_json_is_the_api_response(scenario, client):
    printed = json.loads(run(str(scenario), "--json"))
    api = client.post("/api/estimate", scenario.read_text(), content_type="application/json").json()
    assert printed == api


def test_invalid_scenario_names_the_field(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"turns_per_session": 0, "colour": "red"}')
    with pytest.raises(CommandError) as error:
        run(str(path))
    message = str(error.value)
    assert "turns_per_session: must be at least 1 and at most 1,000." in message
    assert "colour: is not a known input." in message


def test_missing_file_and_bad_json(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "nope.json"))
    path = tmp_path / "broken.json"
    path.write_text("{")
    with pytest.raises(CommandError, match="is not valid JSON"):
        run(str(path))
