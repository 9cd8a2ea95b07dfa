"""The xp vocabulary gives the same values on NumPy, torch, JAX (with its extra), SymPy
and the AD oracle's 50-digit numbers: every word, on all five."""

import mpmath
import numpy as np
import pytest
import sympy
import torch

from diffcompare.form.namespace import VOCABULARY, NumpyNamespace
from diffcompare.form.sympy_namespace import SympyNamespace
from diffcompare.form.torch_namespace import TorchNamespace
from diffcompare.oracle import tape
from diffcompare.oracle.dual import value
from diffcompare.oracle.mp_namespace import MpNamespace

A = np.array([0.3, 1.7, 0.9])
B = np.array([1.1, -0.4, 2.0])


def matrix(xp, a, b):
    return xp.stack([a, b, a * b + 3.0])


EXPRESSIONS = {
    "sum": lambda xp, a, b: xp.sum(a),
    "sum_axis": lambda xp, a, b: xp.sum(a[:, None] * b[None, :], axis=0),
    "mean": lambda xp, a, b: xp.mean(a),
    "mean_axis": lambda xp, a, b: xp.mean(matrix(xp, a, b), axis=1),
    "prod": lambda xp, a, b: xp.prod(b),
    "cumsum": lambda xp, a, b: xp.cumsum(b),
    "max": lambda xp, a, b: xp.max(b),
    "max_axis": lambda xp, a, b: xp.max(matrix(xp, a, b), axis=0),
    "min": lambda xp, a, b: xp.min(b),
    "dot": lambda xp, a, b: xp.dot(a, b),
    "sin": lambda xp, a, b: xp.sin(a),
    "cos": lambda xp, a, b: xp.cos(a),
    "tan": lambda xp, a, b: xp.tan(a),
    "exp": lambda xp, a, b: xp.exp(a),
    "log": lambda xp, a, b: xp.log(a),
    "sqrt": lambda xp, a, b: xp.sqrt(a),
    "tanh": lambda xp, a, b: xp.tanh(a),
    "abs": lambda xp, a, b: xp.abs(b),
    "log1p": lambda xp, a, b: xp.log1p(a),
    "expm1": lambda xp, a, b: xp.expm1(b),
    "sigmoid": lambda xp, a, b: xp.sigmoid(b),
    "softplus": lambda xp, a, b: xp.softplus(b),
    "erf": lambda xp, a, b: xp.erf(b),
    "lgamma": lambda xp, a, b: xp.lgamma(a),
    "maximum": lambda xp, a, b: xp.maximum(b, 0.0),
    "minimum": lambda xp, a, b: xp.minimum(a, b),
    "clip": lambda xp, a, b: xp.clip(b, -0.2, 1.5),
    "where": lambda xp, a, b: xp.where(b > 0, a, b),
    "stack": lambda xp, a, b: xp.stack([a, 2.0 * b], axis=1),
    "concatenate": lambda xp, a, b: xp.concatenate([a, b * a]),
    "logsumexp": lambda xp, a, b: xp.logsumexp(a * b),
    "logsumexp_axis": lambda xp, a, b: xp.logsumexp(matrix(xp, a, b), axis=1),
    "outer": lambda xp, a, b: xp.outer(a, b),
    "trace": lambda xp, a, b: xp.trace(matrix(xp, a, b)),
    "det": lambda xp, a, b: xp.det(matrix(xp, a, b)),
    "solve": lambda xp, a, b: xp.solve(matrix(xp, a, b), a),
    "inv": lambda xp, a, b: xp.inv(matrix(xp, a, b)),
    "einsum": lambda xp, a, b: xp.einsum("ij,j->i", matrix(xp, a, b), b),
    "norm": lambda xp, a, b: xp.norm(b),
    "stop_gradient": lambda xp, a, b: xp.stop_gradient(a) * b,
    "arithmetic": lambda xp, a, b: (a + b) * a / b - a**2,
    "indexing": lambda xp, a, b: a[1:] - b[:-1] ** 2,
    "matmul": lambda xp, a, b: a[:, None] @ b[None, :],
}


def test_every_word_of_the_vocabulary_is_tested():
    assert set(VOCABULARY) <= set(EXPRESSIONS)


def on_torch(expr):
    return expr(TorchNamespace(), torch.tensor(A), torch.tensor(B)).numpy()


def on_jax(expr):
    from diffcompare.methods.jax_ad import _jax

    jnp = _jax().numpy  # the 64-bit mode the jax methods run in
    from diffcompare.form.jax_namespace import JaxNamespace

    return np.asarray(expr(JaxNamespace(), jnp.asarray(A), jnp.asarray(B)))


def on_sympy(expr):
    sa = np.array([sympy.Float(v) for v in A], dtype=object)
    sb = np.array([sympy.Float(v) for v in B], dtype=object)
    out = expr(SympyNamespace(), sa, sb)
    return np.array([float(sympy.sympify(e)) for e in np.asarray(out, dtype=object).ravel()])


def on_mpmath(expr):
    with mpmath.workdps(50):
        tape.TAPE.append(tape.Tape("float64"))
        try:
            a = np.array([tape.node(mpmath.mpf(v), v) for v in A], dtype=object)
            b = np.array([tape.node(mpmath.mpf(v), v) for v in B], dtype=object)
            out = np.asarray(expr(MpNamespace(), a, b), dtype=object).ravel()
        finally:
            tape.TAPE.pop()
        return np.array([float(value(e.v)) if isinstance(e, tape.Var) else float(e) for e in out])


def has_jax() -> bool:
    import importlib.util

    return importlib.util.find_spec("jax") is not None


JAX = pytest.param(
    on_jax, marks=pytest.mark.skipif(not has_jax(), reason="the jax extra is not installed")
)


@pytest.mark.parametrize(
    "backend", [on_torch, JAX, on_sympy, on_mpmath], ids=["torch", "jax", "sympy", "mpmath"]
)
@pytest.mark.parametrize("word", sorted(EXPRESSIONS))
def test_every_backend_agrees_with_numpy(word, backend):
    expr = EXPRESSIONS[word]
    with np.errstate(all="raise"):
        expected = np.asarray(expr(NumpyNamespace(), A, B), dtype=float).ravel()
    np.testing.assert_allclose(np.ravel(backend(expr)), expected, rtol=1e-13, atol=1e-15)


def test_sympy_namespace_refuses_words_outside_the_vocabulary():
    with pytest.raises(AttributeError, match="not in the SymPy vocabulary"):
        SympyNamespace().fft  # noqa: B018


def test_sympy_refuses_a_large_symbolic_determinant_with_the_reason():
    from diffcompare.errors import Unsupported

    with pytest.raises(Unsupported, match="swells beyond use"):
        SympyNamespace().det(np.array(sympy.symbols("a:64")).reshape(8, 8))


def test_torch_builds_outputs_from_numpy_constants():
    x = torch.tensor([2.0, 3.0], dtype=torch.float64)
    out = TorchNamespace().stack([x[0], np.float64(1.5), 2.0])
    assert out.dtype == torch.float64 and out.tolist() == [2.0, 1.5, 2.0]


def test_torch_stop_gradient_detaches():
    x = torch.tensor([2.0], requires_grad=True)
    y = (TorchNamespace().stop_gradient(x * x) * x).sum()
    y.backward()
    assert x.grad.item() == 4.0  # u = x*x treated as a constant


ELEMENTWISE = "sin cos tan exp log sqrt tanh abs log1p expm1 sigmoid erf lgamma softplus".split()


@pytest.mark.parametrize(
    "backend", [on_torch, JAX, on_sympy, on_mpmath], ids=["torch", "jax", "sympy", "mpmath"]
)
@pytest.mark.parametrize("word", ELEMENTWISE)
def test_a_word_takes_a_plain_number_as_numpy_does(word, backend):
    """A constant inside a case (xp.sqrt(2.0), a distance to a fixed point) is a number,
    not an array: every backend takes it, as NumPy does."""

    def expr(xp, a, b):
        return getattr(xp, word)(0.7) * a

    expected = getattr(NumpyNamespace(), word, None) or getattr(np, word)
    np.testing.assert_allclose(np.ravel(backend(expr)), float(expected(0.7)) * A, rtol=1e-13)


def test_torch_keeps_float32_with_a_number_s_word():
    x = torch.tensor([2.0, 3.0], dtype=torch.float32)
    assert (TorchNamespace().sqrt(2.0) * x).dtype == torch.float32
