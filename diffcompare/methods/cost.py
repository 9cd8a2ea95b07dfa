"""Each method's cost model: what one derivative call should cost, in calls of f, by
operator; the measured cost ratio is set beside it, and a row far off its model is
flagged (where overhead, or a bug, lives).

A model is a count (a stencil's evaluations: ``2n`` for a central gradient) or a bound
(reverse mode's gradient costs at most a small constant, about 5, whatever n: the
"cheap gradient principle"). First-order operators only: the second-order ones depend
on how a method nests its passes (see each method's row note), and SymPy's cost, and
Ridders' (its iterations), on the expression and the point.
"""

from __future__ import annotations

from dataclasses import dataclass

OFF = 4.0  # measured over 4x a model (or, for a count, under a quarter of it): off it


@dataclass(frozen=True)
class Model:
    formula: str  # in n (inputs) and m (outputs): "2n", "≤ 5"
    calls: float  # the formula at the row's n and m
    bound: bool  # an upper bound (reverse mode), not a count

    def shown(self) -> str:
        if self.bound or self.formula.isdigit():
            return self.formula
        return f"{self.formula} = {self.calls:g}"

    def off(self, ratio: float) -> bool:
        if ratio > OFF * self.calls:
            return True
        return not self.bound and ratio < self.calls / OFF


# operator -> formula, per method; each formula a function of (n, m)
_STENCIL = {
    "fd-forward": (1, 1),  # (points per direction, extra: the centre once)
    "fd-backward": (1, 1),
    "fd-central": (2, 0),
    "fd-5point": (4, 0),
}
_REVERSE = {  # one forward pass and one backward, at most a few f's each
    "derivative": ("≤ 5", lambda n, m: 5),
    "gradient": ("≤ 5", lambda n, m: 5),
    "vjp": ("≤ 5", lambda n, m: 5),
    "jvp": ("≤ 10", lambda n, m: 10),  # two vjps (the double-vjp trick)
    "jacobian": ("≤ 5m", lambda n, m: 5 * m),  # one backward pass per output
}
_FORWARD = {  # one pass carrying a tangent: at most a few f's
    "derivative": ("≤ 3", lambda n, m: 3),
    "jvp": ("≤ 3", lambda n, m: 3),
    "gradient": ("≤ 3n", lambda n, m: 3 * n),  # one JVP per input
    "jacobian": ("≤ 3n", lambda n, m: 3 * n),
    "vjp": ("≤ 3n", lambda n, m: 3 * n),  # the full Jacobian, then u^T J
}


def model(method: str, operator: str, n: int, m: int) -> Model | None:
    """The cost model of one row, or None where there is none (second order, SymPy,
    Ridders, a peer)."""
    if method in _STENCIL:
        per, centre = _STENCIL[method]
        if operator in ("derivative", "jvp"):
            return Model(str(per + centre), per + centre, False)
        if operator in ("gradient", "jacobian", "vjp"):
            formula = f"{per}n" if per > 1 else "n"
            formula += " + 1" if centre else ""
            return Model(formula, per * n + centre, False)
        return None
    if method == "complex-step" and operator in ("derivative", "jvp", "gradient", "jacobian"):
        # one complex evaluation per direction; complex arithmetic costs 2-4 real ones
        k = 1 if operator in ("derivative", "jvp") else n
        return Model("≤ 4" if k == 1 else "≤ 4n", 4 * k, True)
    table = {
        "torch": _REVERSE,
        "torch-compile": _REVERSE,
        "jax": _REVERSE,
        "torch-forward": _FORWARD,
    }
    table["jax-forward"] = _FORWARD
    if method in table and operator in table[method]:
        formula, calls = table[method][operator]
        return Model(formula, calls(n, m), True)
    return None
