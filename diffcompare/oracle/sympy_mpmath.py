"""The SymPy derivative evaluated with mpmath at 50 significant digits, at the exact
binary value of the inputs in the run's dtype."""

from __future__ import annotations

import functools

import numpy as np

from diffcompare.errors import Undefined
from diffcompare.form.problem import Problem
from diffcompare.oracle import precision
from diffcompare.oracle.precision import DIGITS
from diffcompare.oracle.reference import Reference


@functools.cache
def _mpmath_function(case, operator):
    from diffcompare.symbolic.expression import derive
    from diffcompare.symbolic.lambdify import MPMATH, lambdify

    d = derive(case, operator)
    exprs = [e for _, e in d.entries]
    # cse: shared subexpressions printed and evaluated once, at the same 50 digits
    return d, lambdify(d.args, exprs, MPMATH, cse=d.cse)


@functools.cache
def _mpmath_primal(case, operator):
    """f itself, at the same 50 digits, from the same trace."""
    from diffcompare.symbolic.lambdify import MPMATH, lambdify

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


def evaluate(problem: Problem) -> Reference:
    values, _, digits = precision.settle(lambda d: (_values(problem, d), []))
    hi, lo = precision.double_double(values)
    note = f"evaluated at {digits} digits" if digits > 2 * DIGITS else ""
    return Reference("sympy-mpmath", hi, lo, note=note)


def _values(problem: Problem, digits: int) -> np.ndarray:
    import mpmath

    from diffcompare.symbolic import template

    d, f = _mpmath_function(problem.case, problem.operator)
    out = np.full(d.shape, 0, dtype=object)
    with mpmath.workdps(digits):
        mp = precision.exact
        constants = [
            x
            for k in problem.case.constants
            if k in d.trace.constants
            for x in mp(problem.constants[k])
        ]
        tangent = mp(problem.tangent) if d.tangent else []
        cotangent = mp(problem.cotangent) if d.cotangent else []
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
            out[index] = v
    return out
