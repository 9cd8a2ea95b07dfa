"""The Taylor-remainder test's arithmetic: along a direction v, the remainder
|f(x + t v) − f(x) − t ⟨g, v⟩| over log-spaced t, and the slope fitted where it stands
above f's rounding (2 for a right gradient; 3 with a right Hessian subtracted too).
The public ``diffcompare.taylor_test`` and every gradient row of a run use it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

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

    def __repr__(self) -> str:
        verdict = "passed" if self.passed else "failed"
        return f"TaylorTest({self.name}: {verdict}, expected slope {self.expected}; {self.why})"

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


def remainder(
    name: str,
    f: Callable,
    x: np.ndarray,
    g: np.ndarray,
    H: np.ndarray | None = None,
    seed: int = 0,
    steps: Sequence[float] = STEPS,
    dtype: str = "float64",
) -> TaylorTest:
    """The test itself, on a flat scalar f (float64 NumPy) at x with the gradient g (and
    the Hessian H) to be checked: what ``taylor_test`` and every gradient row of a run
    (``Result.taylor_slope``) compute."""
    x, g = np.asarray(x, dtype=dtype), np.asarray(g, dtype=dtype).reshape(-1)
    v = np.random.default_rng(seed).standard_normal(x.size).astype(dtype)
    f0 = float(f(x))
    linear = float(g @ v)
    curve, symmetric = 0.0, None
    if H is not None:
        H = H.reshape(x.size, x.size)
        symmetric = bool(np.allclose(H, H.T, rtol=1e-10, atol=1e-12 * np.abs(H).max()))
        curve = float(v @ H @ v) / 2
    t = np.asarray(steps, dtype=dtype)
    values = np.array([float(f(x + s * v)) for s in t])
    r = np.abs(values - f0 - t * linear - t**2 * curve)
    order = 1 if H is None else 2
    floor = ROUNDING * np.finfo(dtype).eps * np.maximum(abs(f0), np.abs(values))
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
