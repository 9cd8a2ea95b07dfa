"""Every built-in case through every family: ok, or unsupported with a reason."""

import pytest

from diffcompare import registry
from diffcompare.methods import DEFAULT, by_name
from diffcompare.runner import Plan, run_case
from tests.conftest import FAST

CASES = registry.select(tags=["seed"])
EXACT = {"sympy", "torch", "torch-forward"}


def is_smooth(c):
    return not {"nonsmooth", "detach", "control-flow"} & set(c.tags)


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_case_runs_through_all_three_families(c):
    rows = run_case(
        c, Plan((c,), tuple(by_name(n) for n in DEFAULT), dtypes=("float64",), budget=FAST)
    )
    assert {r.family for r in rows} == {"symbolic", "numeric", "automatic"}
    for r in rows:
        assert r.status in ("ok", "unsupported"), (r.method, r.message)
        if r.status == "unsupported":
            assert r.message, r.method
        else:
            assert r.digits is not None and r.eval_s > 0 and r.primal_s > 0
    digits = {r.method: r.digits for r in rows if r.status == "ok"}
    if is_smooth(c):
        for m in EXACT:
            assert digits[m] >= 13, (m, digits[m])
        assert digits["fd-central"] >= 8
    if "nonsmooth" in c.tags:  # at a kink every family lands in the subdifferential
        assert all(r.passed for r in rows if r.status == "ok")


def test_detach_is_shown_honestly():
    c = registry.select(["detached"])[0]
    rows = {
        r.method: r
        for r in run_case(
            c, Plan((c,), tuple(by_name(n) for n in DEFAULT), dtypes=("float64",), budget=FAST)
        )
    }
    assert rows["torch"].passed and rows["sympy"].passed
    fd = rows["fd-central"]
    assert fd.passed is False and "stop_gradient" in fd.message
    x = c.inputs["x"]
    assert fd.value == pytest.approx(list(3 * x**2), rel=1e-6)  # the gradient of x³
    assert rows["complex-step"].status == "unsupported"
