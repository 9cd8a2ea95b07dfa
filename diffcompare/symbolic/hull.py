"""The point of a convex hull nearest a given point, in exact rational arithmetic.

A kink that couples variables (max(x, y) at x = y) has for subdifferential the convex
hull of the gradients of the pieces that meet there: a segment, a polygon. A method's
value inside it is right and must score as exact, which no floating-point QP promises
(their answers are off by rounding). The hulls are small (a few vertices), so every
affinely independent subset of the vertices is tried: the nearest point is the
projection onto the affine hull of one of them, with barycentric coordinates ≥ 0.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import numpy as np

MAX_VERTICES = 8  # 255 subsets


def _solve(a: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """x with a x = b (a square), by Gauss-Jordan elimination; None if a is singular."""
    n = len(b)
    m = [[*row, rhs] for row, rhs in zip(a, b)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if m[r][col] != 0), None)
        if pivot is None:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col and m[r][col] != 0:
                factor = m[r][col] / m[col][col]
                m[r] = [x - factor * y for x, y in zip(m[r], m[col])]
    return [m[i][n] / m[i][i] for i in range(n)]


def _projection(subset, p: list[Fraction]) -> list[Fraction] | None:
    """p projected onto the affine hull of subset, if it falls inside their hull."""
    base, *others = subset
    edges = [[x - y for x, y in zip(v, base)] for v in others]
    gram = [[sum(x * y for x, y in zip(e, f)) for f in edges] for e in edges]
    rhs = [sum(x * (y - z) for x, y, z in zip(e, p, base)) for e in edges]
    mu = _solve(gram, rhs) if edges else []
    if mu is None or any(m < 0 for m in mu) or sum(mu) > 1:
        return None
    return [b + sum(m * e[i] for m, e in zip(mu, edges)) for i, b in enumerate(base)]


def nearest(vertices: np.ndarray, point: np.ndarray) -> np.ndarray:
    """The point of the hull of vertices (k, *point.shape) closest to point (Euclidean),
    each coordinate the float64 nearest the exact answer; NaN where point is not finite."""
    point = np.asarray(point, dtype=np.float64)
    if not np.all(np.isfinite(point)):
        return np.full(point.shape, np.nan)
    rows = np.asarray(vertices, dtype=np.float64).reshape(len(vertices), -1)
    if len(rows) > MAX_VERTICES:
        raise ValueError(f"{len(rows)} vertices: at most {MAX_VERTICES} are searched exactly")
    v = [[Fraction(float(x)) for x in row] for row in rows]
    p = [Fraction(float(x)) for x in point.ravel()]
    best, best_d = None, None
    for size in range(1, len(v) + 1):
        for subset in combinations(v, size):
            q = _projection(subset, p)
            if q is None:
                continue
            d = sum((a - b) ** 2 for a, b in zip(q, p))
            if best_d is None or d < best_d:
                best, best_d = q, d
    return np.array([float(x) for x in best]).reshape(point.shape)
