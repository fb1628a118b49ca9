"""The price table most pricing tests start from."""

import pytest

from pricing.sync import sync_prices
from tests.pricing.tables import empty_price_table


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The table `make prices` seeds, once per module (each test still rolls back its own changes)."""
    with django_db_blocker.unblock():
        sync_prices()
    yield
    with django_db_blocker.unblock():
        empty_price_table()


@pytest.fixture
def table(seeded, db):
    return None
