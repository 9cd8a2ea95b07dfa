"""The Taylor-remainder test: slope 2 for a right gradient, 1 for a wrong one, 3 with a
right Hessian; no step to choose."""

import numpy as np
import pytest

from diffcompare import taylor_test

W = {"w": np.array([0.3, -0.8, 1.5])}


def loss(w, xp=np):
    return xp.sum(xp.tanh(w) ** 2)


def grad(w):
    return 2 * np.tanh(w) * (1 - np.tanh(w) ** 2)


def hess(w):
    s = 1 - np.tanh(w) ** 2
    return np.diag(2 * s**2 - 4 * np.tanh(w) ** 2 * s)


def test_a_right_gradient_falls_as_t_squared():
    r = taylor_test(loss, W, grad)
    assert r.passed and abs(r.slope - 2) < 0.1 and r.expected == 2
    hi, lo = r.window
    assert hi / lo > 1e3  # a window of three decades at least


@pytest.mark.parametrize(
    "wrong", [lambda w: 2 * np.tanh(w), lambda w: -grad(w), lambda w: grad(w)[::-1]]
)
def test_a_wrong_gradient_falls_as_t(wrong):  # a dropped chain-rule factor, a sign, a swap
    r = taylor_test(loss, W, wrong)
    assert not r.passed and abs(r.slope - 1) < 0.1 and "the gradient is wrong" in r.why


def test_a_right_hessian_falls_as_t_cubed_and_a_wrong_one_does_not():
    assert abs(taylor_test(loss, W, grad, hess).slope - 3) < 0.1
    r = taylor_test(loss, W, grad, lambda w: 1.01 * hess(w))
    assert not r.passed and "the Hessian is wrong" in r.why


def test_an_unsymmetric_hessian_fails_whatever_its_slope():
    def skewed(w):
        h = hess(w)
        h[0, 1] += 1.0
        h[1, 0] -= 1.0  # vᵀHv unchanged: only the symmetry check sees it
        return h

    r = taylor_test(loss, W, grad, skewed)
    assert r.symmetric is False and not r.passed and "not symmetric" in r.why


def test_an_affine_function_is_exact_to_rounding():
    r = taylor_test(lambda x, xp=np: xp.sum(3 * x), {"x": np.ones(3)}, lambda x: 3 * np.ones(3))
    assert r.passed and r.window is None and "at rounding" in r.why


def test_several_inputs_and_a_plot():
    def f(a, b, xp=np):
        return xp.sum(a * b**2)

    r = taylor_test(f, {"a": np.ones(2), "b": np.array([2.0, 3.0])}, lambda a, b: (b**2, 2 * a * b))
    assert r.passed
    fig = r.plot()
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"


def test_a_vector_function_is_refused_by_name():
    def vec(x, xp=np):
        return 2 * x

    with pytest.raises(ValueError, match=r"taylor_test\(vec\): fn returns shape \(2,\)"):
        taylor_test(vec, {"x": np.ones(2)}, lambda x: x)


def test_every_gradient_row_of_a_run_carries_its_taylor_verdict():
    from diffcompare.form import registry
    from diffcompare.methods import by_name
    from diffcompare.report.taylor import disagreements, verdicts
    from diffcompare.runner.loop import run
    from diffcompare.runner.plan import Plan
    from diffcompare.runner.timing import Budget

    registry.builtin()
    cases = tuple(registry.get(n) for n in ("rosenbrock_n10", "relu_at_kink", "detached"))
    plan = Plan(
        cases,
        (by_name("torch"), by_name("fd-central")),
        dtypes=("float64",),
        operators=("gradient", "derivative", "hessian"),
        budget=Budget(repeats=3),
    )
    rows = {(r.case, r.operator, r.method): r for r in run(plan, progress=False).rows}
    smooth = rows[("rosenbrock_n10", "gradient", "torch")]
    assert smooth.taylor_passed and abs(smooth.taylor_slope - 2) < 0.1
    assert rows[("rosenbrock_n10", "hessian", "torch")].taylor_slope is None  # first order
    kink = rows[("relu_at_kink", "derivative", "torch")]  # no gradient exists there
    assert kink.passed and not kink.taylor_passed and abs(kink.taylor_slope - 1) < 0.1
    # detach: the values' derivative (what fd sees, and Taylor) is not the one asked for
    assert rows[("detached", "gradient", "fd-central")].taylor_passed
    assert not rows[("detached", "gradient", "torch")].taylor_passed
    assert "relu_at_kink" in disagreements(list(rows.values()))
    assert "Taylor fails only" in verdicts(list(rows.values()))
