"""Numerically hard cases, where the methods disagree; each docstring says why."""

import numpy as np

from diffcompare import case, xnp

HARD = ["hard"]


@case(inputs={"x": 1e-5}, tags=[*HARD, "scalar"])
def one_minus_cos_over_x2(x, xp=xnp):
    """(1 − cos x)/x² near 0: the formula itself cancels catastrophically, so every method
    that evaluates it in floating point, differentiated or not, loses nearly all digits."""
    return (1.0 - xp.cos(x)) / x**2


@case(inputs={"x": 1e-8}, tags=[*HARD, "scalar"])
def sinc_near_zero(x, xp=xnp):
    """sin(x)/x at 1e-8: f′ ≈ −x/3 is tiny; differences of f ≈ 1 lose it, and so does the
    exact formula (x cos x − sin x)/x², which cancels too. Only the oracle is right."""
    return xp.sin(x) / x


@case(inputs={"x": np.array([1000.0, 1001.0, 1002.0])}, tags=[*HARD, "gradient"])
def logsumexp_naive(x, xp=xnp):
    """log Σ eˣ computed naively at x ≈ 1000: e¹⁰⁰⁰ overflows, so every method returns
    inf or nan; the gradient (the softmax) is perfectly tame."""
    return xp.log(xp.sum(xp.exp(x)))


@case(inputs={"x": np.array([1000.0, 1001.0, 1002.0])}, tags=[*HARD, "gradient"])
def logsumexp_stable(x, xp=xnp):
    """The same log-sum-exp with the max shifted out (under stop_gradient): symbolic and AD
    recover; finite differences still suffer, because their steps scale with |x| ≈ 1000
    while f bends on a scale of 1; the complex step cannot pass stop_gradient."""
    m = xp.stop_gradient(xp.max(x))
    return m + xp.log(xp.sum(xp.exp(x - m)))


@case(inputs={"x": 709.0}, tags=[*HARD, "scalar"])
def exp_near_overflow(x, xp=xnp):
    """eˣ at 709, just below float64's overflow at 709.78: steps that go too far overflow
    (and in float32 the function itself is already infinite)."""
    return xp.exp(x)


@case(inputs={"x": np.array([1e-8, 1e8])}, tags=[*HARD, "gradient"])
def badly_scaled(x, xp=xnp):
    """x₀² x₁ + log x₁ with x₀ = 1e-8 and x₁ = 1e8: components sixteen orders apart, so one
    step rule cannot suit both, and the small partial drowns in the large one's error."""
    return x[0] ** 2 * x[1] + xp.log(x[1])


@case(inputs={"x": 0.3}, tags=[*HARD, "scalar"])
def logistic_map_8(x, xp=xnp):
    """Eight steps of the logistic map lₙ₊₁ = 4lₙ(1 − lₙ): chaotic, so f′ is large and
    sensitive; its expanded symbolic form is a degree-256 polynomial."""
    l = x
    for _ in range(8):
        l = 4 * l * (1 - l)
    return l
