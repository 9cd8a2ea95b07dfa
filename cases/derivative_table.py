"""The scalar derivative table: constants, powers, exp, log, sin; sum, product, chain rules."""

from diffcompare import case, xnp

SCALAR = ["seed", "scalar"]


@case(inputs={"x": 0.7}, tags=SCALAR)
def constant(x, xp=xnp):
    """d/dx C = 0: the output does not depend on x at all."""
    return 3.0


@case(inputs={"x": 1.7}, tags=SCALAR)
def power(x, xp=xnp):
    """d/dx x^n = n x^(n-1), here n = 3."""
    return x**3


@case(inputs={"x": 2.5}, tags=SCALAR)
def power_negative(x, xp=xnp):
    """The power rule for a negative, non-integer exponent: x^(-1.5)."""
    return x**-1.5


@case(inputs={"x": 0.8}, tags=SCALAR)
def exponential(x, xp=xnp):
    """d/dx e^x = e^x."""
    return xp.exp(x)


@case(inputs={"x": 2.0}, tags=SCALAR)
def logarithm(x, xp=xnp):
    """d/dx ln x = 1/x."""
    return xp.log(x)


@case(inputs={"x": 1.2}, tags=SCALAR)
def sine(x, xp=xnp):
    """d/dx sin x = cos x."""
    return xp.sin(x)


@case(inputs={"x": 0.9}, tags=[*SCALAR, "rules"])
def sum_rule(x, xp=xnp):
    """(f + g)' = f' + g', with f = sin x and g = x^2."""
    return xp.sin(x) + x**2


@case(inputs={"x": 0.9}, tags=[*SCALAR, "rules"])
def product_rule(x, xp=xnp):
    """(f g)' = f' g + f g', with f = x^2 and g = e^x."""
    return x**2 * xp.exp(x)


@case(inputs={"x": 0.9}, tags=[*SCALAR, "rules"])
def quotient_rule(x, xp=xnp):
    """(f / g)' = (f' g - f g') / g^2, with f = sin x and g = 1 + x^2."""
    return xp.sin(x) / (1.0 + x**2)


@case(inputs={"x": 0.9}, tags=[*SCALAR, "rules", "chain-rule"])
def chain_rule_scalar(x, xp=xnp):
    """dy/dx = dy/du du/dx, with y = sin(u) and u = x^2."""
    return xp.sin(x**2)


@case(inputs={"x": 0.5}, tags=[*SCALAR, "rules"])
def sin_exp(x, xp=xnp):
    """sin(x) e^x, the function the peers' accuracy figures are quoted on (docs/methods.md)."""
    return xp.sin(x) * xp.exp(x)


@case(inputs={"x": 1.0}, tags=SCALAR)
def course_plot(x, xp=xnp):
    """The course's u = f(x) = 3x^2 - 4x, whose tangent at x = 1 has slope 2."""
    return 3 * x**2 - 4 * x
