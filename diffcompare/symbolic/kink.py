"""Kinks of a case at its point: where an abs's argument is zero or a max's arguments tie.

There the derivative is not unique; the right answers fill the Clarke subdifferential,
the convex hull of the gradients of the smooth pieces that meet at the point
(``diffcompare.symbolic.piece`` finds them). Where each kink is in one variable (|x| at 0; the L1
norm at a vector with zeros), that hull is a box: in each such variable, the interval
between the one-sided partial derivatives ([-1, 1] for |x| at 0); in the others, the
partial derivative, the same on every side (a kink's value at the point is the same on
both sides, so a partial in one variable cannot depend on the side taken in another).
A kink that couples variables (max(x, y) at x = y) gives a polytope (there, the segment
from (1, 0) to (0, 1)), whose nearest point ``diffcompare.symbolic.hull`` finds exactly.
SymPy's own derivative answers with its convention (sign(0) = 0, Heaviside(0) = 1/2),
and its limits of Heaviside(g(x)) as g → 0 are that convention too, not a side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from diffcompare.symbolic import hull
from diffcompare.symbolic.piece import beside, gradients, value, ways


@dataclass(frozen=True)
class Kink:
    at: str  # the point: "x=0.0, y=1.0"
    where: tuple[str, ...]  # what is nonsmooth there: "abs(x) (its argument is 0)"
    # the subdifferential, one number per variable in the point's order: a box where each
    # kink is in one variable, else the hull of vertices; neither where it cannot be told
    bounds: tuple[tuple[float, ...], tuple[float, ...]] | None
    vertices: tuple[tuple[float, ...], ...] | None = None

    def region(self) -> str:
        """The subdifferential in words; '' where there is none."""
        if self.vertices is not None:
            return "the convex hull of " + ", ".join(map(_point, self.vertices))
        if self.bounds is not None:
            return " × ".join(
                f"[{lo!r}, {hi!r}]" if lo != hi else f"{{{lo!r}}}" for lo, hi in zip(*self.bounds)
            )
        return ""

    def lines(self) -> list[str]:
        head = f"{self.at} is a kink of f: {'; '.join(self.where)}."
        if self.region():
            return [
                head,
                f"Every value in the subdifferential, {self.region()} (the gradients of the "
                "pieces that meet here, and what lies between), is right: each method is "
                "scored against the nearest one.",
            ]
        return [
            head,
            "Its subdifferential cannot be told here (not to first order, or too many "
            "pieces): the oracle scores against SymPy's value, which at a kink follows its "
            "convention (sign(0) = 0, Heaviside(0) = 1/2). Where the derivative is not "
            "unique, another subgradient, right as well, scores low.",
        ]


def _point(v: tuple[float, ...]) -> str:
    return f"({', '.join(map(repr, v))})" if len(v) > 1 else repr(v[0])


def _kinks(expr: sympy.Expr, at: dict) -> dict[str, tuple[sympy.Expr, set]]:
    """What is nonsmooth at the point, by description: the abs or max, and the symbols
    it depends on there."""
    from diffcompare.form.stop_gradient import StopGradient

    found = {}
    walk = sympy.preorder_traversal(expr)
    for e in walk:
        if isinstance(e, StopGradient):
            walk.skip()  # what is not differentiated has no kink to speak of
        elif isinstance(e, sympy.Abs) and value(e.args[0], at) == 0:
            found[f"abs({e.args[0]}) (its argument is 0)"] = (e, e.free_symbols)
        elif isinstance(e, sympy.Max):
            tied = [e.args[i] for i in ways(e, at)[0][1]]
            if len(tied) > 1:
                args = ", ".join(map(str, e.args))
                symbols = set().union(*(a.free_symbols for a in tied))
                found[f"max({args}) ({' and '.join(map(str, tied))} tie)"] = (e, symbols)
    return found


def find(case, inputs: dict | None = None) -> Kink | None:
    """The kink of a scalar case at its point (``inputs``, by name; default the case's),
    or None where its derivative is unique or undefined (sqrt(abs(x)) at 0: the oracle
    says so), or SymPy cannot trace it (the sympy method's row says why)."""
    from diffcompare.symbolic.expression import trace

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
    wrt = set(t.wrt)
    kinks = {k: (e, s & wrt) for k, (e, s) in _kinks(expr, at).items() if s & wrt}
    if not kinks:
        return None
    text = ", ".join(
        f"{k}={v.item()!r}" if v.ndim == 0 else f"{k}={np.array2string(v, threshold=6)}"
        for k, v in inputs.items()
    )
    if any(len(symbols) > 1 for _, symbols in kinks.values()):  # max(x, y) at x = y
        found = gradients(expr, [e for e, _ in kinks.values()], t.wrt, at)
        if found is not None and len(found) == 1:
            return None  # abs(x - y)**2 at x = y: every piece has the same gradient
        if found is None or len(found) > hull.MAX_VERTICES:
            return Kink(text, tuple(kinks), None)
        return Kink(text, tuple(kinks), None, tuple(found))
    involved = set().union(*(symbols for _, symbols in kinks.values()))
    terms_with = {v: [] for v in t.wrt}  # the L1 norm over n: 2 terms for each, not 2n
    for term in sympy.Add.make_args(expr):
        for v in term.free_symbols & terms_with.keys():
            terms_with[v].append(term)
    lower, upper = [], []
    for v in t.wrt:
        f = sympy.Add(*terms_with[v])
        # a partial in a variable without kinks is the same on every side of the others'
        sides = [value(beside(f, v, at, side).diff(v), at) for side in (-1, 1)[v not in involved :]]
        if not all(g.is_finite for g in sides):
            return None  # sqrt(abs(x)) at 0: no derivative at all, as the oracle says
        lower.append(float(min(sides)))
        upper.append(float(max(sides)))
    if lower == upper:
        return None  # abs(x)**2 at 0: the pieces join smoothly
    return Kink(text, tuple(kinks), (tuple(lower), tuple(upper)))
