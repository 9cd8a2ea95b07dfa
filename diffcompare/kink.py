"""Kinks of a case at its point: where an abs's argument is zero or a max's arguments tie.

There the derivative is not unique. Where each kink is in one variable (|x| at 0; the
L1 norm at a vector with zeros), the right answers fill a box (the Clarke subdifferential):
in each such variable, the interval between the one-sided partial derivatives ([-1, 1]
for |x| at 0); in the others, the partial derivative, the same on every side. (A kink's
value at the point is the same on both sides, so a partial in one variable cannot depend
on the side taken in another.)
Each one-sided derivative is that of the smooth piece f follows on its side: every abs
and max is resolved by the sign, just beside the point, of its argument or of the
difference of its arguments, which the first nonzero Taylor term decides, exactly.
SymPy's own derivative answers with its convention (sign(0) = 0, Heaviside(0) = 1/2),
and its limits of Heaviside(g(x)) as g → 0 are that convention too, not a side. A kink
whose argument couples variables (max(x, y) at x = y) is named only: its subdifferential
is a polytope, not a box.
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
    # where each kink is in one variable: the subdifferential's bounds, one number per
    # variable in the point's order
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
            "The derivative is not unique, and a kink couples several variables: the "
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
    if any(len(symbols) > 1 for symbols in kinks.values()):
        return Kink(text, tuple(kinks), None)  # max(x, y) at x = y: a polytope
    involved = set().union(*kinks.values())
    terms_with = {v: [] for v in t.wrt}  # the L1 norm over n: 2 terms for each, not 2n
    for term in sympy.Add.make_args(expr):
        for v in term.free_symbols & terms_with.keys():
            terms_with[v].append(term)
    lower, upper = [], []
    for v in t.wrt:
        f = sympy.Add(*terms_with[v])
        # a partial in a variable without kinks is the same on every side of the others'
        sides = [_value(piece(f, v, at, side).diff(v), at) for side in (-1, 1)[v not in involved :]]
        if not all(g.is_finite for g in sides):
            return None  # sqrt(abs(x)) at 0: no derivative at all, as the oracle says
        lower.append(float(min(sides)))
        upper.append(float(max(sides)))
    if lower == upper:
        return None  # abs(x)**2 at 0: the pieces join smoothly
    return Kink(text, tuple(kinks), (tuple(lower), tuple(upper)))
