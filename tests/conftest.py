"""Fixtures for the whole suite."""

import pytest

from pricing.catalog import forget_memoised_sheets


@pytest.fixture(autouse=True)
def _forget_memoised_price_sheets():
    # A rolled-back test transaction sends no signal: without this, one test's price rows could be
    # remembered in the next test's sheets.
    forget_memoised_sheets()
    yield
    forget_memoised_sheets()
