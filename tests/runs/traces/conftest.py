# The price table `make prices` seeds, once per module: the pricing tests' fixtures.
from tests.pricing.conftest import seeded, table  # noqa: F401
