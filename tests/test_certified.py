"""The certified oracle and the verdicts it allows: constants at full precision, a float32
reference at the float32 point, no kink from a stopping test, and no verdict stricter than
its reference."""

import math

import mpmath
import numpy as np
import pytest
import torch

import diffcompare
from diffcompare import oracle
from diffcompare.errors import Undefined
from diffcompare.form import registry
from diffcompare.form.problem import bind, output_shape
from diffcompare.oracle import arb_ad, mpmath_ad, selection
from diffcompare.oracle.reference import Reference
from diffcompare.oracle.score import Score, judge


def _problem(name, fn, inputs, op, dtype="float64", **kw):
    c = registry.make(name, fn, inputs, **kw)
    return bind(c, op, dtype, output_shape(c))


def decay(x, t, h, xp=np):
    """x exp(-t) h / 6, with a branch on a value: SymPy cannot cross-check it."""
    y = x * xp.exp(-t) * (h / 6.0)
    if xp.sum(y) > 0:
        return xp.sum(y)
    return -xp.sum(y)


@pytest.mark.parametrize("evaluate", [arb_ad.evaluate, mpmath_ad.evaluate], ids=["arb", "ad"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_constants_enter_at_their_exact_value(evaluate, dtype):
    inputs = {"x": np.array([0.3, 1.7]), "t": np.array([0.1, 2.3]), "h": np.array(0.1)}
    problem = _problem("decay", decay, inputs, "gradient", dtype, wrt=["x"])
    ref = evaluate(problem)
    with mpmath.workdps(60):
        h = mpmath.mpf(float(problem.constants["h"]))
        truth = [mpmath.exp(-mpmath.mpf(float(t))) * h / 6 for t in problem.constants["t"]]
        for got_hi, got_lo, want in zip(ref.hi, ref.lo, truth):
            assert abs(mpmath.mpf(got_hi) + mpmath.mpf(got_lo) - want) < 1e-30 * abs(want)
    assert "constants entered" not in ref.note


def test_a_case_that_turns_a_constant_into_a_float_runs_and_says_so():
    def scaled(x, k, xp=np):
        return xp.sum(x * float(k))

    problem = _problem(
        "scaled", scaled, {"x": np.array([1.0, 2.0]), "k": np.array(3.0)}, "gradient", wrt=["x"]
    )
    ref = mpmath_ad.evaluate(problem)
    assert np.allclose(ref.hi, 3.0) and "constants entered as float64" in ref.note
    ref = selection.reference(problem)
    assert ref.kind != "arb"  # not certified: the constant went through a Python float


def newton_cube(x, xp=np):
    """Newton's iteration for √x, stopped by the residual, then cubed. Started at its
    root (x = 1), the residual is 0 exactly: an abs of 0 that reaches no output."""
    y = x
    while abs(y * y - x) > 1e-12:
        y = 0.5 * (y + x / y)
    return y * y * y


@pytest.mark.parametrize("evaluate", [arb_ad.evaluate, mpmath_ad.evaluate], ids=["arb", "ad"])
def test_an_abs_in_a_stopping_test_is_no_kink(evaluate):
    # before, "the second derivative is not defined at a kink: abs of 0"
    problem = _problem("newton_cube", newton_cube, {"x": np.array(1.0)}, "second_derivative")
    ref = evaluate(problem)
    assert "kink" not in ref.note
    assert ref.hi.item() == 6.0  # the program is y = x there: (x³)'' = 6x


def test_a_real_kink_still_takes_the_second_derivative_away():
    problem = _problem(
        "abs_here", lambda x, xp=np: abs(x) * x, {"x": np.array(0.0)}, "second_derivative"
    )
    for evaluate in (arb_ad.evaluate, mpmath_ad.evaluate):
        with pytest.raises(Undefined, match="kink"):
            evaluate(problem)


def test_every_certified_reference_carries_its_proven_radius():
    problem = _problem(
        "sin_exp", lambda x, xp=np: xp.sin(x) * xp.exp(x), {"x": np.array(0.7)}, "derivative"
    )
    ref = selection.reference(problem)
    assert ref.kind == "arb" and 0 < ref.error < 1e-30
    with mpmath.workdps(80):
        x = mpmath.mpf(0.7)
        truth = mpmath.exp(x) * (mpmath.sin(x) + mpmath.cos(x))
        assert (
            abs(mpmath.mpf(ref.hi.item()) + mpmath.mpf(ref.lo.item()) - truth) <= ref.radius.item()
        )


def test_a_cancelling_derivative_raises_the_precision_until_proven():
    # d/dx (e^x - 1 - x - x²/2) = e^x - 1 - x: terms of 1 leave x²/2 = 5e-41 at x = 1e-20
    def taylor_rest(x, xp=np):
        return xp.exp(x) - 1 - x - x * x / 2

    problem = _problem("taylor_rest", taylor_rest, {"x": np.array(1e-20)}, "derivative")
    ref = arb_ad.evaluate(problem)
    assert ref.error <= arb_ad.TARGET and "certified at" in ref.note
    with mpmath.workdps(200):
        x = mpmath.mpf(1e-20)
        truth = mpmath.exp(x) - 1 - x
        assert (
            abs(mpmath.mpf(ref.hi.item()) + mpmath.mpf(ref.lo.item()) - truth) <= ref.radius.item()
        )


def torch_sines(x):
    return torch.sin(x).sum()


def torch_running_sines(x):
    return torch.cumsum(torch.sin(x), 0)[-1]  # cumsum: no op of the oracle's


@pytest.mark.parametrize(
    "fn, kind", [(torch_sines, "arb"), (torch_running_sines, "float64-agreement")]
)
def test_a_float32_torch_row_is_scored_at_the_float32_point(fn, kind):
    x = np.array([0.1, 1.3, 2.9])
    c = registry.make(fn.__name__, fn, {"x": x})
    ref = oracle.reference(bind(c, "gradient", "float32", output_shape(c)))
    at32 = np.cos(x.astype(np.float32).astype(np.float64))
    assert ref.kind == kind
    assert np.max(np.abs(ref.hi - at32)) < 1e-11  # and not cos(x) at the float64 x:
    assert np.max(np.abs(np.cos(x) - at32)) > 1e-9
    registry.unregister(fn.__name__)


def _score(rel, scaled=None):
    return Score(rel, rel, -math.log10(rel) if rel else 17.0, scaled)


def _reference(error: float) -> Reference:
    digits = -math.log10(error)
    return Reference("float64-agreement", np.ones(1), np.zeros(1), max_digits=digits)


@pytest.mark.parametrize(
    "error, reference_error, verdict",
    [
        (1e-16, 1e-30, "pass"),
        (1e-13, 1e-30, "fail"),
        (1e-13, 1e-12, "cannot tell"),  # a 12-digit estimate cannot judge 2e-14
        (1e-15, 1e-12, "cannot tell"),
        (1e-9, 1e-12, "fail"),  # far beyond what the reference's error could explain
    ],
)
def test_no_verdict_is_stricter_than_its_reference(error, reference_error, verdict):
    found = judge(_score(error), 2.2e-14, _reference(reference_error))
    assert found.verdict == verdict
    assert found.passed is {"pass": True, "fail": False, "cannot tell": None}[verdict]
    assert ("cannot tell" in found.why) == (verdict == "cannot tell")


def test_a_pass_with_no_correct_digit_says_so():
    found = judge(_score(1.0, scaled=1e-15), 2.2e-14, _reference(1e-30))
    assert found.verdict == "pass, scaled" and found.passed is True
    assert "scaled error only" in found.why


def piecewise(x, xp=np):
    return xp.sum(xp.where(x < 1.0, x**2, 2 * x - 1))


def test_sympy_takes_where_on_a_vector_and_refuses_an_if():
    rows = diffcompare.compare(piecewise, {"x": np.array([0.5, 2.0])}, methods="sympy")
    (row,) = rows.rows
    assert row.status == "ok" and row.verdict == "pass" and row.value == [1.0, 2.0]

    def branch(x, xp=np):
        return xp.sum(x) if x[0] < 1.0 else xp.sum(x**2)

    (row,) = diffcompare.compare(branch, {"x": np.array([0.5, 2.0])}, methods="sympy").rows
    assert row.status == "unsupported" and "control flow" in row.message


def test_the_complex_step_s_softplus_does_not_overflow_where_the_real_one_does_not():
    def softplus_sum(x, xp=np):
        return xp.sum(xp.softplus(x))

    x = np.array([800.0, 2.0, -30.0])
    rows = diffcompare.compare(softplus_sum, {"x": x}, methods="complex-step")
    (row,) = rows.rows
    assert row.status == "ok" and row.verdict == "pass" and row.digits > 15
