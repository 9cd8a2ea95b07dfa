"""The oracles: the certified one (Arb balls), SymPy-mpmath (a trace) and mpmath-ad (the
case's own Python on 50-digit numbers) agree on every built-in case and operator, within
the certified one's proven radius, and the trace-free ones give a reference where there is
no trace."""

import mpmath
import numpy as np
import pytest

from diffcompare import oracle, xnp
from diffcompare.errors import Undefined, Unsupported
from diffcompare.form import registry
from diffcompare.form.problem import bind, operators_for, output_shape
from diffcompare.methods import DEFAULT
from diffcompare.oracle import arb_ad, mpmath_ad, selection, sympy_mpmath
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import run_case
from tests.conftest import FAST


def _problems():
    for c in registry.all_cases():
        shape = output_shape(c)
        for op in operators_for(c, shape):
            if op == "hessian" and c.n > 100:
                continue  # one dual pass per input: n = 1000 is minutes (hvp covers them)
            yield pytest.param(c.name, op, id=f"{c.name}-{op}")


def _either(fn, problem):
    try:
        return fn(problem)
    except Unsupported as exc:
        return exc


@pytest.mark.slow
@pytest.mark.parametrize("name, op", list(_problems()))
def test_the_two_oracles_agree(name, op):
    c = registry.get(name)
    problem = bind(c, op, "float64", output_shape(c))
    sym, ad = _either(sympy_mpmath.evaluate, problem), _either(mpmath_ad.evaluate, problem)
    if isinstance(sym, Undefined) or isinstance(ad, Undefined):
        assert isinstance(sym, Undefined) and isinstance(ad, Undefined), (sym, ad)
        return
    if isinstance(ad, Exception):  # only a case that leaves xp for math.* stops it
        assert "turned into a plain float" in str(ad), ad  # and it says so
        assert isinstance(sym, Exception) and "outside xp" in str(sym), sym
        return
    if isinstance(sym, Exception):
        assert "SymPy cannot trace" in str(sym)
        return
    assert selection._difference(sym, ad) <= selection.AGREEMENT


@pytest.mark.slow
@pytest.mark.parametrize("name, op", list(_problems()))
def test_the_certified_oracle_agrees_within_its_proven_radius(name, op):
    c = registry.get(name)
    problem = bind(c, op, "float64", output_shape(c))
    ball = _either(arb_ad.evaluate, problem)
    others = [_either(f, problem) for f in (mpmath_ad.evaluate, sympy_mpmath.evaluate)]
    if isinstance(ball, Exception):  # only where the AD oracle cannot go either
        assert type(ball) is type(others[0]), (ball, others[0])
        return
    assert ball.error <= arb_ad.TARGET
    assert ball.radius.shape == ball.hi.shape and np.all(ball.radius >= 0)
    scale = float(np.max(np.abs(ball.hi))) if ball.hi.size else 0.0
    for other in others:
        if isinstance(other, Exception):
            continue
        gap = np.abs((ball.hi - other.hi) + (ball.lo - other.lo))
        # the ball holds the exact value; the other is within its own 1e-30 of it
        assert np.all(gap <= ball.radius + selection.AGREEMENT * max(scale, 1e-300)), other.kind


def _point(xs):
    return {"x": np.array(xs)}


def user_control_flow(x, xp=np):
    """if, while, where and stack, on values: SymPy cannot trace it."""
    y = xp.where(x > 0, x**2, -x)
    total = xp.sum(y)
    k = 0
    while total < 50:
        total = total * 2
        k += 1
    if x[0] > 0:
        return xp.stack([total, xp.sin(x[0]) * k])
    return xp.stack([total, x[0]])


def test_a_user_case_with_control_flow_gets_a_reference_and_scored_rows():
    c = registry.make("user_control_flow", user_control_flow, _point([0.3, -1.2, 2.0]))
    rows = run_case(c, Plan(cases=(c,), methods=tuple(_methods()), budget=FAST))
    scored = {r.method: r for r in rows if r.digits is not None}
    assert {r.reference for r in rows} == {"arb"}
    assert set(scored) >= {"torch", "torch-forward", "fd-central", "fd-richardson"}
    assert all(r.passed for r in scored.values()), [(r.method, r.digits) for r in rows]
    assert next(r for r in rows if r.method == "sympy").status == "unsupported"


def _methods():
    from diffcompare.methods import by_name

    return [by_name(m) for m in DEFAULT]


def test_the_ad_oracle_keeps_float_constants_at_their_exact_binary_value():
    """SymPy folds 2 * (10.1 * x) to 20.199999999999999 x at 53 bits; neither oracle may."""

    def folded(x, xp=np):
        return 2 * (10.1 * x) + (x - 1.0) * 0.1 * 3.0

    c = registry.make("folded", folded, {"x": np.array(0.5)})
    problem = bind(c, "derivative", "float64", output_shape(c))
    with mpmath.workdps(60):
        exact = 2 * mpmath.mpf(10.1) + mpmath.mpf(0.1) * mpmath.mpf(3.0)
    for ref in (sympy_mpmath.evaluate(problem), mpmath_ad.evaluate(problem)):
        with mpmath.workdps(60):
            got = mpmath.mpf(float(ref.hi)) + mpmath.mpf(float(ref.lo))
            assert abs(got - exact) / exact < 1e-30, ref.kind


def test_a_value_comparison_with_not_equal_is_refused_by_the_trace():
    """ADBench's `if sqtheta != 0`: a symbol is never structurally 0, so the trace would
    take one branch silently; it is refused, and the trace-free oracle answers."""

    def guarded(x, xp=np):
        r = xp.sum(x * x)
        if r != 0:
            return xp.sin(r) / r
        return 1.0 + 0 * r

    c = registry.make("guarded", guarded, _point([0.4, 0.3]))
    problem = bind(c, "gradient", "float64", output_shape(c))
    with pytest.raises(Unsupported, match="comparison on values"):
        sympy_mpmath.evaluate(problem)
    assert oracle.reference(problem).kind == "arb"


def test_a_branch_within_rounding_follows_the_float_program():
    """(x + 1e-8) - x > 0 is True at 50 digits but False in float32 at x = 1: the oracle
    differentiates the branch the float32 methods take, and says so."""

    def step(x, xp=np):
        if (x + 1e-8) - x > 0:
            return x**2
        return x**3

    c = registry.make("rounding_branch", step, {"x": np.array(1.0)})
    shape = output_shape(c)
    ref32 = mpmath_ad.evaluate(bind(c, "derivative", "float32", shape))
    ref64 = mpmath_ad.evaluate(bind(c, "derivative", "float64", shape))
    assert ref32.hi == 3.0 and "within rounding of its threshold" in ref32.note
    assert ref64.hi == 2.0 and ref64.note == ""


def test_a_derivative_that_cancels_beyond_50_digits_is_evaluated_finer():
    """e^x/(e^x + 1) at x = 800: f' = e^-800/(1 + e^-800)^2 ≈ 3.6e-348, which 50 digits
    leave as noise of about 1e-51; both oracles raise their precision until it settles."""
    from diffcompare.form.formula import to_case

    c = to_case("exp(x)/(exp(x) + 1)", {"x": 800.0})
    problem = bind(c, "derivative", "float64", output_shape(c))
    for ref in (sympy_mpmath.evaluate(problem), mpmath_ad.evaluate(problem)):
        assert ref.hi == 0.0 and ref.lo == 0.0, (ref.kind, ref.hi)  # 3.6e-348 underflows
    assert oracle.reference(problem).hi == 0.0


def test_the_ad_oracle_refuses_a_case_that_leaves_the_traced_numbers():
    import math

    c = registry.make("uses_math", lambda x, xp=np: math.exp(x), {"x": np.array(0.5)})
    with pytest.raises(Unsupported, match="plain float"):
        mpmath_ad.evaluate(bind(c, "derivative", "float64", ()))


def test_a_case_that_changes_mpmaths_precision_is_named():
    def lowers(x, xp=np):
        mpmath.mp.dps = 5
        return x * x

    c = registry.make("lowers_precision", lowers, {"x": np.array(0.5)})
    with pytest.raises(Unsupported, match="changed mpmath's working precision"):
        mpmath_ad.evaluate(bind(c, "derivative", "float64", ()))
    mpmath.mp.dps = 15


def test_sized_families_beyond_sympy_get_the_ad_oracle():
    from diffcompare_cases.sized import _start, rosenbrock

    c = registry.make("rosenbrock_n5000", rosenbrock, {"x": _start(5000)})
    ref = oracle.reference(bind(c, "gradient", "float64", output_shape(c)))
    assert ref.kind == "arb" and ref.hi.shape == (5000,)
    x = c.inputs["x"]
    expected = np.zeros_like(x)
    expected[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    expected[1:] += 200 * (x[1:] - x[:-1] ** 2)
    np.testing.assert_allclose(ref.hi, expected, rtol=1e-12)


def test_a_float64_reference_is_never_shown_with_more_digits_than_float64_holds():
    c = registry.make(
        "given_reference",
        lambda x, xp=np: xp.sin(x),
        {"x": np.array(0.7)},
        reference=lambda x: np.cos(x),
    )
    ref = oracle.reference(bind(c, "derivative", "float64", ()))
    assert ref.kind == "case"
    assert oracle.score(ref.hi, ref).digits == pytest.approx(selection.FLOAT64_DIGITS)


def doubles_near_a_threshold(a, xp=xnp):
    """Doubles a until it passes 1000: at 1.95 · 2⁹ = 998.4 one doubling more is 1e-3 away,
    so Ridders' steps cross the change in the iteration count."""
    b = a
    while b < 1000:
        b = b * 2
    return b


def test_a_right_reference_is_kept_where_extrapolation_would_step_across_a_loop():
    c = registry.make(
        "doubles_near_a_threshold",
        doubles_near_a_threshold,
        {"a": np.array(1.95)},
        reference=lambda a: doubles_near_a_threshold(a) / a,
    )
    ref = oracle.reference(bind(c, "derivative", "float64", ()))
    assert ref.kind == "case" and "disagrees" not in ref.note


def test_a_float32_row_computed_in_float64_is_flagged_and_not_scored():
    """A module-level float64 array promotes a float32 run to float64 (NumPy's rules);
    torch's forward mode promotes a Python number. Neither row may pass as float32."""
    from diffcompare.methods import by_name

    weights = np.array([1.5, -0.5])  # float64, as a user's module would hold it

    def weighted(x, xp=np):
        return xp.sum(weights * xp.sin(x))

    def shifted(x, xp=np):
        return 3.0 * xp.sum(xp.sin(x))

    for fn, method in ((weighted, "fd-central"), (shifted, "torch-forward")):
        c = registry.make(fn.__name__, fn, _point([0.3, 0.8]))
        plan = Plan(cases=(c,), methods=(by_name(method),), dtypes=("float32",), budget=FAST)
        (r,) = run_case(c, plan)
        assert r.status == "ok" and r.digits is None, (method, r.digits)
        assert "computed in float64, not float32" in r.message


def test_the_complex_step_sees_abs_reached_through_integer_indexing():
    from diffcompare.methods import by_name

    c = registry.make("indexed_abs", lambda x, xp=xnp: xp.abs(x[0] - 2) * x[1], _point([1.0, 3.0]))
    with pytest.raises(Unsupported, match="uses absolute"):
        by_name("complex-step").prepare(bind(c, "gradient", "float64", ()), "cpu")


def test_a_small_derivative_made_of_large_terms_is_judged_against_the_terms():
    """x² − 2x + 1 just beside its minimum: f' = 2x − 2 ≈ 2e-9 sums terms of size 4, so
    every method's error, though tiny against the terms, is large against f'. The verdict
    uses the terms' size (ADBench's BA observation); the plain relative error stays."""
    from diffcompare.methods import by_name

    def bowl(x, xp=np):
        return x**2 - 2 * x + 1

    c = registry.make("bowl", bowl, {"x": np.array(1.0 + 2.0**-29)})
    ref = oracle.reference(bind(c, "derivative", "float64", ()))
    assert ref.scale is not None and float(ref.scale) == pytest.approx(4.0, rel=1e-6)
    plan = Plan(cases=(c,), methods=(by_name("fd-central"),), dtypes=("float64",), budget=FAST)
    (r,) = run_case(c, plan)
    assert r.max_rel_error > r.rtol  # against f' alone it would fail
    assert r.max_scaled_error <= r.rtol and r.passed
