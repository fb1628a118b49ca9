from datetime import date

import pytest

from agentloop.offline import OfflineServer, bundled_scripts
from pricing.sync import sync_prices
from tests.agentloop.conftest import free_port

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


@pytest.fixture
def client(client, db):
    """The run pages are staff-only: these tests read them as staff holding the `runs` view permissions
    (tests/security/test_methods_and_access.py checks everyone else is kept out)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    reader = get_user_model().objects.create(username="run-reader", is_staff=True)
    reader.user_permissions.set(
        Permission.objects.filter(content_type__app_label="runs", codename__startswith="view_")
    )
    client.force_login(reader)
    return client
