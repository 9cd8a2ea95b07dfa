"""The vocabulary on torch: NumPy's names and keywords (``axis``) for torch's functions."""

from __future__ import annotations

import numpy as np

from diffcompare.form.namespace import NumpyNamespace


class TorchNamespace:
    """torch with NumPy's names for the vocabulary; anything else falls through to torch."""

    name = "torch"

    def __init__(self):
        import torch

        self._torch = torch

    def __getattr__(self, name):
        value = getattr(self._torch, name)
        self.__dict__[name] = value  # found once: a timed call looks it up again and again
        return value

    def _tensor_like(self, value, like):
        t = self._torch
        if isinstance(value, t.Tensor):
            return value
        return t.as_tensor(np.asarray(value), dtype=like.dtype, device=like.device)

    def _tensors(self, values):
        """NumPy constants and numbers beside tensors, as tensors like the first of them."""
        like = next((v for v in values if isinstance(v, self._torch.Tensor)), None)
        if like is None:
            return [self._torch.as_tensor(np.asarray(v)) for v in values]
        return [self._tensor_like(v, like) for v in values]

    def sum(self, x, axis=None):
        return self._torch.sum(x) if axis is None else self._torch.sum(x, dim=axis)

    def mean(self, x, axis=None):
        return self._torch.mean(x) if axis is None else self._torch.mean(x, dim=axis)

    def prod(self, x, axis=None):
        return self._torch.prod(x) if axis is None else self._torch.prod(x, dim=axis)

    def cumsum(self, x, axis=None):
        return self._torch.cumsum(x.reshape(-1) if axis is None else x, dim=axis or 0)

    def max(self, x, axis=None):
        return self._torch.max(x) if axis is None else self._torch.amax(x, dim=axis)

    def min(self, x, axis=None):
        return self._torch.min(x) if axis is None else self._torch.amin(x, dim=axis)

    def dot(self, a, b):
        if a.ndim == 1 and b.ndim == 1:
            return self._torch.dot(a, b)
        return self._torch.matmul(a, b)

    def maximum(self, a, b):
        return self._torch.maximum(*self._tensors([a, b]))

    def minimum(self, a, b):
        return self._torch.minimum(*self._tensors([a, b]))

    def clip(self, x, lo, hi):
        return self.minimum(self.maximum(x, lo), hi)

    def where(self, cond, a, b):
        a, b = self._tensors([a, b])
        return self._torch.where(self._torch.as_tensor(cond), a, b)

    def stack(self, arrays, axis=0):
        return self._torch.stack(self._tensors(list(arrays)), dim=axis)

    def concatenate(self, arrays, axis=0):
        return self._torch.cat(self._tensors(list(arrays)), dim=axis)

    def norm(self, x):
        return self._torch.sqrt(self._torch.sum(x * x))

    def stop_gradient(self, x):
        return x.detach()

    def softplus(self, x):
        if not isinstance(x, self._torch.Tensor):
            if np.ndim(x) == 0:
                return float(NumpyNamespace.softplus(np.float64(x)))
            x = self._torch.as_tensor(np.asarray(x))
        return self._torch.logaddexp(x, self._torch.zeros_like(x))  # exact: no threshold

    def logsumexp(self, x, axis=None):
        if axis is None:
            return self._torch.logsumexp(x.reshape(-1), dim=0)
        return self._torch.logsumexp(x, dim=axis)

    def det(self, a):
        return self._torch.linalg.det(a)

    def solve(self, a, b):
        return self._torch.linalg.solve(*self._tensors([a, b]))

    def inv(self, a):
        return self._torch.linalg.inv(a)

    def einsum(self, subscripts, *operands):
        return self._torch.einsum(subscripts, *self._tensors(list(operands)))

    def outer(self, a, b):
        return self._torch.outer(*self._tensors([a, b]))


def _elementwise(word: str):
    """torch's function of a tensor; of a number, NumPy's, as a Python float (a constant:
    it keeps a float32 run in float32, as torch keeps a Python scalar); of a NumPy array,
    torch's of that array as a constant tensor."""
    numpy_word = getattr(NumpyNamespace, word, None) or getattr(np, word)

    def word_of(self, x):
        t = self._torch
        if isinstance(x, t.Tensor):
            return getattr(t, word)(x)
        if np.ndim(x) == 0:
            return float(numpy_word(np.float64(x)))
        return getattr(t, word)(t.as_tensor(np.asarray(x)))

    word_of.__name__ = word
    return word_of


for _word in ("sin cos tan exp log sqrt tanh abs log1p expm1 sigmoid erf lgamma trace").split():
    setattr(TorchNamespace, _word, _elementwise(_word))
