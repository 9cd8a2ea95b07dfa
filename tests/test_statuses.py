"""Every status a row can have, from cases built to produce it."""

import numpy as np
import pytest

from diffcompare import case, xnp
from diffcompare.form import registry
from diffcompare.methods import by_name
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import run_case
from tests.conftest import FAST

METHODS = tuple(by_name(n) for n in ("sympy", "fd-central", "complex-step", "torch"))


def rows_of(c):
    return {r.method: r for r in run_case(c, Plan((c,), METHODS, dtypes=("float64",), budget=FAST))}


def test_ok_and_unsupported():
    rows = rows_of(registry.select(["abs_away"])[0])
    assert rows["torch"].status == "ok"
    assert rows["complex-step"].status == "unsupported"
    assert "complex-analytic" in rows["complex-step"].message


def hinge(w, x, xp=np):
    return xp.maximum(0.0, 1.0 - xp.dot(w, x))


def largest(x, xp=np):
    return xp.max(x) * xp.sum(x)


@pytest.mark.parametrize(
    "fn, inputs",
    [
        (hinge, {"w": np.array([0.5, 0.25]), "x": np.array([1.0, 2.0])}),  # a max after a dot
        (largest, {"x": np.array([0.5, 0.25])}),  # np.max reduces with the maximum ufunc
    ],
)
def test_the_complex_step_sees_every_max(fn, inputs):
    row = rows_of(registry.make(fn.__name__, fn, inputs))["complex-step"]
    assert row.status == "unsupported" and row.message.endswith("the case uses maximum")


def test_a_case_that_raises_becomes_error_rows(fresh_names):
    fresh_names.append("t_raises")

    @case(inputs={"x": 1.0}, name="t_raises")
    def raises(x, xp=xnp):
        raise RuntimeError("boom")

    rows = rows_of(raises)
    assert {r.status for r in rows.values()} == {"error"}
    assert all("RuntimeError: boom" in r.message and r.traceback for r in rows.values())


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True:UserWarning")
def test_a_method_that_fails_is_an_error_row_with_its_traceback(fresh_names):
    fresh_names.append("t_float_only")

    @case(inputs={"x": 1.0}, name="t_float_only")
    def float_only(x, xp=xnp):
        return float(x) * 2.0  # fine in NumPy; breaks the torch graph and the SymPy trace

    rows = rows_of(float_only)
    assert rows["fd-central"].status == "ok"
    assert rows["torch"].status in ("error", "ok")
    assert rows["sympy"].status == "unsupported" and "outside xp" in rows["sympy"].message


def test_an_infinite_derivative_is_nan(fresh_names):
    fresh_names.append("t_sqrt_at_zero")

    @case(inputs={"x": 0.0}, name="t_sqrt_at_zero")
    def sqrt_at_zero(x, xp=xnp):
        return xp.sqrt(x)

    rows = rows_of(sqrt_at_zero)
    assert rows["torch"].status == "nan"
    assert "non-finite" in rows["torch"].message
    assert "not defined at this point" in rows["torch"].message  # the oracle says so too


def test_a_list_output_is_refused(fresh_names):
    fresh_names.append("t_list")

    @case(inputs={"x": np.array([1.0, 2.0])}, name="t_list")
    def returns_list(x, xp=xnp):
        return [x[0], x[1]]

    rows = rows_of(returns_list)
    assert all(r.status == "error" and "returned a list" in r.message for r in rows.values())


def test_statuses_and_families_stay_within_the_contract():
    from diffcompare.runner.result import FAMILIES, STATUSES

    for name in ("abs_away", "while_doubling", "logsumexp_naive"):
        for r in rows_of(registry.select([name])[0]).values():
            assert r.status in STATUSES and r.family in FAMILIES
