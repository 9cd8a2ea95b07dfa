"""Functions written in torch, as cases: an nn.Module's loss and a custom autograd.Function
whose backward is wrong. Run them with: diffcompare run --cases examples/torch_cases.py"""

import numpy as np
import torch

from diffcompare import case

torch.manual_seed(0)
LAYER = torch.nn.Linear(3, 2).double()


class Cube(torch.autograd.Function):
    """x³, with a backward someone got wrong: 2x² instead of 3x²."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x**2


@case(inputs={"x": np.array([0.3, -0.2, 0.5])})
def module_loss(x):
    """Squared output of a fixed nn.Linear layer."""
    return (LAYER(x) ** 2).sum()


@case(inputs={"x": np.array([0.7, 1.1])})
def wrong_cube(x):
    """A custom autograd.Function whose backward is wrong."""
    return Cube.apply(x).sum()
