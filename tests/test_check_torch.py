"""check() on torch code as engineers write it: the certified oracle runs the forward on
balls, so at 30 random points in float64 and float32 every right gradient passes and a
wrong backward fails; where an op is not covered, the reference (two float64 estimates
agreeing) is less accurate than autograd's tolerance, and such a row is "cannot tell",
never a failure."""

import warnings

import numpy as np
import pytest
import torch

import diffcompare

POINTS = 30
_rng = np.random.default_rng(7)
W1, W2 = _rng.standard_normal((4, 6)), _rng.standard_normal((6, 1))
KERNEL = _rng.standard_normal((2, 1, 3))


def _t(a, like):
    return torch.as_tensor(a, dtype=like.dtype)


def mlp_loss(x):
    h = torch.tanh(x.reshape(2, 4) @ _t(W1, x))
    return ((h @ _t(W2, x)) ** 2).mean()


def conv_loss(x):
    y = torch.nn.functional.conv1d(x.reshape(1, 1, 8), _t(KERNEL, x))
    return torch.nn.functional.softplus(y).sum()


def layer_norm(x):
    return torch.nn.functional.layer_norm(x.reshape(2, 4), (4,)).pow(3).sum()


def attention(x):
    q = x.reshape(4, 2)
    weights = torch.softmax(q @ q.T / 2**0.5, dim=-1)
    return (weights @ q).sum()


def logsumexp(x):
    return torch.logsumexp(x, dim=0)


def tanh_squared(x):
    return (torch.tanh(x) ** 2).sum()


def cross_entropy(x):
    target = torch.tensor([1, 0])
    return torch.nn.functional.cross_entropy(x.reshape(2, 4), target)


def gelu_norm(x):
    return torch.linalg.vector_norm(torch.nn.functional.gelu(x))


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x**2  # should be 3x²


def custom_function(x):
    return Cube.apply(torch.sin(x)).sum()


def mse_sigmoid(x):
    return torch.nn.functional.mse_loss(torch.sigmoid(x), torch.zeros_like(x))


FUNCTIONS = [
    mlp_loss,
    conv_loss,
    layer_norm,
    attention,
    logsumexp,
    tanh_squared,
    cross_entropy,
    gelu_norm,
    custom_function,
    mse_sigmoid,
]


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_no_false_failure_on_correct_torch_code(fn, dtype):
    rng = np.random.default_rng(abs(hash(fn.__name__)) % 2**32)
    verdicts = set()
    for _ in range(POINTS):
        x = rng.standard_normal(8)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", diffcompare.UndecidedCheck)
            rows = diffcompare.check(fn, {"x": x}, methods="fd-central,torch", dtype=dtype)
        verdicts |= {r.verdict for r in rows if r.method == "torch"}
    assert verdicts == {"pass"}


def test_an_undecided_row_warns_and_says_what_would_resolve_it():
    def running(x):
        return torch.cumsum(torch.tanh(x), 0).pow(2).sum()  # cumsum: not an op of the oracle's

    with pytest.warns(diffcompare.UndecidedCheck, match="cumsum"):
        x = np.random.default_rng(1).standard_normal(5)  # Ridders and the 5-point: 2.5e-14
        rows = diffcompare.check(running, {"x": x}, methods="torch")
    assert rows[0].verdict == "cannot tell" and rows[0].passed is None


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_wrong_backward_is_still_caught(dtype):
    def loss(x):
        return WrongCube.apply(torch.sin(x)).sum()

    with pytest.raises(AssertionError, match="disagree with the reference"):
        diffcompare.check(loss, {"x": np.array([0.4, 1.3])}, methods="torch", dtype=dtype)


def test_a_float32_module_is_checked_in_float32_with_a_warning():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))

    def loss(x):
        return net(x).sum()

    x = {"x": np.array([0.1, 0.2, 0.3])}
    with pytest.warns(diffcompare.UndecidedCheck, match="runs in float32 only"):
        rows = diffcompare.check(loss, x, methods="fd-central,torch")
    assert [(r.dtype, r.verdict) for r in rows] == [("float32", "pass")] * 2
    with pytest.raises(AssertionError, match="nothing was checked"):
        diffcompare.check(loss, x, methods="torch", dtype="float64")
