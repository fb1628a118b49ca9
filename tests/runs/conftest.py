from datetime import date

import pytest

from agentloop.offline import OfflineServer, bundled_scripts, free_port
from pricing.sync import sync_prices

# gpt-4.1 standard on this date: 2 / 0.5 cached / 8 output USD per million tokens.
AS_OF = date(2026, 11, 1)


@pytest.fixture
def price_table(db):
    sync_prices()


@pytest.fixture
def fake_server():
    """A fresh offline server (its prompt cache starts empty) with the bundled scripts."""
    with OfflineServer(bundled_scripts(), port=free_port()) as server:
        yield server
