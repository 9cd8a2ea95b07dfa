"""Numeric differentiation: finite-difference stencils, Richardson extrapolation, complex step."""

from __future__ import annotations

import numpy as np

from diffcompare.errors import Unsupported
from diffcompare.form import operator as ops
from diffcompare.form.code import code
from diffcompare.form.namespace import AnalyticProbe, NotAnalytic
from diffcompare.form.problem import Problem
from diffcompare.methods import batch
from diffcompare.methods.method import Prepared
from diffcompare.methods.stencil import (
    BACKWARD,
    CENTRAL,
    FIVE_POINT,
    FORWARD,
    IMAGINARY,
    MAX_EVALS,
    Evaluations,
    Stencil,
    along_axes,
    evals_estimate,
    first,
    ridders,
    second,
    steps_for,
)
from diffcompare.methods.tolerance import eps, tolerance

__all__ = [
    "BACKWARD",
    "CENTRAL",
    "FIVE_POINT",
    "FORWARD",
    "ComplexStep",
    "FiniteDifference",
    "Richardson",
]

COMPLEX_STEP = {"float64": 1e-20, "float32": 1e-10}


class _Numeric:
    """Shared plumbing: the flat NumPy function, operators from first/second stencils."""

    family = "numeric"
    backend = "numpy"
    devices = ("cpu",)
    name: str
    batches = True  # real stencils along the axes can take all their points in one call

    def rtol(self, dtype: str, derivative_order: int) -> float:
        return tolerance(self.scheme_order, dtype, derivative_order)

    def _function(self, problem: Problem):
        return problem.numpy_function()

    def _directions(self, problem: Problem):
        axes = range(problem.n)
        tangent = [problem.tangent] if problem.tangent is not None else None
        return axes, tangent

    def prepare(self, problem: Problem, device: str) -> Prepared:
        need = evals_estimate(problem, self._points(problem))
        if need > MAX_EVALS:
            raise Unsupported(
                f"{problem.operator} at n={problem.n} needs about {need:,} function evaluations "
                f"per call (limit {MAX_EVALS:,})"
            )
        f = self._function(problem)
        x = problem.theta
        counters: dict = {}
        notes = []
        fb = None
        step_rule = _remembered(x)
        if self.batches and problem.operator in BATCHED_OPERATORS and need >= batch.MIN_POINTS:
            fb, why = batch.batched(problem, f)
            notes.append(
                why or f"batched: each stencil's {need} points in one torch.func.vmap call"
            )

        def call():
            value, counters["f_evals"] = self._evaluate(f, x, problem, fb, step_rule)
            return value

        if problem.operator == "vjp":
            notes.append("finite differences have no reverse mode: u^T J from the full Jacobian")
        if "stop_gradient" in getattr(code(problem.case.fn), "co_names", ()):
            notes.append("finite differences see values only: stop_gradient has no effect on them")
        note = "; ".join(notes)
        return Prepared(
            call=call,
            to_numpy=np.asarray,
            primal=lambda: f(x),  # the same NumPy function the stencils evaluate
            step=float(self._first_step(problem)),
            note=note,
            counters=counters,
        )


def _remembered(x: np.ndarray):
    """steps_for at this point, each set of steps along the axes worked out once: the
    step is chosen when preparing (as the schema's prepare_s says), not in every call."""
    memo: dict = {}

    def step_rule(at, dirs, base, relative):
        if at is not x or not isinstance(dirs, range):
            return steps_for(at, dirs, base, relative)
        key = (dirs.start, dirs.stop, float(base), relative)
        if key not in memo:
            memo[key] = steps_for(at, dirs, base, relative)
        return memo[key]

    return step_rule


class FiniteDifference(_Numeric):
    """One stencil, applied once for first derivatives and twice for second."""

    def __init__(self, name: str, stencil: Stencil):
        self.name = name
        self.stencil = stencil
        self.scheme_order = stencil.order

    def _base(self, problem: Problem) -> tuple[float, bool]:
        if problem.step is not None:
            return problem.step, False
        k = ops.order(problem.operator)
        p = self.stencil.order
        return eps(problem.dtype) ** (1.0 / (p + k)), True

    def _first_step(self, problem: Problem):
        base, relative = self._base(problem)
        return steps_for(problem.theta, [0], base, relative)[0]

    def _points(self, problem: Problem) -> int:
        return len(self.stencil.offsets)

    def _evaluate(self, f, x, problem: Problem, fb=None, step_rule=steps_for):
        s = self.stencil
        base, relative = self._base(problem)
        axes, tangent = self._directions(problem)
        if fb is not None:
            return _batched(problem, fb, f, x, step_rule(x, axes, base, relative), s)
        if problem.operator in BATCHED_OPERATORS:
            return _looped(problem, f, x, step_rule(x, axes, base, relative), s)
        ev = Evaluations(f, x)
        return _apply(
            problem, ev, s, s, axes, tangent, lambda dirs: step_rule(x, dirs, base, relative)
        ), ev.count


BATCHED_OPERATORS = ("derivative", "gradient", "jacobian", "vjp")


def _batched(problem: Problem, fb, f, x, steps, s: Stencil):
    """A first-order operator from one batched call: (value, evaluations)."""
    f0 = f(x) if 0 in s.offsets else None
    jac = batch.first(fb, f0, x, steps, s).reshape(problem.m, problem.n)
    value = (problem.cotangent @ jac) if problem.operator == "vjp" else jac
    evals = sum(1 for c in s.offsets if c != 0) * problem.n + (f0 is not None)
    return value.reshape(problem.value_shape), evals


def _looped(problem: Problem, f, x, steps, s: Stencil):
    """A first-order operator along the axes by the plain loop: (value, evaluations)."""
    jac, evals = along_axes(f, x, steps, s)
    jac = jac.reshape(problem.m, problem.n)
    value = (problem.cotangent @ jac) if problem.operator == "vjp" else jac
    return value.reshape(problem.value_shape), evals


def _apply(problem: Problem, ev: Evaluations, s1: Stencil, s2: Stencil, axes, tangent, steps):
    """The operator from first/second stencil applications (s2: the outer one)."""
    op, shape = problem.operator, problem.value_shape
    if op in ("derivative", "gradient", "jacobian", "vjp"):
        jac = first(ev, axes, steps(axes), s1).reshape(problem.m, problem.n)
        return (problem.cotangent @ jac) if op == "vjp" else jac.reshape(shape)
    if op == "jvp":
        return first(ev, tangent, steps(tangent), s1).reshape(shape)
    if op in ("second_derivative", "hessian"):
        return second(ev, axes, steps(axes), s1, axes, steps(axes), s2, same=s1 == s2).reshape(
            shape
        )
    if op == "hvp":
        return second(ev, axes, steps(axes), s1, tangent, steps(tangent), s2, same=False).reshape(
            shape
        )
    raise Unsupported(f"no finite-difference form of {op}")


class Richardson(_Numeric):
    """Central differences at shrinking steps, extrapolated to h -> 0 (Ridders)."""

    name = "fd-richardson"
    scheme_order = 4  # at least; the tolerance assumes one extrapolation level

    def _points(self, problem: Problem) -> int:
        return 2 * 10  # a central stencil at up to ten steps

    def _first_step(self, problem: Problem):
        return 0.1 if problem.step is None else problem.step

    def _evaluate(self, f, x, problem: Problem, fb=None, step_rule=steps_for):
        axes, tangent = self._directions(problem)
        total = 0

        def phi(h):
            nonlocal total
            if fb is not None:
                value, evals = _batched(problem, fb, f, x, step_rule(x, axes, h, True), CENTRAL)
                total += evals
                return value
            if problem.operator in BATCHED_OPERATORS:
                value, evals = _looped(problem, f, x, step_rule(x, axes, h, True), CENTRAL)
                total += evals
                return value
            ev = Evaluations(f, x)
            value = _apply(
                problem,
                ev,
                CENTRAL,
                CENTRAL,
                axes,
                tangent,
                lambda dirs: step_rule(x, dirs, h, True),
            )
            total += ev.count
            return value

        return ridders(phi, self._first_step(problem)), total


class ComplexStep(_Numeric):
    """Im f(x + i h d) / h: no subtractive cancellation, so h can be tiny.

    Needs f complex-analytic; second derivatives take a central difference of
    complex-step first derivatives.
    """

    name = "complex-step"
    scheme_order = None
    batches = False  # complex points: the loop

    def rtol(self, dtype: str, derivative_order: int) -> float:
        # second derivatives: an outer central difference (order 2) of exact first ones
        return tolerance(None if derivative_order == 1 else 2, dtype, 1)

    def _points(self, problem: Problem) -> int:
        return 1 if ops.order(problem.operator) == 1 else 2

    def _first_step(self, problem: Problem):
        return problem.step if problem.step is not None else COMPLEX_STEP[problem.dtype]

    def _function(self, problem: Problem):
        f = problem.numpy_function()
        probe = problem.theta.astype(np.result_type(problem.theta.dtype, np.complex64))
        try:
            at = np.asarray(f(probe.view(AnalyticProbe)))
        except NotAnalytic as exc:
            raise Unsupported(
                f"complex step needs a complex-analytic function; the case uses {exc}"
            ) from None
        imaginary = np.abs(np.imag(at))
        if np.any(imaginary > 0):  # Im f(x + ih)/h would be Im f(x)/h, not f'(x)
            raise Unsupported(
                f"f is complex-valued at this point in complex arithmetic (|Im f| up to "
                f"{float(np.nanmax(imaginary)):.3g}; a real log or sqrt of a negative "
                "number?): the complex step needs f real on the real axis"
            )
        return f

    def _evaluate(self, f, x, problem: Problem, fb=None, step_rule=steps_for):
        k = ops.order(problem.operator)
        h = self._first_step(problem)
        outer = eps(problem.dtype) ** (1 / 3)
        axes, tangent = self._directions(problem)
        ev = Evaluations(f, x, complex_=True)

        def steps(dirs):
            return step_rule(x, dirs, h, problem.step is None)

        if problem.operator in BATCHED_OPERATORS:
            return _looped(problem, f, x, steps(axes), IMAGINARY)
        if k == 1:
            value = _apply(problem, ev, IMAGINARY, IMAGINARY, axes, tangent, steps)
            return value, ev.count
        # second order: inner complex step along a, outer central difference along b
        a_steps = steps(axes)
        b = tangent if problem.operator == "hvp" else axes
        b_steps = step_rule(x, b, outer, True)
        value = second(ev, axes, a_steps, IMAGINARY, b, b_steps, CENTRAL, same=False)
        if problem.operator == "hessian":
            value = (value + value.T) / 2  # the two orders agree to the scheme's error
        return value.reshape(problem.value_shape), ev.count
