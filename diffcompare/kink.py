"""Kinks of a case at its point: where an abs's argument is zero or a max's arguments tie.

There the derivative is not unique. Where every kink is in one variable, the right answers
fill the interval between the one-sided derivatives in it (the Clarke subdifferential:
[-1, 1] for |x| at 0); the other partial derivatives are those of either side, the same.
Each one-sided derivative is that of the smooth piece f follows on its side: every abs
and max is resolved by the sign, just beside the point, of its argument or of the
difference of its arguments, which the first nonzero Taylor term decides, exactly.
SymPy's own derivative answers with its convention (sign(0) = 0, Heaviside(0) = 1/2),
and its limits of Heaviside(g(x)) as g → 0 are that convention too, not a side. Kinks in
several variables are named only: their subdifferential is a polytope, not a box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy
from sympy.core.evalf import PrecisionExhausted

TAYLOR_TERMS = 8  # a difference whose first 8 Taylor terms vanish counts as zero
DIGITS = 50


@dataclass(frozen=True)
class Kink:
    at: str  # the point: "x=0.0, y=1.0"
    where: tuple[str, ...]  # what is nonsmooth there: "abs(x) (its argument is 0)"
    # where every kink is in one variable: the subdifferential's bounds, one number per
    # variable in the point's order (the two pieces' gradients differ in that variable only)
    bounds: tuple[tuple[float, ...], tuple[float, ...]] | None

    def subdifferential(self, **inputs) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The case's ``subdifferential=``: at this point only."""
        return self.bounds

    def lines(self) -> list[str]:
        head = f"{self.at} is a kink of f: {'; '.join(self.where)}."
        if self.bounds is not None:
            box = " × ".join(
                f"[{lo!r}, {hi!r}]" if lo != hi else f"{{{lo!r}}}" for lo, hi in zip(*self.bounds)
            )
            return [
                head,
                f"Every value in the subdifferential {box} (between the one-sided "
                "derivatives) is right: each method is scored against the nearest one.",
            ]
        return [
            head,
            "The derivative is not unique, and the kinks involve several variables: the "
            "oracle scores against SymPy's convention (sign(0) = 0, Heaviside(0) = 1/2), "
            "so another subgradient, right as well, scores low.",
        ]


def _exact(expr: sympy.Expr) -> sympy.Expr:
    # float literals as their exact binary values, which is what the methods compute with
    return expr.replace(lambda e: e.is_Float, lambda e: sympy.Rational(e))


def _value(expr: sympy.Expr, at: dict) -> sympy.Expr:
    try:
        return _exact(expr).xreplace(at).evalf(DIGITS, strict=True)
    except PrecisionExhausted:  # log(6) - log(2) - log(3): zero, not noise of either sign
        return sympy.S.Zero


def _sign_beside(g: sympy.Expr, x: sympy.Symbol, at: dict, side: int) -> int:
    """The sign of g just to one side (side = ±1) of the point in x: 0 if g vanishes there."""
    for k in range(TAYLOR_TERMS):
        v = _value(g.diff(x, k) if k else g, at)
        if v != 0:
            return int(sympy.sign(v)) * side**k
    return 0


def piece(expr: sympy.Expr, x: sympy.Symbol, at: dict, side: int) -> sympy.Expr:
    """The smooth expression f equals just to one side (side = ±1) of the point in x."""
    if not expr.args:
        return expr
    args = [piece(a, x, at, side) for a in expr.args]
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


def _kinks(expr: sympy.Expr, at: dict) -> dict[str, set]:
    """What is nonsmooth at the point, each with the symbols it depends on."""
    from diffcompare.expression import StopGradient

    found = {}
    walk = sympy.preorder_traversal(expr)
    for e in walk:
        if isinstance(e, StopGradient):
            walk.skip()  # what is not differentiated has no kink to speak of
        elif isinstance(e, sympy.Abs) and _value(e.args[0], at) == 0:
            found[f"abs({e.args[0]}) (its argument is 0)"] = e.free_symbols
        elif isinstance(e, sympy.Max):
            values = [_value(a, at) for a in e.args]
            top = e.args[values.index(max(values))]
            # a tie is an exact zero of the difference, not two 50-digit roundings that agree
            tied = [a for a in e.args if _value(a - top, at) == 0]
            if len(tied) > 1:
                args = ", ".join(map(str, e.args))
                found[f"max({args}) ({' and '.join(map(str, tied))} tie)"] = set().union(
                    *(a.free_symbols for a in tied)
                )
    return found


def find(case, inputs: dict | None = None) -> Kink | None:
    """The kink of a scalar case at its point (``inputs``, by name; default the case's),
    or None where its derivative is unique or undefined (sqrt(abs(x)) at 0: the oracle
    says so), or SymPy cannot trace it (the sympy method's row says why)."""
    from diffcompare.expression import trace

    try:
        t = trace(case)  # as the sympy method sees it: 9**9**9 overflows, never expands
    except Exception:
        return None
    if len(t.outputs) != 1:
        return None
    (expr,) = t.outputs
    inputs = {k: np.asarray(v) for k, v in (inputs or case.inputs).items()}
    values = [inputs[k] for k in (*case.wrt, *case.constants)]
    flat = [float(v) for arr in values if arr.dtype.kind == "f" for v in arr.ravel()]
    at = dict(zip((*t.wrt, *t.constant_symbols), map(sympy.Rational, flat)))
    # a kink only in the constants (abs(c) at c = 0) is no kink of f in what is differentiated
    kinks = {k: s & set(t.wrt) for k, s in _kinks(expr, at).items() if s & set(t.wrt)}
    if not kinks:
        return None
    text = ", ".join(
        f"{k}={v.item()!r}" if v.ndim == 0 else f"{k}={np.array2string(v, threshold=6)}"
        for k, v in inputs.items()
    )
    involved = set().union(*kinks.values())
    if len(involved) != 1:
        return Kink(text, tuple(kinks), None)
    (x,) = involved
    sides = []
    for side in (-1, 1):
        f = piece(expr, x, at, side)
        gradient = [_value(f.diff(v), at) for v in t.wrt]
        if not all(g.is_finite for g in gradient):
            return None
        sides.append(tuple(float(g) for g in gradient))
    left, right = sides
    if left == right:
        return None  # abs(x)**2 at 0: the pieces join smoothly
    lower = tuple(map(min, left, right))
    upper = tuple(map(max, left, right))
    return Kink(text, tuple(kinks), (lower, upper))
