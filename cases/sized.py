"""Sized cases: the cost of a gradient as n grows."""

import numpy as np

from diffcompare import case, xnp

SIZES = [2, 10, 100, 1000]


def _start(n):
    # the classic start (-1.2, 1, -1.2, 1, ...), nudged so that no two points repeat
    return np.where(np.arange(n) % 2 == 0, -1.2, 1.0) + 0.01 * np.sin(np.arange(n))


@case(inputs=lambda n: {"x": _start(n)}, sizes=SIZES, tags=["seed", "gradient"])
def rosenbrock(x, xp=xnp):
    """Rosenbrock's banana valley, sum of 100 (x_{i+1} − x_i²)² + (1 − x_i)²."""
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@case(inputs=lambda n: {"x": np.linspace(-1.0, 2.0, n)}, sizes=SIZES, tags=["seed", "gradient"])
def sum_of_squares(x, xp=xnp):
    """sum(x²); the gradient is 2x."""
    return xp.sum(x**2)
