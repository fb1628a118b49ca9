"""Sync the price table from the installed genai-prices package and the project's seed data.

`plan` reads genai-prices into planned rows (pure), `seed` holds what genai-prices does not list, `apply`
writes models, prices and fees (`sync_prices`), `lifecycles` seeds lifecycles, limits, API surfaces and
the default model, `report` says what was added and skipped.
"""

from pricing.sync.apply import sync_prices
from pricing.sync.report import SyncReport

__all__ = ["SyncReport", "sync_prices"]
