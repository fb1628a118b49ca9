"""The estimator's own data: shared scenarios and measured runs, one module each."""
