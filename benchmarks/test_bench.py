"""The installed benchmark suite (diffcompare/bench.py), collected here too, so that
``pytest benchmarks --benchmark-enable`` runs it from a checkout as before."""

from diffcompare.bench import pytest_generate_tests, test_derivative

__all__ = ["pytest_generate_tests", "test_derivative"]
