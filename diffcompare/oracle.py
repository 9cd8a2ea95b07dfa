"""The reference every accuracy figure is measured against, and the error metrics.

Three sources, in order of preference:
- ``subdifferential``: at a kink the case gives bounds, or ``diffcompare.kink`` finds
  the subdifferential (an abs's argument 0 or a max's arguments tying: a box, or the
  hull of the pieces' gradients); any value inside is exact;
- ``case``: the case's own ``reference=`` derivative (first-order operators);
- ``sympy-mpmath``: the SymPy derivative evaluated with mpmath at 50 significant
  digits, at the exact binary value of the inputs in the run's dtype.
The high-precision value is kept as a double-double (hi + lo) so that errors near
machine precision are measured, not rounded away.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from diffcompare import operator as ops
from diffcompare.errors import Undefined, Unsupported
from diffcompare.problem import Problem

DIGITS = 50
MAX_DIGITS = 17.0


@dataclass(frozen=True, eq=False)
class Reference:
    kind: str  # sympy-mpmath | case | subdifferential
    hi: np.ndarray  # float64, the value (lower bound for a subdifferential)
    lo: np.ndarray  # float64 correction: truth = hi + lo
    upper: np.ndarray | None = None  # subdifferential upper bound
    note: str = ""  # said in every row scored against it
    # a subdifferential that is not a box (a coupled kink's): the hull of these, which
    # hi and upper bound
    vertices: np.ndarray | None = None

    def nearest(self, value: np.ndarray) -> np.ndarray:
        """The reference value closest to what a method returned."""
        if self.upper is None:
            return self.hi
        if self.vertices is not None:
            from diffcompare import hull

            return hull.nearest(self.vertices, value)
        return np.clip(value, self.hi, self.upper)


@dataclass(frozen=True)
class Score:
    max_abs_error: float
    max_rel_error: float
    digits: float


def score(value: np.ndarray, ref: Reference) -> Score:
    """Normwise errors: max|v - r| and max|v - r| / max|r| (absolute when r = 0)."""
    v = np.asarray(value, dtype=np.float64)
    r = ref.nearest(v)
    lo = ref.lo if ref.upper is None else 0.0
    err = np.abs((v - r) - lo)  # v - r is exact when they agree to a few bits
    max_abs = float(np.max(err)) if err.size else 0.0
    scale = float(np.max(np.abs(r))) if np.size(r) else 0.0
    rel = max_abs / scale if scale > 0 else max_abs
    if math.isnan(rel):
        return Score(max_abs, rel, float("nan"))
    digits = MAX_DIGITS if rel == 0 else min(MAX_DIGITS, max(0.0, -math.log10(rel)))
    return Score(max_abs, rel, digits)


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


@functools.cache
def _mpmath_function(case, operator):
    from diffcompare.expression import MPMATH, derive, lambdify

    d = derive(case, operator)
    exprs = [e for _, e in d.entries]
    # cse: shared subexpressions printed and evaluated once, at the same 50 digits
    return d, lambdify(d.args, exprs, MPMATH, cse=d.cse)


@functools.cache
def _mpmath_primal(case, operator):
    """f itself, at the same 50 digits, from the same trace."""
    from diffcompare.expression import MPMATH, lambdify

    d, _ = _mpmath_function(case, operator)
    return lambdify(d.args[:2], list(d.trace.outputs), MPMATH)


def forget() -> None:
    """Drop the oracle's compiled functions (benchmarks time a cold start)."""
    _mpmath_function.cache_clear()
    _mpmath_primal.cache_clear()


def _undefined(problem: Problem, theta: list, constants: list) -> str:
    """Why f itself has no real value at the point ('' where it has one). The derivative
    of log(x) at x = -1 evaluates to -1, but log(-1) = iπ: there is no real derivative to
    score. Asked only where f in float64 is not finite, which an overflow alone can cause."""
    import mpmath

    try:
        with np.errstate(all="ignore"):
            fx = problem.numpy_function()(problem.theta.astype(np.float64))
        if np.all(np.isfinite(fx)):
            return ""
    except Exception:  # the case's own failure is its rows' to tell
        return ""
    try:
        values = _mpmath_primal(problem.case, problem.operator)(theta, constants)
    except ZeroDivisionError:
        return "f is not defined at this point (a division by zero)"
    for v in values:
        v = mpmath.mpmathify(v)
        if not isinstance(v, mpmath.mpf):
            return f"f is not real at this point (one of its values is {mpmath.nstr(v, 6)})"
        if mpmath.isnan(v):
            return "f is not defined at this point (it evaluates to nan, as 0·∞ or ∞ − ∞)"
        if mpmath.isinf(v):
            return f"f is not finite at this point (one of its values is {v})"
    return ""


def _sympy_mpmath(problem: Problem) -> Reference:
    import mpmath

    from diffcompare import template

    d, f = _mpmath_function(problem.case, problem.operator)

    def mp(a):
        return [mpmath.mpf(float(x)) for x in np.asarray(a, dtype=np.float64).ravel()]

    constants = [
        x
        for k in problem.case.constants
        if k in d.trace.constants
        for x in mp(problem.constants[k])
    ]
    tangent = mp(problem.tangent) if d.tangent else []
    cotangent = mp(problem.cotangent) if d.cotangent else []
    hi = np.zeros(d.shape)
    lo = np.zeros(d.shape)
    with mpmath.workdps(DIGITS):
        theta = mp(problem.theta)
        why = _undefined(problem, theta, constants)
        if why:
            raise Undefined(why)
        try:
            values = f(theta, constants, tangent, cotangent)
            total = {index: v for (index, _), v in zip(d.entries, values)}
            for part in d.parts:  # repeated terms, term by term at the same precision
                for index, v in template.mpmath_values(part, theta):
                    total[index] = total.get(index, 0) + v
        except ZeroDivisionError:
            raise Undefined("the derivative is not defined at this point") from None
        for index, v in total.items():
            if not isinstance(v, mpmath.mpf):
                v = mpmath.mpmathify(v)
                if not isinstance(v, mpmath.mpf):
                    raise Undefined(f"the derivative is not real at this point: {v}")
            if not mpmath.isfinite(v):
                raise Undefined("the derivative is not defined at this point")
            h = float(v)
            if not math.isfinite(h):
                raise Undefined(
                    f"the derivative is beyond float64's range here ({mpmath.nstr(v, 3)})"
                )
            hi[index] = h
            lo[index] = float(v - h)
    return Reference("sympy-mpmath", hi, lo)


def reference(problem: Problem) -> Reference:
    """The reference for this problem; raises Unsupported when there is none."""
    case, op = problem.case, problem.operator
    inputs = {**problem.split(problem.theta.astype(np.float64)), **problem.constants}
    if case.subdifferential is not None and ops.order(op) == 1:
        if op in ("jvp", "vjp"):
            raise Unsupported("a subdifferential bounds derivatives, not directional ones")
        return _subdifferential(problem, case.subdifferential(**inputs))
    if case.reference is None and ops.order(op) == 1:
        at_kink = _kink(problem, inputs)
        if at_kink is not None:
            return at_kink
    if case.reference is not None:
        if ops.order(op) != 1:
            raise Unsupported("the case's reference= gives first derivatives only")
        jac = first_order_matrix(problem, case.reference(**inputs))
        value = from_jacobian(problem, jac)
        return _checked(problem, Reference("case", value, np.zeros(value.shape)))
    return _sympy_mpmath(problem)


def _kink(problem: Problem, inputs: dict) -> Reference | None:
    """At a kink the case does not declare: its subdifferential (a box where each kink is
    in one variable, else a hull), or where that cannot be told, SymPy's convention; the
    rows say which."""
    from dataclasses import replace

    from diffcompare import kink

    found = kink.find(problem.case, inputs)
    if found is None:
        return None
    where = f"a kink: {'; '.join(found.where)}"
    if not found.region() or problem.operator in ("jvp", "vjp"):
        ref = _sympy_mpmath(problem)
        return replace(ref, note=f"{where}; scored against SymPy's sign(0) = 0, H(0) = 1/2")
    return _subdifferential(
        problem,
        [np.asarray(p) for p in found.bounds or found.vertices],
        note=f"{where}; any value in {found.region()} is right",
        hull=found.vertices is not None,
    )


def _subdifferential(problem: Problem, points, note: str = "", hull: bool = False) -> Reference:
    """From first derivatives as a case gives them: a box's two corners, or (hull) the
    vertices of a polytope."""
    arrays = np.stack([from_jacobian(problem, first_order_matrix(problem, p)) for p in points])
    return Reference(
        "subdifferential",
        arrays.min(axis=0),
        np.zeros(arrays.shape[1:]),
        arrays.max(axis=0),
        note=note,
        vertices=arrays if hull else None,
    )


AGREE = {
    "SymPy's derivative": 1e-10,
    "Ridders' extrapolation": 1e-6,
}  # how close a reference= must be


def _checked(problem: Problem, given: Reference) -> Reference:
    """A case's own reference, checked against the function: against SymPy's derivative
    when SymPy can trace it (then a wrong reference is replaced by SymPy's, and the rows
    say so), else against Ridders' extrapolation in float64 (then a wrong reference
    leaves the rows without one: neither can be trusted)."""
    from dataclasses import replace

    how, check = "SymPy's derivative", None
    try:
        check = _sympy_mpmath(problem)
    except Exception:
        how = "Ridders' extrapolation"
        try:
            check = _ridders(problem)
        except Exception:
            return given
    diff = score(given.hi, check).max_rel_error
    if diff <= AGREE[how]:
        return given
    what = (
        f"the case's reference= disagrees with {how} of the function "
        f"(max relative difference {diff:.2g})"
    )
    if how == "SymPy's derivative":
        return replace(check, note=f"{what}; scored against SymPy's")
    raise Unsupported(what)


def _ridders(problem: Problem) -> Reference:
    from diffcompare.methods import by_name
    from diffcompare.problem import bind

    p64 = bind(problem.case, problem.operator, "float64", problem.out_shape, problem.seed or 0)
    value = np.asarray(by_name("fd-richardson").prepare(p64, "cpu").call(), dtype=np.float64)
    return Reference("ridders", value, np.zeros(value.shape))


def eps(dtype: str) -> float:
    return float(np.finfo(np.dtype(dtype)).eps)


def tolerance(scheme_order: int | None, dtype: str, derivative_order: int) -> float:
    """The relative error a method is allowed: 100 x its theoretical error.

    An exact method (scheme_order None) gets 100 eps. A stencil of accuracy order p
    balances truncation h^p against round-off eps/h^k (k the derivative order), so its
    best error is about eps^(p / (p + k)).
    """
    e = eps(dtype)
    if scheme_order is None:
        return 100 * e
    return 100 * e ** (scheme_order / (scheme_order + derivative_order))
