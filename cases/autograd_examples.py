"""The course's autograd examples: backward(), detach(), gradients through control flow."""

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
