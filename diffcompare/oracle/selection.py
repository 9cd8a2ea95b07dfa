"""Which reference a problem is scored against.

Three sources, in order of preference:
- ``subdifferential``: at a kink the case gives bounds, or ``diffcompare.symbolic.kink`` finds
  the subdifferential (an abs's argument 0 or a max's arguments tying: a box, or the
  hull of the pieces' gradients); any value inside is exact;
- ``case``: the case's own ``reference=`` derivative (first-order operators);
- ``sympy-mpmath``: the SymPy derivative evaluated with mpmath at 50 significant
  digits, at the exact binary value of the inputs in the run's dtype.
The high-precision value is kept as a double-double (hi + lo) so that errors near
machine precision are measured, not rounded away.
"""

from __future__ import annotations

import numpy as np

from diffcompare.errors import Unsupported
from diffcompare.form import operator as ops
from diffcompare.form.problem import Problem
from diffcompare.oracle import sympy_mpmath
from diffcompare.oracle.reference import Reference, first_order_matrix, from_jacobian
from diffcompare.oracle.score import score


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
    return sympy_mpmath.evaluate(problem)


def _kink(problem: Problem, inputs: dict) -> Reference | None:
    """At a kink the case does not declare: its subdifferential (a box where each kink is
    in one variable, else a hull), or where that cannot be told, SymPy's convention; the
    rows say which."""
    from dataclasses import replace

    from diffcompare.symbolic import kink

    found = kink.find(problem.case, inputs)
    if found is None:
        return None
    where = f"a kink: {'; '.join(found.where)}"
    if not found.region() or problem.operator in ("jvp", "vjp"):
        ref = sympy_mpmath.evaluate(problem)
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
        check = sympy_mpmath.evaluate(problem)
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
    from diffcompare.form.problem import bind
    from diffcompare.methods import by_name

    p64 = bind(problem.case, problem.operator, "float64", problem.out_shape, problem.seed or 0)
    value = np.asarray(by_name("fd-richardson").prepare(p64, "cpu").call(), dtype=np.float64)
    return Reference("ridders", value, np.zeros(value.shape))
