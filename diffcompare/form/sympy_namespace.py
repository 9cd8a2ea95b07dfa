"""The vocabulary on SymPy: elementwise functions over NumPy object arrays of expressions."""

from __future__ import annotations

import numpy as np

from diffcompare.errors import Unsupported
from diffcompare.form.namespace import VOCABULARY

MAX_MATRIX = 6  # det, solve, inv of larger symbolic matrices swell beyond use


def sympy_functions() -> dict:
    """The vocabulary's elementwise words as SymPy functions of scalars."""
    import sympy

    from diffcompare.form.stop_gradient import StopGradient

    return {
        "sin": sympy.sin,
        "cos": sympy.cos,
        "tan": sympy.tan,
        "exp": sympy.exp,
        "log": sympy.log,
        "sqrt": sympy.sqrt,
        "tanh": sympy.tanh,
        "abs": sympy.Abs,
        "stop_gradient": StopGradient,
        "maximum": sympy.Max,
        "minimum": sympy.Min,
        "log1p": lambda x: sympy.log(1 + x),
        "expm1": lambda x: sympy.exp(x) - 1,
        "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
        "softplus": lambda x: sympy.log(1 + sympy.exp(x)),
        "erf": sympy.erf,
        "lgamma": sympy.loggamma,
    }


class SympyNamespace:
    """Elementwise SymPy functions over NumPy object arrays of expressions."""

    name = "sympy"

    def __init__(self):
        import sympy

        self._sympy = sympy
        for word, fn in sympy_functions().items():
            two = word in ("maximum", "minimum")
            setattr(self, word, np.frompyfunc(fn, 2 if two else 1, 1))

    def __getattr__(self, name):
        raise AttributeError(f"xp.{name} is not in the SymPy vocabulary ({', '.join(VOCABULARY)})")

    def sum(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        if axis is not None:
            return np.sum(x, axis=axis)
        # Add(*terms) is one flattening pass; a running sum would rebuild the Add n times
        return self._sympy.Add(*x.ravel())

    def mean(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        count = x.size if axis is None else x.shape[axis]
        return self.sum(x, axis) / count

    def prod(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        return self._sympy.Mul(*x.ravel()) if axis is None else np.prod(x, axis=axis)

    def cumsum(self, x, axis=None):
        return np.cumsum(np.asarray(x, dtype=object), axis=axis)

    def max(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        if axis is not None:
            return np.apply_along_axis(self.max, axis, x)
        # unevaluated: evaluating compares every pair of arguments through the assumptions
        # (2 s for softmax_cross_entropy's 24 logits) and finds nothing to drop; same value
        return self._sympy.Max(*x.ravel(), evaluate=False)

    def min(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        if axis is not None:
            return np.apply_along_axis(self.min, axis, x)
        return self._sympy.Min(*x.ravel(), evaluate=False)

    def dot(self, a, b):
        a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
        if a.ndim == 1 and b.ndim == 1:
            return self._sympy.Add(*(a * b))
        return np.dot(a, b)

    def norm(self, x):
        return self._sympy.sqrt(self.sum(np.asarray(x, dtype=object) ** 2))

    def clip(self, x, lo, hi):
        return self.minimum(self.maximum(x, lo), hi)

    def where(self, cond, a, b):
        cond = np.asarray(cond, dtype=object)
        if any(isinstance(c, self._sympy.Basic) for c in cond.ravel()):
            pick = np.frompyfunc(lambda c, p, q: self._sympy.Piecewise((p, c), (q, True)), 3, 1)
            return pick(cond, a, b)
        return np.where(cond.astype(bool), a, b)

    def stack(self, arrays, axis=0):
        return np.stack([np.asarray(a, dtype=object) for a in arrays], axis=axis)

    def concatenate(self, arrays, axis=0):
        return np.concatenate([np.asarray(a, dtype=object) for a in arrays], axis=axis)

    def outer(self, a, b):
        return np.outer(np.asarray(a, dtype=object), np.asarray(b, dtype=object))

    def trace(self, a):
        return self._sympy.Add(*np.diagonal(np.asarray(a, dtype=object)))

    def einsum(self, subscripts, *operands):
        return np.einsum(subscripts, *(np.asarray(o, dtype=object) for o in operands))

    def logsumexp(self, x, axis=None):
        return np.frompyfunc(self._sympy.log, 1, 1)(self.sum(self.exp(x), axis))

    def _matrix(self, a, what: str):
        a = np.asarray(a, dtype=object)
        if a.shape[0] > MAX_MATRIX:
            raise Unsupported(
                f"SymPy's {what} of a {a.shape[0]} × {a.shape[1]} matrix swells beyond use "
                f"(up to {MAX_MATRIX} × {MAX_MATRIX} here)"
            )
        return self._sympy.Matrix(a)

    def det(self, a):
        return self._matrix(a, "det").det(method="berkowitz")

    def solve(self, a, b):
        b = np.asarray(b, dtype=object)
        x = self._matrix(a, "solve").LUsolve(self._sympy.Matrix(b.reshape(b.shape[0], -1)))
        return np.array(x.tolist(), dtype=object).reshape(b.shape)

    def inv(self, a):
        return np.array(self._matrix(a, "inv").inv().tolist(), dtype=object)
