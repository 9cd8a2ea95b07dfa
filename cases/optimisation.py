"""Classic optimisation test functions, at several sizes, away from their kinks."""

import numpy as np

from diffcompare import case, xnp

OPT = ["optimisation", "gradient"]


def _point(n, low, high):
    return np.linspace(low, high, n) + 0.01 * np.cos(np.arange(n))


@case(
    inputs=lambda n: {"x": np.tile([3.0, -1.0, 0.0, 1.0], n // 4) + 0.1},
    sizes=[4, 8, 100],
    tags=OPT,
)
def powell(x, xp=xnp):
    """Extended Powell singular function (n a multiple of 4)."""
    a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
    return xp.sum((a + 10 * b) ** 2 + 5 * (c - d) ** 2 + (b - 2 * c) ** 4 + 10 * (a - d) ** 4)


@case(inputs={"x": np.array([1.0, 1.5])}, tags=OPT)
def beale(x, xp=xnp):
    """Beale's function: three squared residuals in x and y."""
    a, b = x[0], x[1]
    return (1.5 - a + a * b) ** 2 + (2.25 - a + a * b**2) ** 2 + (2.625 - a + a * b**3) ** 2


@case(inputs={"x": np.array([-3.0, -1.0, -3.0, -1.0])}, tags=OPT)
def wood(x, xp=xnp):
    """Wood's (Colville's) four-variable function."""
    a, b, c, d = x[0], x[1], x[2], x[3]
    return (
        100 * (a**2 - b) ** 2
        + (a - 1) ** 2
        + (c - 1) ** 2
        + 90 * (c**2 - d) ** 2
        + 10.1 * ((b - 1) ** 2 + (d - 1) ** 2)
        + 19.8 * (b - 1) * (d - 1)
    )


@case(inputs=lambda n: {"x": _point(n, -2.3, 3.1)}, sizes=[2, 10, 100], tags=OPT)
def rastrigin(x, xp=xnp):
    """Rastrigin: 10n + Σ x² − 10 cos(2π x), many local minima."""
    return 10.0 * len(x) + xp.sum(x**2 - 10.0 * xp.cos(2 * np.pi * x))


@case(inputs=lambda n: {"x": _point(n, -1.5, 2.5)}, sizes=[2, 10], tags=OPT)
def ackley(x, xp=xnp):
    """Ackley: −20 exp(−0.2 √(mean x²)) − exp(mean cos 2πx) + 20 + e (a kink only at 0)."""
    n = len(x)
    return (
        -20.0 * xp.exp(-0.2 * xp.sqrt(xp.sum(x**2) / n))
        - xp.exp(xp.sum(xp.cos(2 * np.pi * x)) / n)
        + 20.0
        + np.e
    )


@case(inputs=lambda n: {"x": _point(n, -3.0, 2.0)}, sizes=[2, 10, 100], tags=OPT)
def styblinski_tang(x, xp=xnp):
    """Styblinski–Tang: Σ (x⁴ − 16x² + 5x) / 2."""
    return xp.sum(x**4 - 16 * x**2 + 5 * x) / 2


@case(inputs=lambda n: {"x": _point(n, -1.0, 4.0)}, sizes=[2, 10, 100], tags=OPT)
def trid(x, xp=xnp):
    """Trid: Σ (x − 1)² − Σ x_i x_{i−1}, a quadratic with a tridiagonal Hessian."""
    return xp.sum((x - 1) ** 2) - xp.sum(x[1:] * x[:-1])
