"""Subderivatives at the kink: at x = 0 any value in the subdifferential is right."""

from diffcompare import case, xnp

NONSMOOTH = ["seed", "scalar", "nonsmooth"]


@case(inputs={"x": 0.0}, tags=NONSMOOTH, subdifferential=lambda x: (-1.0, 1.0))
def abs_at_kink(x, xp=xnp):
    """|x| at 0: the subdifferential is [-1, 1]."""
    return xp.abs(x)


@case(inputs={"x": -1.3}, tags=NONSMOOTH)
def abs_away(x, xp=xnp):
    """|x| away from the kink: the derivative is sign(x) = -1."""
    return xp.abs(x)


@case(inputs={"x": 0.0}, tags=NONSMOOTH, subdifferential=lambda x: (0.0, 1.0))
def relu_at_kink(x, xp=xnp):
    """max(x, 0) at 0: the subdifferential is [0, 1]."""
    return xp.maximum(x, 0.0)


@case(inputs={"x": 0.7}, tags=NONSMOOTH)
def relu_away(x, xp=xnp):
    """max(x, 0) away from the kink: the derivative is 1."""
    return xp.maximum(x, 0.0)
