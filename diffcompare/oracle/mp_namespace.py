"""The ``xp`` a case sees under the AD oracle: NumPy's functions over object arrays of Vars.

Most of NumPy works on object arrays as it is (indexing, slicing, reshape, stack,
concatenate, where, outer, trace, cumsum, prod, ``@``; ``np.sin`` of an object array calls
each element's ``sin``), so anything not defined here falls through to NumPy. What is
defined here either needs the tape (sums as one node, kinks noted, stop_gradient) or has no
object-array form in NumPy (sigmoid, softplus, logsumexp, erf, lgamma, det, solve, inv).
"""

from __future__ import annotations

import operator

import numpy as np

from diffcompare.oracle import tape
from diffcompare.oracle.dual import value
from diffcompare.oracle.tape import Var, apply, const, node


def _elementwise(name: str):
    def fn(x):
        return _map(lambda e: apply(name, e), x)

    fn.__name__ = name
    return fn


def _map(fn, x):
    if isinstance(x, np.ndarray):
        out = np.empty(x.shape, dtype=object)
        for k, e in np.ndenumerate(x):
            out[k] = fn(e)
        return out if out.ndim else out[()]
    return fn(x)


def _as_var(x) -> Var:
    if isinstance(x, Var):
        return x
    v, f = const(x)
    return Var(v, f, -1)


def _total(terms) -> Var:
    """One node for a sum: its shadow is NumPy's own sum of the shadows, in the dtype."""
    vs = [_as_var(t) for t in terms]
    dtype = tape.TAPE[-1].dtype
    v = 0
    for t in vs:
        v = v + t.v
    f = np.sum(np.array([t.f for t in vs], dtype=dtype)) if vs else dtype(0)
    return node(v, f, tuple((t.i, 1) for t in vs if t.i >= 0))


def _max2(a, b):
    """max(a, b); at a tie each side gets half, SymPy's Heaviside(0) = 1/2."""
    a, b = _as_var(a), _as_var(b)
    if tape.decide(operator.eq, value(a.v), value(b.v), False):
        links = tuple((i, d) for i, d in ((a.i, 0.5), (b.i, 0.5)) if i >= 0)
        y = node(a.v, max(a.f, b.f), links)
        tape.TAPE[-1].kink(y, "a kink: maximum of two equal values (scored with half to each)")
        return y
    return a if (a > b) else b  # the comparison notes a branch within rounding


def _min2(a, b):
    return -_max2(-_as_var(a), -_as_var(b))


class MpNamespace:
    """Vars at 50 digits, for the AD oracle; the same vocabulary as the other backends."""

    name = "mpmath"

    def __getattr__(self, name):
        return getattr(np, name)

    def sum(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        if axis is None:
            return _total(x.ravel())
        return np.apply_along_axis(lambda row: _total(row), axis, x)

    def mean(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        count = x.size if axis is None else x.shape[axis]
        return _map(lambda t: t / count, self.sum(x, axis))

    def max(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        if axis is not None:
            return np.apply_along_axis(lambda row: self.max(row), axis, x)
        best = x.ravel()[0]
        for e in x.ravel()[1:]:
            best = _max2(best, e)
        return best

    def min(self, x, axis=None):
        return _map(lambda t: -t, self.max(-np.asarray(x, dtype=object), axis))

    def maximum(self, a, b):
        return np.frompyfunc(_max2, 2, 1)(a, b)

    def minimum(self, a, b):
        return np.frompyfunc(_min2, 2, 1)(a, b)

    def clip(self, x, lo, hi):
        return self.minimum(self.maximum(x, lo), hi)

    def dot(self, a, b):
        a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
        if a.ndim == 1 and b.ndim == 1:
            return _total(a * b)
        return np.dot(a, b)

    def norm(self, x):
        x = np.asarray(x, dtype=object)
        return apply("sqrt", _total((x * x).ravel()))

    def stop_gradient(self, x):
        # the plain value, under any dual layers: no tangent and no partial gets through
        return _map(lambda e: node(value(_as_var(e).v), _as_var(e).f), x)

    def logsumexp(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        if axis is not None:
            return np.apply_along_axis(lambda row: self.logsumexp(row), axis, x)
        shift = self.stop_gradient(max(x.ravel(), key=lambda t: value(_as_var(t).v)))
        return apply("log", _total([apply("exp", t - shift) for t in x.ravel()])) + shift

    def det(self, a):
        lu, sign, _ = _lu(np.asarray(a, dtype=object))
        out = sign
        for k in range(lu.shape[0]):
            out = out * lu[k, k]
        return out

    def solve(self, a, b):
        lu, _, perm = _lu(np.asarray(a, dtype=object))
        b = np.asarray(b, dtype=object)
        columns = b.reshape(b.shape[0], -1)[perm]
        n = lu.shape[0]
        x = np.empty(columns.shape, dtype=object)
        for c in range(columns.shape[1]):
            y = list(columns[:, c])
            for i in range(n):  # forward: L has a unit diagonal
                for j in range(i):
                    y[i] = y[i] - lu[i, j] * y[j]
            for i in reversed(range(n)):
                for j in range(i + 1, n):
                    y[i] = y[i] - lu[i, j] * y[j]
                y[i] = y[i] / lu[i, i]
            x[:, c] = y
        return x.reshape(b.shape)

    def inv(self, a):
        n = np.asarray(a).shape[0]
        return self.solve(a, np.eye(n))

    def zeros(self, shape):
        return np.full(shape, 0, dtype=object)

    def ones(self, shape):
        return np.full(shape, 1, dtype=object)

    def asarray(self, x, dtype=None):
        return np.asarray(x, dtype=object)

    array = asarray


for _name in (
    "sin cos tan exp log sqrt tanh sinh cosh arctan arcsin arccos arcsinh "
    "log1p expm1 sigmoid softplus erf lgamma"
).split():
    setattr(MpNamespace, _name, staticmethod(_elementwise(_name)))
MpNamespace.abs = staticmethod(lambda x: _map(abs, x))


def _lu(a: np.ndarray):
    """LU with partial pivoting on the exact values (the pivots change no exact result)."""
    a = a.copy()
    n = a.shape[0]
    perm, sign = list(range(n)), 1
    for k in range(n):
        p = max(range(k, n), key=lambda i: abs(value(_as_var(a[i, k]).v)))
        if p != k:
            a[[k, p]] = a[[p, k]]
            perm[k], perm[p] = perm[p], perm[k]
            sign = -sign
        for i in range(k + 1, n):
            a[i, k] = a[i, k] / a[k, k]
            for j in range(k + 1, n):
                a[i, j] = a[i, j] - a[i, k] * a[k, j]
    return a, sign, perm
