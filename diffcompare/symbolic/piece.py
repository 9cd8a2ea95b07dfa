"""The smooth pieces a nonsmooth expression is made of near a point, and their gradients.

Near a point, an expression of abs and max equals one smooth piece on each side of its
kinks: every abs is ± its argument, every max one of its arguments. Away from a kink the
value decides; at one, the side does. In one variable x, the side of x is enough: the
sign just beside the point of an argument (or a difference of arguments) is that of its
first nonzero Taylor term. A kink that couples variables is resolved every way it can
be; a way counts where the directions it holds in form an open cone (to first order:
a linear program), which is where that piece is f near the point.
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy
from sympy.core.evalf import PrecisionExhausted

TAYLOR_TERMS = 8  # a difference whose first 8 Taylor terms vanish counts as zero
DIGITS = 50
MAX_WAYS = 64  # ways to resolve coupled kinks that are tried
OPEN = 1e-9  # a cone of unit-normal half-spaces holds a ball of this radius: open


def _exact(expr: sympy.Expr) -> sympy.Expr:
    # float literals as their exact binary values, which is what the methods compute with
    return expr.replace(lambda e: e.is_Float, lambda e: sympy.Rational(e))


def value(expr: sympy.Expr, at: dict) -> sympy.Expr:
    """expr at the point, to 50 digits; zero where evalf cannot tell it from zero."""
    try:
        return _exact(expr).xreplace(at).evalf(DIGITS, strict=True)
    except PrecisionExhausted:  # log(6) - log(2) - log(3): zero, not noise of either sign
        return sympy.S.Zero


def _sign_beside(g: sympy.Expr, x: sympy.Symbol, at: dict, side: int) -> int:
    """The sign of g just to one side (side = ±1) of the point in x: 0 if g vanishes there."""
    for k in range(TAYLOR_TERMS):
        v = value(g.diff(x, k) if k else g, at)
        if v != 0:
            return int(sympy.sign(v)) * side**k
    return 0


def beside(expr: sympy.Expr, x: sympy.Symbol, at: dict, side: int) -> sympy.Expr:
    """The smooth expression f equals just to one side (side = ±1) of the point in x."""
    if not expr.args:
        return expr
    args = [beside(a, x, at, side) for a in expr.args]
    if isinstance(expr, sympy.Abs):
        (a,) = args
        return a if _sign_beside(a, x, at, side) >= 0 else -a
    if isinstance(expr, sympy.Max):
        best = args[0]
        for other in args[1:]:
            if _sign_beside(other - best, x, at, side) > 0:
                best = other
        return best
    return expr.func(*args)


def ways(kink: sympy.Expr, at: dict) -> list[tuple]:
    """How a kink can be resolved: (+1,), (-1,) for an abs; (j, tied) for a max, j one of
    its arguments tied at the top."""
    if isinstance(kink, sympy.Abs):
        return [(1,), (-1,)]
    values = [value(a, at) for a in kink.args]
    top = kink.args[values.index(max(values))]
    tied = tuple(i for i, a in enumerate(kink.args) if value(a - top, at) == 0)
    return [(j, tied) for j in tied]


def _gradient(expr: sympy.Expr, wrt, at: dict) -> np.ndarray:
    return np.array([float(value(expr.diff(v), at)) for v in wrt])


def _resolved(expr, way: dict, wrt, at: dict, rows: list):
    """expr with every abs and max replaced by the branch it takes: a kink's as ``way``
    says (appending, to rows, the normals of the half-spaces of directions where it does),
    the others' by their value."""
    from diffcompare.form.stop_gradient import StopGradient

    if not expr.args or isinstance(expr, StopGradient):  # not differentiated: no kink
        return expr
    args = [_resolved(a, way, wrt, at, rows) for a in expr.args]
    if isinstance(expr, sympy.Abs):
        (a,) = args
        sign = way[expr][0] if expr in way else (1 if value(a, at) >= 0 else -1)
        if expr in way:
            rows.append(sign * _gradient(a, wrt, at))
        return sign * a
    if isinstance(expr, sympy.Max):
        if expr not in way:
            values = [value(a, at) for a in args]
            return args[values.index(max(values))]
        j, tied = way[expr]
        rows.extend(_gradient(args[j] - args[i], wrt, at) for i in tied if i != j)
        return args[j]
    return expr.func(*args)


def _open(rows: list[np.ndarray]) -> bool:
    """Whether {d : row · d > 0 for every row} holds a ball (max s: rows · d ≥ s, |d| ≤ 1)."""
    from scipy.optimize import linprog

    a = np.array(rows)
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    n = a.shape[1]
    cost = np.zeros(n + 1)
    cost[-1] = -1.0
    bounds = [(-1.0, 1.0)] * n + [(None, 1.0)]
    fit = linprog(
        cost, A_ub=np.hstack([-a, np.ones((len(a), 1))]), b_ub=np.zeros(len(a)), bounds=bounds
    )
    return fit.status == 0 and -fit.fun > OPEN


def gradients(expr: sympy.Expr, kinks: list, wrt, at: dict) -> list[tuple[float, ...]] | None:
    """The distinct gradients at the point of the pieces that are f near it, or None where
    that cannot be told to first order (an argument's gradient vanishes) or the ways to
    try exceed MAX_WAYS."""
    choices = [[(k, w) for w in ways(k, at)] for k in kinks]
    if np.prod([len(c) for c in choices]) > MAX_WAYS:
        return None
    found = []
    for combination in itertools.product(*choices):
        rows: list[np.ndarray] = []
        f = _resolved(expr, dict(combination), wrt, at, rows)
        if any(not np.all(np.isfinite(r)) for r in rows):
            return None
        if any(not np.any(r) for r in rows):
            return None  # abs(x**2 - y**2) at 0: the first order says nothing
        if _open(rows):
            g = tuple(float(value(f.diff(v), at)) for v in wrt)
            if not all(np.isfinite(g)):
                return None
            if g not in found:
                found.append(g)
    return found or None
