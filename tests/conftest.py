import os

import pytest

# torch-compile's tests take the aot_eager backend (the same Dynamo trace and AOTAutograd
# backward, no generated code: a second a compile, not ten); tests/test_compiled.py runs
# inductor itself once. Set before diffcompare is imported, and inherited by workers.
os.environ.setdefault("DIFFCOMPARE_COMPILE_BACKEND", "aot_eager")

from diffcompare.form import registry  # noqa: E402
from diffcompare.runner.timing import Budget  # noqa: E402

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
