"""The estimator's own data: shared scenarios and measured runs, one module each."""

from estimator.models.scenarios import Scenario

__all__ = ["Scenario"]
