"""The small maths vocabulary a case is written in, on three backends.

A case receives ``xp`` and uses only this vocabulary (plus Python arithmetic,
``@``, indexing and slicing), so one body runs on NumPy (finite differences),
on torch (autograd) and on object arrays of SymPy symbols (symbolic):

    sum(x, axis=None) sum of all elements, or along an axis
    mean(x)           mean of all elements
    max(x)            largest element (a kink where two tie)
    dot(a, b)         inner product of 1-D arrays, matrix product otherwise
    sin cos tan exp log sqrt tanh abs      elementwise
    maximum(a, b)     elementwise maximum (a kink where a == b)
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
    "max",
    "dot",
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "abs",
    "maximum",
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


class TorchNamespace:
    """torch with NumPy's names for the vocabulary."""

    name = "torch"

    def __init__(self):
        import torch

        self._torch = torch

    def __getattr__(self, name):
        return getattr(self._torch, name)

    def _tensor_like(self, value, like):
        t = self._torch
        if isinstance(value, t.Tensor):
            return value
        return t.as_tensor(value, dtype=like.dtype, device=like.device)

    def sum(self, x, axis=None):
        return self._torch.sum(x) if axis is None else self._torch.sum(x, dim=axis)

    def mean(self, x):
        return self._torch.mean(x)

    def max(self, x):
        return self._torch.max(x)

    def dot(self, a, b):
        if a.ndim == 1 and b.ndim == 1:
            return self._torch.dot(a, b)
        return self._torch.matmul(a, b)

    def sin(self, x):
        return self._torch.sin(x)

    def cos(self, x):
        return self._torch.cos(x)

    def tan(self, x):
        return self._torch.tan(x)

    def exp(self, x):
        return self._torch.exp(x)

    def log(self, x):
        return self._torch.log(x)

    def sqrt(self, x):
        return self._torch.sqrt(x)

    def tanh(self, x):
        return self._torch.tanh(x)

    def abs(self, x):
        return self._torch.abs(x)

    def maximum(self, a, b):
        like = a if isinstance(a, self._torch.Tensor) else b
        return self._torch.maximum(self._tensor_like(a, like), self._tensor_like(b, like))

    def norm(self, x):
        return self._torch.sqrt(self._torch.sum(x * x))

    def stop_gradient(self, x):
        return x.detach()


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
    }


class SympyNamespace:
    """Elementwise SymPy functions over NumPy object arrays of expressions."""

    name = "sympy"

    def __init__(self):
        import sympy

        self._sympy = sympy
        for word, fn in sympy_functions().items():
            setattr(self, word, np.frompyfunc(fn, 2 if word == "maximum" else 1, 1))

    def __getattr__(self, name):
        raise AttributeError(f"xp.{name} is not in the SymPy vocabulary ({', '.join(VOCABULARY)})")

    def sum(self, x, axis=None):
        x = np.asarray(x, dtype=object)
        if axis is not None:
            return np.sum(x, axis=axis)
        # Add(*terms) is one flattening pass; a running sum would rebuild the Add n times
        return self._sympy.Add(*x.ravel())

    def mean(self, x):
        x = np.asarray(x, dtype=object)
        return self.sum(x) / x.size

    def max(self, x):
        # unevaluated: evaluating compares every pair of arguments through the assumptions
        # (2 s for softmax_cross_entropy's 24 logits) and finds nothing to drop; same value
        return self._sympy.Max(*np.asarray(x, dtype=object).ravel(), evaluate=False)

    def dot(self, a, b):
        a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
        if a.ndim == 1 and b.ndim == 1:
            return self._sympy.Add(*(a * b))
        return np.dot(a, b)

    def norm(self, x):
        return self._sympy.sqrt(self.sum(np.asarray(x, dtype=object) ** 2))
