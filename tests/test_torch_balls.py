"""Torch code on the certified oracle: real torch.nn models run on balls through
__torch_dispatch__, their gradients certified and matching torch's own in float64; an op
the oracle does not cover is named, and the reference falls back to two float64 methods."""

import numpy as np
import pytest
import torch

from diffcompare.errors import Unsupported
from diffcompare.form import registry
from diffcompare.form.problem import bind, output_shape
from diffcompare.oracle import arb_ad, selection

nn = torch.nn
torch.manual_seed(0)

MODELS = {
    "mlp_relu": (nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 1)), (2, 4)),
    "conv2d": (
        nn.Sequential(nn.Conv2d(1, 2, 2), nn.Tanh(), nn.Flatten(), nn.Linear(8, 1)),
        (1, 1, 3, 3),
    ),
    "conv1d_pool": (nn.Sequential(nn.Conv1d(1, 1, 2), nn.MaxPool1d(2), nn.SiLU()), (1, 1, 5)),
    "layer_norm_gelu": (nn.Sequential(nn.LayerNorm(4), nn.GELU()), (2, 4)),
    "batch_norm_eval": (nn.Sequential(nn.BatchNorm1d(4), nn.Softplus()), (3, 4)),
    "attention": (nn.MultiheadAttention(4, 2, batch_first=True), (1, 3, 4)),
    "encoder": (
        nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, batch_first=True),
        (1, 3, 4),
    ),
    "log_softmax": (nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=-1)), (2, 4)),
}


def _loss(model, shape):
    model = model.double().eval()

    def loss(x):
        y = x.reshape(shape)
        out = model(y, y, y)[0] if isinstance(model, nn.MultiheadAttention) else model(y)
        return (out**2).sum()

    return loss


@pytest.mark.parametrize("name", MODELS)
def test_a_torch_model_s_gradient_is_certified_and_torch_s_agrees(name, fresh_names):
    loss = _loss(*MODELS[name])
    x = np.random.default_rng(1).standard_normal(int(np.prod(MODELS[name][1])))
    c = registry.make(name, loss, {"x": x}, backend="torch")
    fresh_names.append(name)
    ref = selection.reference(bind(c, "gradient", "float64", output_shape(c)))
    assert ref.kind == "arb" and ref.error < 1e-30
    xt = torch.tensor(x, requires_grad=True)
    (g,) = torch.autograd.grad(loss(xt), xt)
    # against the size of the terms summed (the encoder's gradient cancels: 2e-5 of 276)
    size = max(np.max(np.abs(ref.hi)), np.max(ref.scale))
    assert np.max(np.abs(g.numpy() - ref.hi)) <= 1e-13 * size


@pytest.mark.filterwarnings("ignore:There is a performance drop:UserWarning")
def test_an_op_the_oracle_does_not_cover_is_named_and_falls_back(fresh_names):
    cell = nn.GRUCell(4, 3).double()

    def loss(x):
        return (cell(x.reshape(2, 4)) ** 2).sum()

    c = registry.make("gru", loss, {"x": np.linspace(-1, 1, 8)}, backend="torch")
    fresh_names.append("gru")
    problem = bind(c, "gradient", "float64", output_shape(c))
    with pytest.raises(Unsupported, match="aten.add_"):
        arb_ad.evaluate(problem)
    ref = selection.reference(problem)
    assert ref.kind == "float64-agreement" and "aten.add_" in ref.note


def test_a_float32_module_is_taken_at_its_float32_weights(fresh_names):
    layer = nn.Linear(3, 1)  # float32 weights: the program is f32(W) x

    def loss(x):
        return torch.tanh(layer(x.to(layer.weight.dtype))).sum()

    c = registry.make("f32_layer", loss, {"x": np.array([0.3, -0.2, 0.9])}, backend="torch")
    fresh_names.append("f32_layer")
    ref = selection.reference(bind(c, "gradient", "float32", output_shape(c)))
    w = layer.weight.detach().double().numpy().ravel()
    x32 = torch.tensor([0.3, -0.2, 0.9], dtype=torch.float32).double().numpy()
    z = w @ x32 + layer.bias.detach().double().numpy()[0]
    assert ref.kind == "arb"
    assert np.allclose(ref.hi, (1 - np.tanh(z) ** 2) * w, rtol=1e-14, atol=0)


EMBEDDING = nn.Embedding(5, 3).double()
FUNCTIONS = {
    "max_all": lambda x: torch.max(torch.sin(x)) * x.sum(),
    "max_dim": lambda x: x.reshape(2, 3).max(dim=1).values.pow(2).sum(),
    "min_keepdim": lambda x: torch.min(x.reshape(2, 3), dim=0, keepdim=True)[0].pow(2).sum(),
    "leaky_relu": lambda x: nn.functional.leaky_relu(x, 0.1).pow(3).sum(),
    "log2": lambda x: torch.log2(x.abs() + 1).sum(),
    "embedding": lambda x: (EMBEDDING(torch.tensor([1, 3])) * x.reshape(2, 3)).sum(),
    "branch_on_a_tensor": lambda x: x.sum() * 2 if (x.sum() > 0) else -x.sum(),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_torch_functions_on_balls(name, fresh_names):
    fn = FUNCTIONS[name]
    x = np.array([0.3, -1.2, 0.8, 2.0, -0.5, 1.1])
    c = registry.make(name, fn, {"x": x}, backend="torch")
    fresh_names.append(name)
    ref = selection.reference(bind(c, "gradient", "float64", output_shape(c)))
    xt = torch.tensor(x, requires_grad=True)
    (g,) = torch.autograd.grad(fn(xt), xt)
    assert ref.kind == "arb" and np.allclose(g.numpy(), ref.hi, rtol=1e-15, atol=1e-15)


def test_a_value_taken_out_of_the_tensor_is_named(fresh_names):
    def item(x):
        return x.sum() * 2 if x.sum().item() > 0 else -x.sum()

    c = registry.make("item", item, {"x": np.array([0.3, -1.2, 0.8])}, backend="torch")
    fresh_names.append("item")
    with pytest.raises(Unsupported, match=r"\.item\(\)"):
        arb_ad.evaluate(bind(c, "gradient", "float64", output_shape(c)))
