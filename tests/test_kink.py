"""Kinks of typed formulas: found exactly, bounded by the one-sided derivatives."""

import mpmath
import numpy as np
import pytest
import sympy

from diffcompare import xnp
from diffcompare.cli import main
from diffcompare.form import registry
from diffcompare.form.formula import to_case
from diffcompare.form.registry import make
from diffcompare.methods import by_name
from diffcompare.runner.plan import Plan
from diffcompare.runner.problems import run_case
from diffcompare.symbolic import kink
from diffcompare.symbolic.expression import trace
from tests.conftest import FAST

ONE_VARIABLE = [
    ("abs(x)", 0.0, (-1.0, 1.0)),
    ("-abs(x)", 0.0, (-1.0, 1.0)),
    ("max(x, 0)", 0.0, (0.0, 1.0)),
    ("abs(sin(x))", 0.0, (-1.0, 1.0)),
    ("max(x**2, x)", 0.0, (0.0, 1.0)),  # SymPy's limits say 0 and 1/2 here
    ("max(x**2, x)", 1.0, (1.0, 2.0)),  # and 3/2 and 2 here
    ("abs(x - 0.1)", 0.1, (-1.0, 1.0)),  # 0.1 - 0.1 is 0 in floats and in the oracle
    ("abs(x - 1/3)", 1 / 3, (-1.0, 1.0)),  # 1/3 is the float, as every method computes it
    ("abs(log(x) - log(2) - log(3))", 6.0, (-1 / 6, 1 / 6)),  # zero, though not symbolically
    ("max(log(x), log(2) + log(3))", 6.0, (0.0, 1 / 6)),
    ("abs(x)**3 + max(2*x, -x)", 0.0, (-1.0, 2.0)),
    ("abs(x - 1)*exp(x)", 1.0, (-2.718281828459045, 2.718281828459045)),
]
SMOOTH_OR_UNDEFINED = [
    ("sin(x)", 0.0),
    ("x*abs(x)", 0.0),  # the pieces join smoothly: f'(0) = 0
    ("abs(x**3)", 0.0),
    ("max(x, x)", 0.0),
    ("max(-x**3, x**3)", 0.0),
    ("abs(x - 1/3)", 0.3333333333333333 + 2**-54),  # one ulp beside
    ("9**9**9 * x + abs(x)", 0.0),  # overflows when traced: no kink, the table says why
    ("sqrt(abs(x))", 0.0),  # no derivative at all: the oracle says so
]


def one_sided(text: str, x0: float, side: int) -> float:
    """(f(x0 + h) - f(x0)) / h at h = ±1e-30 in 60-digit arithmetic, f as the oracle sees it."""
    t = trace(to_case(text, {"x": x0}))
    f = sympy.lambdify(t.wrt, t.outputs[0], "mpmath")
    with mpmath.workdps(60):
        x, h = mpmath.mpf(x0), mpmath.mpf(side) * mpmath.mpf("1e-30")
        return float((f(x + h) - f(x)) / h)


@pytest.mark.parametrize("text, x0, bounds", ONE_VARIABLE)
def test_the_subdifferential_lies_between_the_one_sided_derivatives(text, x0, bounds):
    found = kink.find(to_case(text, {"x": x0}))
    assert found.bounds == ((bounds[0],), (bounds[1],))
    sides = sorted(one_sided(text, x0, s) for s in (-1, 1))
    assert sides == pytest.approx(list(bounds), rel=1e-12)


@pytest.mark.parametrize("text, x0", SMOOTH_OR_UNDEFINED)
def test_no_kink_where_the_derivative_is_unique_or_undefined(text, x0):
    assert kink.find(to_case(text, {"x": x0})) is None


def test_a_kink_in_one_of_several_variables_is_a_box():
    point = {"x": 0.0, "y": 2.0}
    found = kink.find(to_case("abs(x)*y + y**2", point))
    assert found.bounds == ((-2.0, 4.0), (2.0, 4.0))
    assert "[-2.0, 2.0] × {4.0}" in "\n".join(found.lines())


BOXES = [  # kinks each in one variable: a box, one interval (or point) per variable
    ("abs(x) + abs(y)", {"x": 0.0, "y": 0.0}, ((-1.0, -1.0), (1.0, 1.0))),
    ("abs(x)*tanh(y) + abs(y)*exp(x)", {"x": 0.0, "y": 0.0}, ((0.0, -1.0), (0.0, 1.0))),
    ("max(x, 0)*(1 + y) + abs(y)", {"x": 0.0, "y": 0.5}, ((0.0, 1.0), (1.5, 1.0))),
    ("abs(x)*abs(y)", {"x": 0.0, "y": 0.0}, None),  # every piece's gradient is 0: unique
]


@pytest.mark.parametrize("text, point, bounds", BOXES)
def test_kinks_each_in_one_variable_make_a_box(text, point, bounds):
    found = kink.find(to_case(text, point))
    assert (found and found.bounds) == bounds


def l1(w, xp=np):
    return xp.sum(w * w) + xp.sum(xp.abs(w))


def test_the_l1_norm_at_a_vector_with_zeros():
    found = kink.find(make("lasso", l1, {"w": np.array([0.0, 0.5, 0.0])}))
    assert found.bounds == ((-1.0, 2.0, -1.0), (1.0, 2.0, 1.0))


COUPLED = [  # kinks that couple variables, at (0, 0): the pieces' gradients
    ("max(x, y)", {(1, 0), (0, 1)}),
    ("abs(x - y)", {(1, -1), (-1, 1)}),
    ("abs(x) + max(x, y)", {(2, 0), (1, 1), (0, 0), (-1, 1)}),
    ("abs(x) + abs(y) + abs(x + y)", {(2, 2), (2, 0), (0, 2), (0, -2), (-2, 0), (-2, -2)}),
    ("max(0, -2*x - 3*y)", {(0, 0), (-2, -3)}),  # a hinge at its margin
]


def piece_gradients(text: str, samples: int = 200) -> set:
    """The gradients f has just beside (0, 0), in random directions, independently of
    kink: central differences (h = 1e-40) at 1e-20 d, in 90-digit arithmetic."""
    t = trace(to_case(text, {"x": 0.0, "y": 0.0}))
    f = sympy.lambdify(t.wrt, t.outputs[0], "mpmath")
    rng = np.random.default_rng(0)
    seen = set()
    with mpmath.workdps(90):
        h = mpmath.mpf("1e-40")
        for d in rng.standard_normal((samples, 2)):
            x, y = (mpmath.mpf("1e-20") * mpmath.mpf(float(c)) for c in d)
            g = ((f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h))
            seen.add(tuple(int(mpmath.nint(c)) for c in g))
    return seen


@pytest.mark.parametrize("text, gradients", COUPLED)
def test_a_coupled_kink_is_the_hull_of_the_pieces_that_meet_there(text, gradients):
    found = kink.find(to_case(text, {"x": 0.0, "y": 0.0}))
    assert found.bounds is None and set(found.vertices) == gradients
    assert piece_gradients(text) == gradients  # every piece found, and only those


def test_a_kink_the_first_order_cannot_resolve_is_scored_by_convention():
    found = kink.find(to_case("abs(x*x - y*y)", {"x": 0.0, "y": 0.0}))
    assert found.region() == ""
    assert "SymPy's value" in "\n".join(found.lines())


def test_what_stop_gradient_hides_is_no_kink():
    def f(x, y, xp=xnp):
        return xp.abs(x) + y * xp.stop_gradient(xp.maximum(y, 0.0))  # a kink in x alone

    found = kink.find(make("hidden", f, {"x": 0.0, "y": 0.0}))
    assert found.where == ("abs(x) (its argument is 0)",)
    assert found.bounds == ((-1.0, 0.0), (1.0, 0.0))


def relu(x, xp=np):
    return xp.maximum(x, 0.0)


def larger(x, y, xp=np):
    return xp.maximum(x, y)


def rows(c, methods=("fd-forward", "fd-backward", "torch"), dtypes=("float64", "float32")):
    return run_case(c, Plan((c,), tuple(map(by_name, methods)), dtypes=dtypes, budget=FAST))


def test_a_run_scores_an_undeclared_kink_against_its_subdifferential():
    for r in rows(make("my_relu", relu, {"x": 0.0})):
        assert r.reference == "subdifferential" and r.passed, (r.method, r.dtype)
        assert "a kink: max(0.0, x) (0.0 and x tie)" in r.message


def test_a_run_scores_the_l1_norm_at_zeros_against_its_box():
    for r in rows(make("my_lasso", l1, {"w": np.array([0.0, 0.5, 0.0])})):
        assert r.reference == "subdifferential" and r.passed, (r.method, r.dtype, r.value)


def test_a_run_scores_a_coupled_kink_against_the_hull():
    scored = rows(make("my_max", larger, {"x": 1.0, "y": 1.0}), dtypes=("float64",))
    by = {r.method: r for r in scored}
    assert all(r.reference == "subdifferential" for r in scored)
    assert not by["fd-forward"].passed  # (1, 1) is no subgradient of max at a tie
    assert by["fd-forward"].reference_value == [0.5, 0.5]  # the nearest one
    assert by["torch"].passed and by["torch"].digits == 17.0  # (1/2, 1/2) is one
    assert "any value in the convex hull of (1.0, 0.0), (0.0, 1.0)" in by["torch"].message


def test_quick_scores_a_one_sided_difference_at_a_kink_as_right(capsys):
    assert main(["quick", "abs(x)", "--at", "x=0"]) == 0
    out = capsys.readouterr().out
    assert "x=0.0 is a kink of f: abs(x)" in out
    assert "oracle (subdifferential): every value in [-1.0, 1.0]" in out
    row = next(line for line in out.splitlines() if line.startswith("| fd-forward"))
    assert "| 1. " in row and "17.0" in row and "✗" not in row
    assert "a kink" not in row  # said once, above the table


def test_quick_prints_the_formula_as_typed(capsys):
    assert main(["quick", " abs(x - 0.1)", "--at", "x=0.1"]) == 0
    assert capsys.readouterr().out.startswith("f = abs(x - 0.1)   at x=0.1\n")


def test_quick_marks_a_value_beyond_tolerance(capsys):
    assert main(["quick", "max(x, y)", "--at", "x=1,y=1"]) == 0
    out = capsys.readouterr().out
    assert "is a kink of f: max(x, y) (x and y tie)" in out
    row = next(line for line in out.splitlines() if line.startswith("| fd-forward"))
    assert "[1., 1.]" in row and "0.0 ✗" in row  # (1, 1) is no subgradient of max


CASES = registry.all_cases()


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_the_suite_declares_every_kink_it_sits_on(c):
    """A built-in case on a kink gives subdifferential=, and kink finds the same bounds."""
    found = kink.find(c)
    if c.subdifferential is None:
        assert found is None, found
    else:
        lower, upper = (tuple(np.ravel(b)) for b in c.subdifferential(**c.inputs))
        assert found.bounds == (lower, upper)
