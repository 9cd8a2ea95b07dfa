"""The xp vocabulary gives the same values on NumPy, torch and SymPy."""

import numpy as np
import pytest
import sympy
import torch

from diffcompare.form.namespace import VOCABULARY, NumpyNamespace, SympyNamespace, TorchNamespace

A = np.array([0.3, 1.7, 0.9])
B = np.array([1.1, -0.4, 2.0])

EXPRESSIONS = {
    "sum": lambda xp, a, b: xp.sum(a),
    "sum_axis": lambda xp, a, b: xp.sum(a[:, None] * b[None, :], axis=0),
    "mean": lambda xp, a, b: xp.mean(a),
    "max": lambda xp, a, b: xp.max(b),
    "dot": lambda xp, a, b: xp.dot(a, b),
    "sin": lambda xp, a, b: xp.sin(a),
    "cos": lambda xp, a, b: xp.cos(a),
    "tan": lambda xp, a, b: xp.tan(a),
    "exp": lambda xp, a, b: xp.exp(a),
    "log": lambda xp, a, b: xp.log(a),
    "sqrt": lambda xp, a, b: xp.sqrt(a),
    "tanh": lambda xp, a, b: xp.tanh(a),
    "abs": lambda xp, a, b: xp.abs(b),
    "maximum": lambda xp, a, b: xp.maximum(b, 0.0),
    "norm": lambda xp, a, b: xp.norm(b),
    "stop_gradient": lambda xp, a, b: xp.stop_gradient(a) * b,
    "arithmetic": lambda xp, a, b: (a + b) * a / b - a**2,
    "indexing": lambda xp, a, b: a[1:] - b[:-1] ** 2,
    "matmul": lambda xp, a, b: a[:, None] @ b[None, :],
}


def test_every_word_of_the_vocabulary_is_tested():
    assert set(VOCABULARY) <= set(EXPRESSIONS)


def _sympy_value(out):
    return np.array([float(sympy.sympify(e)) for e in np.asarray(out, dtype=object).ravel()])


@pytest.mark.parametrize("word", sorted(EXPRESSIONS))
def test_three_backends_agree(word):
    expr = EXPRESSIONS[word]
    expected = np.asarray(expr(NumpyNamespace(), A, B), dtype=float).ravel()
    got_torch = expr(TorchNamespace(), torch.tensor(A), torch.tensor(B)).numpy().ravel()
    sa = np.array([sympy.Float(v) for v in A], dtype=object)
    sb = np.array([sympy.Float(v) for v in B], dtype=object)
    got_sympy = _sympy_value(expr(SympyNamespace(), sa, sb))
    np.testing.assert_allclose(got_torch, expected, rtol=1e-14)
    np.testing.assert_allclose(got_sympy, expected, rtol=1e-14)


def test_sympy_namespace_refuses_words_outside_the_vocabulary():
    with pytest.raises(AttributeError, match="not in the SymPy vocabulary"):
        SympyNamespace().cumsum  # noqa: B018


def test_torch_stop_gradient_detaches():
    x = torch.tensor([2.0], requires_grad=True)
    y = (TorchNamespace().stop_gradient(x * x) * x).sum()
    y.backward()
    assert x.grad.item() == 4.0  # u = x*x treated as a constant
