import pytest
from django.core.cache import cache

from pricing.sync import sync_prices


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def price_table(db):
    """The price table as `make prices` seeds it (from the installed genai-prices package)."""
    sync_prices()
