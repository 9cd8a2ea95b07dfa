"""Functions written in torch: every method runs them, SymPy says why it cannot, and the
reference is the agreement of two float64 methods, with its digits capped."""

from pathlib import Path

import pytest

from diffcompare.form import registry
from diffcompare.methods import DEFAULT, by_name
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import run_case
from tests.conftest import FAST

EXAMPLE = Path(__file__).parent.parent / "examples" / "torch_cases.py"


@pytest.fixture(scope="module")
def rows():
    registry.load(str(EXAMPLE))
    cases = [registry.get("module_loss"), registry.get("wrong_cube")]
    plan = Plan(cases=tuple(cases), methods=tuple(by_name(m) for m in DEFAULT), budget=FAST)
    found = {(r.case, r.method, r.dtype): r for c in cases for r in run_case(c, plan)}
    yield found
    for c in cases:
        registry.unregister(c.name)


def test_torch_code_is_recognised_as_such():
    registry.load(str(EXAMPLE))
    assert registry.get("module_loss").backend == "torch"


@pytest.mark.parametrize("name", ["module_loss", "wrong_cube"])
def test_the_reference_is_the_certified_oracle_on_the_torch_code_itself(rows, name):
    scored = [r for (c, _, dt), r in rows.items() if c == name and r.digits is not None]
    assert scored and {r.reference for r in scored} == {"arb"}
    assert all(r.reference_error < 1e-30 for r in scored)


def test_sympy_says_why_it_cannot(rows):
    r = rows[("module_loss", "sympy", "float64")]
    assert r.status == "unsupported" and "written in torch" in r.message


def test_a_wrong_custom_backward_fails_and_finite_differences_pass(rows):
    assert rows[("wrong_cube", "torch", "float64")].passed is False
    assert rows[("wrong_cube", "fd-central", "float64")].passed is True
    assert rows[("module_loss", "torch", "float64")].verdict == "pass"
