"""Fixtures for the whole suite."""

import pytest
from django.core.cache import cache

from estimator.estimate_cache import forget_estimates
from pricing.memo import forget_memoised_sheets


@pytest.fixture(autouse=True)
def _fresh_cache_and_price_sheets():
    # The cache holds rate-limit counters and the price table's revision, and this process memoises
    # price sheets; a rolled-back test transaction resets none of them. Every test starts clean.
    cache.clear()
    forget_memoised_sheets()
    forget_estimates()
    yield
    cache.clear()
    forget_memoised_sheets()
    forget_estimates()


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    # Background tasks run as they are enqueued; one end-to-end test runs a real db_worker instead.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
