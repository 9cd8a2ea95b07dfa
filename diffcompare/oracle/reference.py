"""The reference record: a high-precision value (or a subdifferential's bounds), and a
case's own derivative reshaped into one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from diffcompare.form.problem import Problem


@dataclass(frozen=True, eq=False)
class Reference:
    kind: str  # arb | sympy-mpmath | mpmath-ad | case | subdifferential | ridders | ...
    hi: np.ndarray  # float64, the value (lower bound for a subdifferential)
    lo: np.ndarray  # float64 correction: truth = hi + lo
    upper: np.ndarray | None = None  # subdifferential upper bound
    note: str = ""  # said in every row scored against it
    # a subdifferential that is not a box (a coupled kink's): the hull of these, which
    # hi and upper bound
    vertices: np.ndarray | None = None
    max_digits: float = 17.0  # what the reference itself holds: 17 for the 50-digit oracles
    # per entry, the size of the terms the derivative sums (the AD oracle's magnitudes):
    # errors are also measured against it, so that a small answer made of large terms
    # does not fail every method
    scale: np.ndarray | None = None
    # the certified oracle's proven bound on |exact derivative - (hi + lo)|, per entry
    radius: np.ndarray | None = None

    @property
    def error(self) -> float:
        """How far the reference itself may be off, relative (normwise): proven for a
        certified one, 1e-30 for the 50-digit oracles (two precisions agree to it), and
        10^-digits for one that holds fewer (a float64 estimate, a case's float64 one)."""
        if self.upper is not None:
            return 0.0  # a subdifferential's bounds are exact: any value inside is right
        if self.radius is not None:
            size = float(np.max(np.abs(self.hi))) if self.hi.size else 0.0
            worst = float(np.max(self.radius)) if self.radius.size else 0.0
            return worst / size if size > 0 else worst
        if self.max_digits >= 17.0:
            return 1e-30
        return 10.0**-self.max_digits

    def nearest(self, value: np.ndarray) -> np.ndarray:
        """The reference value closest to what a method returned."""
        if self.upper is None:
            return self.hi
        if self.vertices is not None:
            from diffcompare.symbolic import hull

            return hull.nearest(self.vertices, value)
        return np.clip(value, self.hi, self.upper)


def first_order_matrix(problem: Problem, raw) -> np.ndarray:
    """A user-supplied first derivative, reshaped to the (m, N) Jacobian."""
    case = problem.case
    parts = raw if len(case.wrt) > 1 and isinstance(raw, (tuple, list)) else (raw,)
    m = problem.m
    blocks = [np.asarray(p, dtype=np.float64).reshape(m, -1) for p in parts]
    jac = np.concatenate(blocks, axis=1)
    if jac.shape != (m, problem.n):
        raise ValueError(
            f"case {case.name!r}: its derivative has {jac.size} numbers, expected {m * problem.n}"
        )
    return jac


def from_jacobian(problem: Problem, jac: np.ndarray) -> np.ndarray:
    op = problem.operator
    if op == "jvp":
        return jac @ problem.tangent.astype(np.float64)
    if op == "vjp":
        return problem.cotangent.astype(np.float64) @ jac
    return jac.reshape(problem.value_shape)
