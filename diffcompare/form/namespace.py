"""The small maths vocabulary a case is written in, on every backend.

A case receives ``xp`` and uses this vocabulary (plus Python arithmetic, ``@``, indexing
and slicing), so one body runs on NumPy (finite differences), on torch (autograd,
``torch_namespace``), on object arrays of SymPy symbols (symbolic, ``sympy_namespace``)
and on 50-digit numbers that carry derivatives (the AD oracle, ``oracle.mp_namespace``):

    sum mean prod max min (x, axis=None)   reductions (max, min: a kink where two tie)
    cumsum(x, axis=None)                   running sums
    dot(a, b)         inner product of 1-D arrays, matrix product otherwise
    sin cos tan exp log sqrt tanh abs log1p expm1 sigmoid softplus erf lgamma
                      elementwise (lgamma: log |Γ(x)|)
    maximum minimum (a, b), clip(x, lo, hi)   elementwise (a kink where they tie)
    where(cond, a, b) elementwise choice (SymPy: a Piecewise where cond is symbolic)
    stack concatenate (arrays, axis=0)     outputs built from pieces
    logsumexp(x, axis=None)                log Σ exp, stable on NumPy and torch
    outer(a, b), trace(A), det(A), solve(A, b), inv(A), einsum(subscripts, *arrays)
    norm(x)           Euclidean norm, computed as sqrt(sum(x * x)) everywhere so that
                      every backend differentiates the same formula
    stop_gradient(x)  the value of x, with no derivative (torch: detach)

On NumPy and torch any other attribute falls through to the library itself;
the SymPy namespace refuses it, and the symbolic method reports why.
"""

from __future__ import annotations

import numpy as np

VOCABULARY = (
    "sum",
    "mean",
    "prod",
    "cumsum",
    "max",
    "min",
    "dot",
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "abs",
    "log1p",
    "expm1",
    "sigmoid",
    "softplus",
    "erf",
    "lgamma",
    "maximum",
    "minimum",
    "clip",
    "where",
    "stack",
    "concatenate",
    "logsumexp",
    "outer",
    "trace",
    "det",
    "solve",
    "inv",
    "einsum",
    "norm",
    "stop_gradient",
)

# ufuncs that break complex analyticity: the complex step would silently differentiate
# something else (|z| is not analytic; comparisons order complex numbers lexicographically)
NON_ANALYTIC = {
    np.absolute,
    np.fabs,
    np.maximum,
    np.minimum,
    np.fmax,
    np.fmin,
    np.sign,
    np.greater,
    np.greater_equal,
    np.less,
    np.less_equal,
    np.floor,
    np.ceil,
    np.rint,
    np.trunc,
    np.heaviside,
    np.conjugate,
}


class NotAnalytic(Exception):
    """Raised by an AnalyticProbe when the case uses an operation the complex step can't."""


class AnalyticProbe(np.ndarray):
    """An array that raises NotAnalytic on any non-analytic NumPy operation."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc in NON_ANALYTIC:
            raise NotAnalytic(ufunc.__name__)

        def plain(a):
            return a.view(np.ndarray) if isinstance(a, AnalyticProbe) else a

        if "out" in kwargs:
            kwargs["out"] = tuple(plain(o) for o in kwargs["out"])
        result = getattr(ufunc, method)(*(plain(i) for i in inputs), **kwargs)
        return np.asarray(result).view(AnalyticProbe)

    def __getitem__(self, key):
        # x[0] of a plain array is a NumPy scalar, which would carry the number past the
        # probe (abs(x[0] - 2) unseen): a 0-d probe instead
        item = super().__getitem__(key)
        return item if isinstance(item, np.ndarray) else np.asarray(item).view(AnalyticProbe)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __array_function__(self, func, types, args, kwargs):
        # NumPy's own dispatch (np.max still reduces with the maximum ufunc, which raises),
        # but np.dot and others hand back a plain array, after which a max(0, 1 - w.x)
        # would go unseen: the result is a probe again
        result = super().__array_function__(func, types, args, kwargs)
        if isinstance(result, (np.ndarray, np.generic)):  # a 1-d dot gives a scalar
            return np.asarray(result).view(AnalyticProbe)
        return result


class NumpyNamespace:
    """NumPy plus ``norm`` and ``stop_gradient``."""

    name = "numpy"

    def __getattr__(self, name):
        return getattr(np, name)

    sum = staticmethod(np.sum)
    mean = staticmethod(np.mean)
    max = staticmethod(np.max)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    tan = staticmethod(np.tan)
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    tanh = staticmethod(np.tanh)
    abs = staticmethod(np.abs)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)

    @staticmethod
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))  # complex-analytic too; 1/inf = 0 at the far end

    @staticmethod
    def softplus(x):
        if not np.iscomplexobj(x):
            return np.logaddexp(0, x)
        # complex-analytic on each side of Re z = 0, and no overflow: z + log1p(e^-z) where
        # Re z > 0 (log1p(e^z) overflowed at Re z = 800 where the real softplus does not);
        # the side is the real part's, a constant under the complex step's perturbation
        plain = np.asarray(x).view(np.ndarray).real
        with np.errstate(over="ignore", invalid="ignore"):
            return np.where(plain > 0, x + np.log1p(np.exp(-x)), np.log1p(np.exp(x)))

    @staticmethod
    def logsumexp(x, axis=None):
        x = np.asarray(x) if not isinstance(x, AnalyticProbe) else x
        # the shift is a constant (the max of the real parts), so the complex step passes
        plain = np.asarray(x).view(np.ndarray).real
        shift = np.max(plain, axis=axis, keepdims=True)
        out = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
        return out.reshape(()) if axis is None else np.squeeze(out, axis=axis)

    @staticmethod
    def erf(x):
        from scipy import special

        return special.erf(x)

    @staticmethod
    def lgamma(x):
        from scipy import special

        return special.loggamma(x) if np.iscomplexobj(x) else special.gammaln(x)

    @staticmethod
    def det(a):
        return np.linalg.det(a)

    @staticmethod
    def solve(a, b):
        return np.linalg.solve(a, b)

    @staticmethod
    def inv(a):
        return np.linalg.inv(a)

    @staticmethod
    def dot(a, b):
        return np.dot(a, b)

    @staticmethod
    def norm(x):
        return np.sqrt(np.sum(x * x))

    @staticmethod
    def stop_gradient(x):
        if isinstance(x, AnalyticProbe):
            raise NotAnalytic("stop_gradient")
        return x
