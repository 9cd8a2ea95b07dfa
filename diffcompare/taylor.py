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
from dataclasses import dataclass

import numpy as np

from diffcompare.form import registry
from diffcompare.form.problem import bind, output
from diffcompare.oracle import first_order_matrix

STEPS = tuple(10.0 ** (-k / 2) for k in range(2, 19))  # 0.1 … 1e-9, two a decade
ROUNDING = 1e3  # a remainder under this many ulps of f is rounding, not Taylor's terms
AGREE = 0.25  # neighbouring local slopes within this of each other: one power of t
SLACK = 0.2  # a fitted slope this far under the expected one still passes


@dataclass(frozen=True)
class TaylorTest:
    """What the test saw: the remainders against t, the fitted slope and its window."""

    name: str
    order: int  # 1: a gradient checked (slope 2 expected), 2: a Hessian (slope 3)
    steps: tuple[float, ...]
    remainders: tuple[float, ...]
    window: tuple[float, float] | None  # the largest and smallest t of the fit
    slope: float | None
    expected: int
    passed: bool
    why: str
    symmetric: bool | None = None  # the Hessian's symmetry, where one was checked

    def plot(self):
        """log r against log t, the window shaded, a line of the expected slope."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(5.0, 3.4), layout="constrained")
        ax = fig.add_subplot()
        t, r = np.array(self.steps), np.array(self.remainders)
        shown = r > 0
        ax.loglog(t[shown], r[shown], "o-", ms=4, label="remainder")
        if self.window is not None:
            hi, lo = self.window
            ax.axvspan(lo, hi, alpha=0.15, label=f"fit: slope {self.slope:.2f}")
            anchor = r[(t <= hi) & (t >= lo)].max()
            ax.loglog(
                [lo, hi],
                [anchor * (lo / hi) ** self.expected, anchor],
                "k--",
                lw=0.8,
                label=f"slope {self.expected}",
            )
        ax.set_xlabel("t (step along v)")
        ax.set_ylabel("|Taylor remainder|")
        ax.set_title(f"{self.name}: {'passed' if self.passed else 'failed'}", fontsize=9)
        ax.legend(fontsize=7)
        return fig


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
    f, x = problem.numpy_function(), problem.theta.astype(np.float64)
    named = {**problem.split(x), **problem.constants}
    g = first_order_matrix(problem, gradient(**named)).reshape(-1)
    v = np.random.default_rng(seed).standard_normal(x.size)
    f0 = float(f(x))
    linear = float(g @ v)
    curve, symmetric = 0.0, None
    if hessian is not None:
        H = np.asarray(hessian(**named), dtype=np.float64).reshape(x.size, x.size)
        symmetric = bool(np.allclose(H, H.T, rtol=1e-10, atol=1e-12 * np.abs(H).max()))
        curve = float(v @ H @ v) / 2
    t = np.asarray(steps, dtype=np.float64)
    values = np.array([float(f(x + s * v)) for s in t])
    r = np.abs(values - f0 - t * linear - t**2 * curve)
    order = 1 if hessian is None else 2
    floor = ROUNDING * np.finfo(np.float64).eps * np.maximum(abs(f0), np.abs(values))
    window, slope, why = _fit(t, r, floor)
    expected = order + 1
    if window is None:
        passed = bool(np.all(r <= floor)) and symmetric is not False
        why = why if not passed else "every remainder is at rounding: exact along v"
    else:
        passed = slope >= expected - SLACK and symmetric is not False
        why = f"slope {slope:.2f} over t in [{window[1]:.1e}, {window[0]:.1e}]"
        if slope < expected - SLACK:
            why += f"; {expected} expected: the {'Hessian' if order == 2 else 'gradient'} is wrong"
    if symmetric is False:
        why += "; the Hessian is not symmetric"
    return TaylorTest(
        name, order, tuple(t), tuple(r), window, slope, expected, passed, why, symmetric
    )


def _fit(t: np.ndarray, r: np.ndarray, floor: np.ndarray):
    """(window, slope, why): the longest run of t whose remainders stand above rounding
    and whose neighbouring local slopes agree, and the least-squares slope over it."""
    above = (r > floor) & (r > 0)
    logt = np.log10(t)
    logr = np.log10(np.where(r > 0, r, 1.0))
    local = np.diff(logr) / np.diff(logt)  # between points k and k + 1
    runs, start = [], None
    for k in range(len(t) - 1):
        ok = bool(above[k] and above[k + 1])
        if ok and start is not None and start < k and abs(local[k] - local[k - 1]) <= AGREE:
            continue  # the same power of t goes on
        if start is not None:
            runs.append((start, k))
        start = k if ok else None
    if start is not None:
        runs.append((start, len(t) - 1))
    lo, hi = max(runs, key=lambda run: run[1] - run[0], default=(0, 0))
    if hi - lo < 2:  # three points at least
        return None, None, "no window of three steps with the remainder above rounding"
    slope = float(np.polyfit(logt[lo : hi + 1], logr[lo : hi + 1], 1)[0])
    return (float(t[lo]), float(t[hi])), slope, ""
