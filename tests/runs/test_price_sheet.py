"""A run is priced from the table as it is: looking its sheet up never writes to the table."""

import pytest

from pricing.models import LanguageModel, SyncRun, TokenPrice
from runs.models import Run
from runs.services import MeasureError, price_sheet_for_run, run_measure
from tests.runs.conftest import AS_OF


def test_an_empty_table_is_an_error_naming_the_model_not_a_silent_sync(db):
    with pytest.raises(MeasureError) as caught:
        price_sheet_for_run("gpt-4.1", AS_OF)
    assert (str(caught.value), caught.value.field) == (
        "model: The price table is empty: run `python manage.py sync_prices`.",
        "model",
    )
    assert (LanguageModel.objects.count(), TokenPrice.objects.count(), SyncRun.objects.count()) == (0, 0, 0)


def test_measure_on_an_empty_table_stores_no_run(db):
    with pytest.raises(MeasureError):
        run_measure("support_agent", offline=True, as_of=AS_OF)
    assert not Run.objects.exists() and not LanguageModel.objects.exists()


def test_a_seeded_table_prices_the_run(price_table):
    sheet = price_sheet_for_run("gpt-4.1", AS_OF)
    assert (sheet.model, sheet.as_of, str(sheet.tier("standard").rates.input)) == (
        "gpt-4.1",
        AS_OF,
        "2.000000",
    )
