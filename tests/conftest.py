import pytest

from diffcompare.form import registry
from diffcompare.runner.timing import Budget

registry.builtin()

# tests check values, not speed: time each callable as little as the timer allows
FAST = Budget(batch_s=0.0, repeats=3, max_total_s=0.0)


@pytest.fixture
def fresh_names():
    """Names of cases a test registers, removed afterwards so tests stay independent."""
    names: list[str] = []
    yield names
    for n in names:
        registry.unregister(n)
