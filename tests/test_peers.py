"""Every peer on every operator of every sized case, scored against the oracle: a peer
that returns a number returns the right one (the symengine peer had returned zeros,
`ok` and 0 digits, for every sum split into templates)."""

import pytest

from diffcompare.form import registry
from diffcompare.form.problem import operators_for, output_shape
from diffcompare.methods import by_name
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import run_case
from tests.conftest import FAST

registry.builtin()
PEERS = tuple(by_name(n) for n in ("symengine", "numdifftools", "scipy-differentiate"))
SECOND = ("second_derivative", "hessian", "hvp")
# every operator at each family's smallest size; the first-order ones at every size (a
# Hessian of the MLP at n = 80 costs the oracle 45 s and SymEngine minutes)
CELLS = [
    (family.at(n), op)
    for family in registry.families().values()
    for n in family.sizes
    for op in operators_for(family.at(n), output_shape(family.at(n)))
    if op not in SECOND or n == min(family.sizes)
]
# what a peer may say instead of a number: not installed, or a workload past its limit
REFUSALS = ("not installed", "function evaluations per call", "cannot compile")
# the numeric peers stop at their own error targets (scipy's: a relative sqrt(eps)), which
# can be short of diffcompare's tolerance for them (a ✗ in the tables, honestly); a wrong
# derivative scores under 2 digits
NUMERIC_FLOOR = 6.0


@pytest.mark.slow
@pytest.mark.parametrize("case, operator", CELLS, ids=[f"{c.name}-{op}" for c, op in CELLS])
def test_every_peer_is_right_or_says_why_not(case, operator):
    plan = Plan((case,), PEERS, operators=(operator,), dtypes=("float64",), budget=FAST)
    rows = run_case(case, plan)
    assert {r.method for r in rows} == {p.name for p in PEERS}
    for r in rows:
        where = f"{r.method} {r.operator}: {r.message}"
        if r.status == "unsupported":
            assert any(why in r.message for why in REFUSALS), where
            continue
        assert r.status == "ok" and r.reference != "none", where
        if r.family == "symbolic":
            assert r.passed, f"{where} ({r.digits} digits)"
        else:
            assert r.digits >= NUMERIC_FLOOR, f"{where} ({r.digits} digits)"
