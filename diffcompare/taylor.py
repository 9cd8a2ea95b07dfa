"""The Taylor-remainder test: a gradient (or Hessian) checker that needs no step choice.

Along a direction v the remainder r(t) = |f(x + t v) − f(x) − t ⟨g, v⟩| falls as t² when g
is the gradient and only as t when it is not; with a Hessian H subtracted too,
(t²/2) vᵀ H v, it falls as t³. Over log-spaced t, the slope of log r against log t is
fitted in the window where r stands above f's rounding and shows one power of t (as
Manopt.jl's ``check_gradient`` and pyadjoint's ``taylor_test`` do). f is evaluated as the
user wrote it, in float64 NumPy: no oracle, no step to choose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from diffcompare.form import registry
from diffcompare.form.problem import bind, output
from diffcompare.oracle import first_order_matrix
from diffcompare.oracle.taylor import STEPS, TaylorTest, remainder

__all__ = ["STEPS", "TaylorTest", "remainder", "taylor_test"]


def taylor_test(
    fn: Callable,
    inputs: Mapping,
    gradient: Callable,
    hessian: Callable | None = None,
    *,
    wrt: Sequence[str] | None = None,
    seed: int = 0,
    steps: Sequence[float] = STEPS,
) -> TaylorTest:
    """Check ``gradient`` (and ``hessian``, if given) of a scalar ``fn`` at ``inputs``.

    Both take the inputs by name, as ``fn`` does; the gradient returns one array per
    differentiated input (or one for a single input), the Hessian the (N, N) matrix over
    them, flattened in ``wrt`` order. Raises ValueError with the function's name for an
    fn that is not scalar or has no derivative at the point."""
    name = getattr(fn, "__name__", "fn")
    case = registry.make(name, fn, dict(inputs), wrt)
    shape, undefined = output(case)
    if shape != ():
        raise ValueError(f"taylor_test({name}): fn returns shape {shape}; it needs a scalar")
    if undefined:
        raise ValueError(f"taylor_test({name}): nothing to check here: {undefined}")
    problem = bind(case, "gradient", "float64", shape)
    x = problem.theta.astype(np.float64)
    named = {**problem.split(x), **problem.constants}
    g = first_order_matrix(problem, gradient(**named)).reshape(-1)
    H = None if hessian is None else np.asarray(hessian(**named), dtype=np.float64)
    return remainder(name, problem.numpy_function(), x, g, H, seed, steps)
