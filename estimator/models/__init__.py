"""The estimator's own data: shared scenarios (measured runs and trace imports live in `runs`)."""

from estimator.models.scenarios import Scenario

__all__ = ["Scenario"]
