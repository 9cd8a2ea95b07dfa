import math

import mpmath
import numpy as np
import pytest

from diffcompare import oracle
from diffcompare.form import registry
from diffcompare.form.problem import bind, output_shape
from diffcompare.methods import tolerance


def reference(name, operator=None, dtype="float64"):
    c = registry.select([name])[0]
    shape = output_shape(c)
    from diffcompare.form.problem import operators_for

    op = operator or operators_for(c, shape)[0]
    return oracle.reference(bind(c, op, dtype, shape))


def test_sin_derivative_is_cos_to_fifty_digits():
    ref = reference("sine")  # d/dx sin x at 1.2
    with mpmath.workdps(60):
        truth = mpmath.cos(mpmath.mpf(1.2))
        assert abs((mpmath.mpf(ref.hi.item()) + mpmath.mpf(ref.lo.item())) - truth) < 1e-30
    assert ref.kind == "arb" and ref.error < 1e-30


def test_float32_reference_is_taken_at_the_float32_input():
    ref = reference("sine", dtype="float32")
    x32 = float(np.float32(1.2))
    assert ref.hi.item() == pytest.approx(math.cos(x32), rel=1e-16)


def test_hessian_of_quadratic_form_is_a_plus_a_transpose():
    ref = reference("grad_quadratic_form", "hessian")
    A = registry.select(["grad_quadratic_form"])[0].inputs["A"]
    np.testing.assert_array_equal(ref.hi, A + A.T)


def test_a_hessian_is_derived_once_per_pair_and_comes_out_exactly_symmetric():
    """The upper triangle, mirrored: half the derivatives (mlp_loss_n16's Hessian had
    timed out at 60 s), and the oracle and the sympy method get H = Hᵀ bit for bit."""
    from diffcompare.methods import by_name
    from diffcompare.symbolic.expression import derive

    case = registry.select(["mlp_loss_n4"])[0]
    entries = dict(derive(case, "hessian").entries)
    assert all(entries[j, i] is e for (i, j), e in entries.items())
    problem = bind(case, "hessian", "float64", output_shape(case))
    H = by_name("sympy").prepare(problem, "cpu").call()
    np.testing.assert_array_equal(H, H.T)
    ref = reference("mlp_loss_n4", "hessian").hi
    np.testing.assert_array_equal(ref, ref.T)


def _x_to_the_sin_y(x, xp=np):
    return x[0] ** xp.sin(x[1])


class SympyAlone:
    """Every derivative by SymPy's own diff, nothing remembered."""

    def free_symbols(self, e):
        return e.free_symbols

    def __call__(self, e, s):
        return e.diff(s)


@pytest.mark.parametrize(
    "name, operator",
    [
        ("attention", "hessian"),
        ("attention", "jvp"),
        ("lstm_cell", "vjp"),
        ("logistic_regression_n8", "hvp"),
        ("gmm_objective", "vjp"),
        ("ackley_n10", "hvp"),
        ("logsumexp_stable", "gradient"),
        ("detached", "gradient"),
        ("mlp_loss_n16", "vjp"),
        ("rosenbrock_n10", "hvp"),
        ("power_negative", "second_derivative"),
        ("x_to_the_sin_y", "hessian"),
    ],
)
def test_remembered_derivatives_are_sympys_own_expressions(monkeypatch, name, operator):
    """The derivation differentiates sums, products and powers itself, remembering what
    it found (mlp_loss_n16's Hessian vector product took 108 s, now 6): each entry must be
    the very expression SymPy's diff gives, so that nothing downstream changes."""
    from diffcompare.symbolic import expression

    if name == "x_to_the_sin_y":  # a power whose exponent is differentiated too
        case = registry.make(name, _x_to_the_sin_y, {"x": np.array([1.5, 0.7])})
    else:
        case = registry.select([name])[0]
    ours = expression.derive.__wrapped__(case, operator)
    monkeypatch.setattr(expression, "Differentiator", SympyAlone)
    theirs = expression.derive.__wrapped__(case, operator)
    assert len(ours.entries) > 0
    assert ours.entries == theirs.entries


def test_case_reference_is_used_where_sympy_cannot_trace():
    ref = reference("while_doubling")
    assert ref.kind == "case" and ref.hi.item() == 1024.0


def test_subdifferential_accepts_any_value_inside():
    ref = reference("abs_at_kink")
    assert ref.kind == "subdifferential"
    for v in (-1.0, 0.0, 0.3, 1.0):
        assert oracle.score(np.array(v), ref).digits == 17.0
    assert oracle.score(np.array(1.5), ref).max_abs_error == 0.5


@pytest.mark.parametrize(
    "value, hi, lo, abs_err, rel_err, digits",
    [
        ([1.0, 2.0], [1.0, 2.0], [0.0, 0.0], 0.0, 0.0, 17.0),
        ([1.0, 2.002], [1.0, 2.0], [0.0, 0.0], 0.002, 0.001, 3.0),
        ([1e-3], [0.0], [0.0], 1e-3, 1e-3, 3.0),  # zero reference: absolute error
        ([5.0], [1.0], [0.0], 4.0, 4.0, 0.0),  # more wrong than right: no digits
        ([1.0], [1.0], [1e-17], 1e-17, 1e-17, 17.0),  # the low part counts
    ],
)
def test_score_normwise(value, hi, lo, abs_err, rel_err, digits):
    ref = oracle.Reference("test", np.array(hi), np.array(lo))
    s = oracle.score(np.array(value), ref)
    assert s.max_abs_error == pytest.approx(abs_err, rel=1e-9, abs=1e-300)
    assert s.max_rel_error == pytest.approx(rel_err, rel=1e-9, abs=1e-300)
    assert s.digits == pytest.approx(digits, abs=1e-9)


def test_tolerance_follows_the_scheme_order():
    e = np.finfo(np.float64).eps
    assert tolerance.tolerance(None, "float64", 1) == pytest.approx(100 * e)
    assert tolerance.tolerance(2, "float64", 1) == pytest.approx(100 * e ** (2 / 3))
    assert tolerance.tolerance(2, "float64", 2) == pytest.approx(100 * e ** (1 / 2))


def test_the_oracle_and_the_sympy_method_share_one_cse(monkeypatch):
    # cse of a large derivative costs seconds; both print the same entries from it, and
    # the sympy method's compile time counts it though the oracle (run first) found it
    import time

    import sympy

    from diffcompare import xnp
    from diffcompare.form.registry import make
    from diffcompare.methods.symbolic import compiled
    from diffcompare.symbolic.expression import derive

    calls, real = [], sympy.cse

    def slow_cse(*args, **kwargs):
        calls.append(1)
        time.sleep(0.2)
        return real(*args, **kwargs)

    monkeypatch.setattr(sympy, "cse", slow_cse)
    case = make(
        "t_shared_cse",
        lambda x, xp=xnp: xp.sin(x[0] * x[1]) * xp.exp(x[0] * x[1]),
        {"x": np.array([0.3, 0.7])},
    )
    oracle.reference(bind(case, "gradient", "float64", output_shape(case)))
    _, compile_s = compiled(derive(case, "gradient"))
    assert len(calls) == 1 and compile_s >= 0.2


@pytest.mark.parametrize(
    "formula, at, why",
    [
        ("log(x)", -1.0, "f is not real at this point (one of its values is (0.0 + 3.14159j))"),
        ("x*log(x)", 0.0, "f is not defined at this point (it evaluates to nan"),
        ("log(x) + x", 0.0, "f is not finite at this point (one of its values is -inf)"),
        ("exp(x)", 800.0, "the derivative is beyond float64's range here (2.73e+347)"),
    ],
)
def test_no_reference_where_f_or_its_derivative_has_no_float64_value(formula, at, why):
    """d/dx log(x) = 1/x is -1 at x = -1, but log(-1) = iπ: no real derivative to score."""
    from diffcompare.errors import Unsupported
    from diffcompare.form.formula import to_case

    c = to_case(formula, {"x": at})
    with pytest.raises(Unsupported) as raised:
        oracle.reference(bind(c, "derivative", "float64", output_shape(c)))
    assert str(raised.value).startswith(why)


@pytest.mark.parametrize("formula, at", [("exp(x)/(exp(x) + 1)", 800.0), ("exp(x)/exp(x)", 710.0)])
def test_f_that_only_float64_cannot_hold_keeps_its_reference(formula, at):
    """inf - inf or inf/inf in float64, yet f is real and finite: the oracle answers."""
    from diffcompare.form.formula import to_case

    c = to_case(formula, {"x": at})
    problem = bind(c, "derivative", "float64", output_shape(c))
    with np.errstate(all="ignore"):
        assert not np.isfinite(problem.numpy_function()(problem.theta))
    assert np.isfinite(oracle.reference(problem).hi).all()
