"""Difference stencils and the loops that apply them along directions.

A first derivative along d with step h is  sum_k w_k f(x + c_k h d) / (den h);
a second (mixed) derivative along a, b applies two stencils as a tensor product.
Points are memoised per call, so f(x) and shared points are evaluated once and
``Evaluations.count`` is the honest number of function evaluations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from diffcompare.form.problem import Problem


@dataclass(frozen=True)
class Stencil:
    offsets: tuple
    weights: tuple[int, ...]
    denominator: float
    order: int | None  # accuracy order p; None for the complex step (exact up to rounding)
    imaginary: bool = False


FORWARD = Stencil((0, 1), (-1, 1), 1.0, 1)
BACKWARD = Stencil((-1, 0), (-1, 1), 1.0, 1)
CENTRAL = Stencil((-1, 1), (-1, 1), 2.0, 2)
FIVE_POINT = Stencil((-2, -1, 1, 2), (1, -8, 8, -1), 12.0, 4)
IMAGINARY = Stencil((1j,), (1,), 1.0, None, imaginary=True)

# a direction is an axis index (a coordinate step) or a dense vector
Direction = int | np.ndarray


class Evaluations:
    """f at x plus sums of scaled directions, memoised by the combination."""

    def __init__(self, f: Callable, x: np.ndarray, complex_: bool = False):
        self.f = f
        self.x = x.astype(np.result_type(x.dtype, np.complex64)) if complex_ else x
        self.cache: dict = {}
        self.shape = None  # of f's output: every point must give the same

    @property
    def count(self) -> int:
        return len(self.cache)

    def at(self, moves) -> np.ndarray:
        """moves: ((key, direction, coefficient * h), ...); key identifies the direction."""
        merged: dict = {}
        for key, d, amount in moves:
            _, prev = merged.get(key, (d, 0))
            merged[key] = (d, prev + amount)
        cache_key = tuple(
            sorted(((k, a) for k, (_, a) in merged.items() if a != 0), key=lambda t: t[0])
        )
        if cache_key not in self.cache:
            p = self.x.copy()
            for key, amount in cache_key:
                d = merged[key][0]
                if isinstance(d, (int, np.integer)):
                    p[d] += amount
                else:
                    p += amount * d
            value = self.f(p)
            if self.shape is None:
                self.shape = np.shape(value)
            elif np.shape(value) != self.shape:
                raise ValueError(
                    f"the case's output changed shape from {self.shape} to {np.shape(value)} "
                    "at a perturbed point: its shape depends on the input's values"
                )
            self.cache[cache_key] = value
        return self.cache[cache_key]


def first(ev: Evaluations, dirs, steps, s: Stencil, tag="a") -> np.ndarray:
    """Directional derivatives, one per direction, stacked on the last axis."""
    cols = []
    for i, (d, h) in enumerate(zip(dirs, steps)):
        acc = sum(w * ev.at((((tag, i), d, c * h),)) for c, w in zip(s.offsets, s.weights))
        cols.append((acc.imag if s.imaginary else acc) / (s.denominator * h))
    return np.stack(cols, axis=-1)


def along_axes(f: Callable, x: np.ndarray, steps, s: Stencil) -> tuple[np.ndarray, int]:
    """``first`` along every coordinate axis as a plain loop, the way a user writes it:
    no memo (its bookkeeping had cost twice the loop), each point a fresh copy of x with
    one coordinate moved (so an f that returns a view of its input cannot see a later
    point), the weighted sums taken once over all axes. The same points and the same
    arithmetic as ``first``: the same values to the bit. Returns the columns stacked on
    the last axis, and the evaluations."""
    p = x.astype(np.result_type(x.dtype, np.complex64)) if s.imaginary else x
    f0 = f(p.copy()) if 0 in s.offsets else None
    moved = [c for c in s.offsets if c != 0]
    values = None
    for i, h in enumerate(steps):
        for k, c in enumerate(moved):
            q = p.copy()
            q[i] += c * h
            value = f(q)
            if values is None:
                shape = value.shape if f0 is None else f0.shape
                values = np.empty((len(moved), len(steps), *shape), dtype=value.dtype)
            if value.shape != values.shape[2:]:
                raise ValueError(
                    f"the case's output changed shape from {values.shape[2:]} to "
                    f"{value.shape} at a perturbed point: its shape depends on the input's values"
                )
            values[k, i] = value
    acc = 0
    for c, w in zip(s.offsets, s.weights):
        acc = acc + w * (f0 if c == 0 else values[moved.index(c)])
    if s.imaginary:
        acc = acc.imag
    if acc.ndim == 1:  # a scalar f: the gradient as it stands
        return acc / (s.denominator * np.asarray(steps)), len(moved) * len(steps) + (f0 is not None)
    h = np.asarray(steps).reshape(-1, *([1] * (acc.ndim - 1)))
    jac = np.ascontiguousarray(np.moveaxis(acc / (s.denominator * h), 0, -1))
    return jac, len(moved) * len(steps) + (f0 is not None)


def _axis_steps(x: np.ndarray, base: float, relative: bool) -> list:
    """steps_for along every axis, at once: the same numbers."""
    scale = np.fmax(1.0, np.abs(x.astype(np.float64))) if relative else 1.0  # max(1, nan) = 1
    h = (base * scale * np.ones(x.size)).astype(x.dtype)
    exact = (x + h) - x  # a step that is exactly representable
    return list(np.where(exact != 0, exact, h))


def second(ev: Evaluations, a, ha, sa: Stencil, b, hb, sb: Stencil, same: bool) -> np.ndarray:
    """Mixed second derivatives d2f / (da_i db_j), shape (..., len(a), len(b)).

    ``same``: a and b are the same directions (a Hessian): compute j >= i and mirror.
    """
    tb = "a" if same else "b"
    out = None
    for i, (da, h1) in enumerate(zip(a, ha)):
        for j, (db, h2) in enumerate(zip(b, hb)):
            if same and j < i:
                out[..., i, j] = out[..., j, i]
                continue
            acc = 0
            for c1, w1 in zip(sa.offsets, sa.weights):
                for c2, w2 in zip(sb.offsets, sb.weights):
                    acc = acc + w1 * w2 * ev.at(((("a", i), da, c1 * h1), ((tb, j), db, c2 * h2)))
            if sa.imaginary or sb.imaginary:
                acc = acc.imag
            value = acc / (sa.denominator * sb.denominator * h1 * h2)
            if out is None:
                out = np.zeros((*np.shape(value), len(a), len(b)), dtype=np.real(value).dtype)
            out[..., i, j] = value
    return out


def ridders(phi: Callable[[float], np.ndarray], h0: float, con=1.4, ntab=10, safe=2.0):
    """Ridders' Richardson extrapolation of phi(h) -> 0 (Numerical Recipes, dfridr),
    elementwise over arrays: each element keeps the tableau entry with the smallest
    error estimate. phi's error must expand in even powers of h (central stencils)."""
    con2 = con * con
    h = h0
    prev = [phi(h)]
    best = prev[0]
    err = np.full(np.shape(best), np.inf)
    for i in range(1, ntab):
        h /= con
        row = [phi(h)]
        fac = con2
        for j in range(1, i + 1):
            row.append((row[j - 1] * fac - prev[j - 1]) / (fac - 1))
            fac *= con2
            errt = np.maximum(np.abs(row[j] - row[j - 1]), np.abs(row[j] - prev[j - 1]))
            better = errt <= err
            best = np.where(better, row[j], best)
            err = np.where(better, errt, err)
        if np.all(np.abs(row[i] - prev[i - 1]) >= safe * err):
            break
        prev = row
    return best


# past this many evaluations per call a cell is reported unsupported, not run for minutes
MAX_EVALS = 200_000


def _scale(x: np.ndarray, d) -> float:
    """Steps are relative to the size of the point along the direction."""
    if isinstance(d, (int, np.integer)):
        return max(1.0, abs(float(x[d])))
    return max(1.0, float(np.max(np.abs(x)))) / float(np.max(np.abs(d)))


def steps_for(x: np.ndarray, dirs, base: float, relative: bool) -> list:
    if isinstance(dirs, range) and dirs == range(x.size) and x.ndim == 1:
        return _axis_steps(x, base, relative)
    steps = []
    for d in dirs:
        h = x.dtype.type(base * _scale(x, d) if relative else base)
        if isinstance(d, (int, np.integer)):
            # a step that is exactly representable: (x + h) - x
            exact = (x[d] + h) - x[d]
            h = exact if exact != 0 else h
        steps.append(h)
    return steps


def evals_estimate(problem: Problem, points: int, operator: str | None = None) -> int:
    """Function evaluations per call, about, for a stencil of this many points."""
    n = problem.n
    return {
        "derivative": points,
        "gradient": n * points,
        "jacobian": n * points,
        "jvp": points,
        "vjp": n * points,
        "second_derivative": points * points,
        "hessian": n * (n + 1) // 2 * points * points,
        "hvp": n * points * points,
    }[operator or problem.operator]
