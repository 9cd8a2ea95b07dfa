"""The trace-free oracle: the case's own Python run on 50-digit numbers that carry
derivatives (``tape.Var``), at the exact binary value of the inputs in the run's dtype.

Control flow on values, loops, ``where``, indexing and ``stack`` all work, because the case
runs on concrete numbers. First derivatives take one backward sweep of the tape per output
(one in all for a gradient or a vjp); a jvp, a second derivative and an hvp take one pass
with duals (forward over reverse); a Hessian one such pass per input.

Every input enters at its exact value, the constants too (a float array of them becomes
an array of constant Vars), so ``h / 6`` or ``exp(-t)`` on a constant is computed at the
oracle's precision, not in the run's dtype. A case that cannot run so (it turns a
constant into a Python float) runs with its constants as they are, and says so.

The certified oracle (``arb_ad``) runs this same recording on Arb balls: ``Numbers`` says
which number type an evaluation uses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import mpmath
import numpy as np
from flint import arb

from diffcompare.errors import Undefined, Unsupported
from diffcompare.form import operator as ops
from diffcompare.form.problem import Problem
from diffcompare.oracle import precision, torch_balls
from diffcompare.oracle.dual import Dual, Imprecise, value
from diffcompare.oracle.mp_namespace import MpNamespace
from diffcompare.oracle.precision import DIGITS
from diffcompare.oracle.reference import Reference
from diffcompare.oracle.tape import TAPE, Tape, Traced, Var, constant, floating, node

KIND = "mpmath-ad"


@dataclass(frozen=True)
class Numbers:
    """The number type one evaluation runs on."""

    exact: object = mpmath.mpf  # float or int -> the number type, exactly
    final: bool = True  # balls: the last precision (an undecided branch is followed)
    lift: bool = True  # the constants enter as exact numbers too

    def of(self, a) -> list:
        """A float array's entries at their exact values, flat."""
        return [self.exact(float(x)) for x in np.asarray(a).ravel()]


MPF = Numbers()


def _record(problem: Problem, leaves: list, numbers: Numbers = MPF) -> tuple[Tape, list]:
    """Run the case once on Vars; (its tape, its outputs flattened)."""
    digits = mpmath.mp.dps
    tape = Tape(problem.dtype, numbers.exact, numbers.final)
    TAPE.append(tape)
    try:
        shadow = problem.theta
        theta = np.empty(len(leaves), dtype=object)
        for k, v in enumerate(leaves):
            theta[k] = node(v, shadow[k])
        inputs = {name: (x[()] if x.ndim == 0 else x) for name, x in problem.split(theta).items()}
        constants = problem.constants
        if numbers.lift:
            constants = {k: constant(c) for k, c in constants.items()}
        with np.errstate(all="ignore"):
            if problem.case.backend == "torch":  # its own code, on Balls tensors
                fn = problem.case.fn.__wrapped__
                out = torch_balls.call(fn, inputs, constants, problem.dtype)
            else:
                out = problem.case.fn(**inputs, **constants, xp=MpNamespace())
        if mpmath.mp.dps != digits:
            raise Unsupported(
                f"the case changed mpmath's working precision (mp.dps = {mpmath.mp.dps})"
            )
        outputs = list(np.asarray(out, dtype=object).ravel())
        tape.reach(outputs)
    except Traced as exc:
        raise Unsupported(f"the AD oracle cannot follow the case: {exc}") from None
    except ZeroDivisionError:
        raise Undefined("f is not defined at this point (a division by zero)") from None
    finally:
        TAPE.pop()
    for y in outputs:
        if not _real(y):
            raise Unsupported(f"the case returns {type(y).__name__} {y!r:.40}, not a real number")
    return tape, outputs


def _real(y) -> bool:
    if isinstance(y, Var):
        x = value(y.v)
    elif isinstance(y, (bool, np.bool_, str)) or y is None:
        return False
    else:
        x = y
    if isinstance(x, arb):
        if not x.is_finite():  # a division by a ball around 0, or a value past the domain
            raise Imprecise("a value of the function is not finite on balls")
        return True
    try:
        x = mpmath.mpmathify(x)
    except (TypeError, ValueError):
        return False
    if not isinstance(x, mpmath.mpf):
        return False
    if not mpmath.isfinite(x):
        raise Undefined(f"the function is not finite here: one of its values is {x}")
    return True


def _first_order(
    problem: Problem, x: list, sizes: bool, numbers: Numbers = MPF
) -> tuple[np.ndarray, tuple]:
    """The derivative and, with ``sizes``, per entry the size of the terms it sums
    (``Tape.magnitude``), from one recording. The first, 50-digit evaluation is only ever
    the coarse one of a precision check, so it skips the sizes."""
    op, n = problem.operator, problem.n
    tape, outputs = _record(problem, x, numbers)
    weights = (
        [numbers.of(problem.cotangent)]
        if op == "vjp"
        else [[1 if k == j else 0 for k in range(len(outputs))] for j in range(len(outputs))]
    )
    seeds = [_seeds(outputs, w) for w in weights]  # one backward sweep per output (vjp: one)
    values = np.array([tape.gradient(s, n) for s in seeds], dtype=object)
    scale = np.array([tape.magnitude(s, n) for s in seeds]) if sizes else None
    shape = problem.value_shape
    return values.reshape(shape), (tape.notes, None if scale is None else scale.reshape(shape))


def _along(problem: Problem, x: list, direction: list, numbers: Numbers) -> tuple[list, list]:
    """H v (forward over reverse): gradient adjoints' tangents, with x + ε v."""
    tape, outputs = _record(problem, [Dual(a, b) for a, b in zip(x, direction)], numbers)
    adj = tape.gradient(_seeds(outputs, [1] * len(outputs)), problem.n)
    return [a.b if isinstance(a, Dual) else 0 for a in adj], tape.notes


def _second_order(problem: Problem, x: list, numbers: Numbers) -> tuple[np.ndarray, list]:
    op, n = problem.operator, problem.n
    if op == "hvp":
        v = numbers.of(problem.tangent)
        hv, notes = _along(problem, x, v, numbers)
        return np.array(hv, dtype=object), notes
    columns, notes = [], []
    for k in range(n):
        column, notes = _along(problem, x, [1 if i == k else 0 for i in range(n)], numbers)
        columns.append(column)
    return np.array(columns, dtype=object).T.reshape(problem.value_shape), notes


def evaluate(problem: Problem) -> Reference:
    """The reference by AD over mpmath; Unsupported where the case cannot run on it."""
    try:
        return _evaluate(problem, MPF)
    except Undefined:
        raise
    except Exception as exc:
        if not any(floating(c) for c in problem.constants.values()):
            raise
        try:  # the constants as the run has them: the reference is no better than they are
            ref = _evaluate(problem, replace(MPF, lift=False))
        except Exception:
            raise exc from None
        why = f"the case's constants entered as {problem.dtype} numbers, not exactly ({exc})"
        return replace(ref, note="; ".join(n for n in (ref.note, why) if n))


def _evaluate(problem: Problem, numbers: Numbers) -> Reference:
    values, (notes, scale), digits = precision.settle(lambda d: _values(problem, d, numbers))
    hi, lo = precision.double_double(values.reshape(problem.value_shape))
    if digits > 2 * DIGITS:
        notes = [*notes, f"evaluated at {digits} digits"]
    return Reference(KIND, hi, lo, note="; ".join(notes), scale=scale)


def _seeds(outputs: list, weights) -> dict:
    seeds: dict = {}
    for y, w in zip(outputs, weights):
        if isinstance(y, Var) and y.i >= 0:
            seeds[y.i] = seeds.get(y.i, 0) + w
    return seeds


def _values(problem: Problem, digits: int, numbers: Numbers = MPF) -> tuple[np.ndarray, tuple]:
    """The derivative at this precision, and (its notes, its terms' size or None)."""
    with mpmath.workdps(digits):
        return derivative(problem, numbers, sizes=digits > DIGITS)


def derivative(problem: Problem, numbers: Numbers, sizes: bool) -> tuple[np.ndarray, tuple]:
    """The derivative on ``numbers``, at the working precision the caller has set."""
    x = numbers.of(problem.theta)
    if ops.order(problem.operator) == 1 and problem.operator != "jvp":
        return _first_order(problem, x, sizes, numbers)
    if problem.operator == "jvp":
        v = numbers.of(problem.tangent)
        tape, outputs = _record(problem, [Dual(a, b) for a, b in zip(x, v)], numbers)
        tangents = [y.v.b if isinstance(y, Var) and isinstance(y.v, Dual) else 0 for y in outputs]
        return np.array(tangents, dtype=object), (tape.notes, None)
    values, notes = _second_order(problem, x, numbers)
    kinks = [n for n in notes if n.startswith("a kink")]
    if kinks:
        where = kinks[0].split(" (")[0]
        raise Undefined(f"the second derivative is not defined at {where}")
    return values, (notes, None)
