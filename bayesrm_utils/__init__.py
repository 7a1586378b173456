"""Utilities for Bayesian reward models and best-of-n overoptimization studies."""
