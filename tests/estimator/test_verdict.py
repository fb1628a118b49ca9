"""estimator.verdict: the verdict's words add up to the figures it states."""

from decimal import Decimal

import pytest

from estimator.presets import PRESETS
from estimator.services import estimate_compute
from estimator.verdict import VerdictView
from pricing.sync import sync_prices


@pytest.fixture
def price_table(db):
    sync_prices()


@pytest.mark.django_db
@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset.key)
def test_where_the_difference_comes_from_adds_up_to_the_gap(price_table, preset):
    view = VerdictView(estimate_compute(dict(preset.inputs)))
    if view.runner_up is None or view.tied:
        pytest.skip("no gap to explain")
    approaches = view.result.approaches
    gap = (
        approaches[view.runner_up].per_month_with_engineering_usd
        - approaches[view.first].per_month_with_engineering_usd
    )
    # To the engine's precision (28 significant digits), not a rounding of it.
    assert abs(sum(item.more_usd for item in view.sources) - gap) < Decimal("1e-18")
    assert len(view.sources) <= 4
