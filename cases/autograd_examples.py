"""The course's autograd examples: backward(), detach(), gradients through control flow,
and what happens when a function leaves xp for math or NumPy."""

import math

import numpy as np

from diffcompare import case, xnp

AUTOGRAD = ["seed", "autograd"]
X = np.arange(4.0)


@case(inputs={"x": X}, tags=[*AUTOGRAD, "gradient"])
def two_x_dot_x(x, xp=xnp):
    """y = 2 xᵀx; the gradient is 4x."""
    return 2 * xp.dot(x, x)


@case(inputs={"x": X}, tags=[*AUTOGRAD, "gradient"])
def sum_of_x(x, xp=xnp):
    """y = sum(x); the gradient is a vector of ones."""
    return xp.sum(x)


@case(inputs={"x": X}, tags=[*AUTOGRAD, "gradient"])
def x_times_x_summed(x, xp=xnp):
    """y = sum(x * x), the course's backward on a non-scalar summed first: gradient 2x."""
    return xp.sum(x * x)


@case(inputs={"x": X}, tags=["autograd", "jacobian"])
def x_times_x(x, xp=xnp):
    """y = x * x, a non-scalar: backward() needs a vector v and gives vᵀJ (J = diag(2x));
    y.sum().backward() is v = 1."""
    return x * x


@case(inputs={"x": X}, tags=[*AUTOGRAD, "gradient", "detach"])
def detached(x, xp=xnp):
    """u = detach(x·x); z = sum(u·x): the gradient is u, as if u were a constant.

    Finite differences cannot see the detach: they return the gradient of x³, 3x².
    """
    u = xp.stop_gradient(x * x)
    return xp.sum(u * x)


def _doubling_reference(a):
    return while_doubling(a) / a


@case(inputs={"a": 1.5}, tags=[*AUTOGRAD, "scalar", "control-flow"], reference=_doubling_reference)
def while_doubling(a, xp=xnp):
    """Doubles a until it passes 1000: f(a) = k a for a k set by control flow, so f' = f(a)/a."""
    b = a * 2
    while xp.abs(b) < 1000:
        b = b * 2
    return b if b > 0 else 100 * b


@case(inputs={"x": 0.5}, tags=["autograd", "scalar", "pitfall"])
def math_exp_inside(x, xp=xnp):
    """y = x · exp(x), the exp from Python's math module: f′ = (1 + x) eˣ. math.exp turns a
    tensor into a float, so autograd sees x · (a constant) and returns eˣ alone."""
    return x * math.exp(x)


@case(inputs={"x": np.array([0.5, 1.0])}, tags=["autograd", "gradient", "pitfall"])
def numpy_exp_inside(x, xp=xnp):
    """y = sum(x · exp(x)), the exp from NumPy: ∇ = (1 + x) eˣ. NumPy cannot take a tensor
    that requires grad: torch raises."""
    return xp.sum(x * np.exp(x))
