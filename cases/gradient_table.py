"""The gradient table: a, a·u, sum(x), ‖x‖², u + v, u·v, ⟨u, v⟩ (u, v functions of x)."""

import numpy as np

from diffcompare import case, xnp

GRADIENT = ["seed", "gradient"]
X = np.array([0.3, -1.2, 0.8, 2.0])


@case(inputs={"x": X}, tags=GRADIENT)
def grad_constant(x, xp=xnp):
    """∇ a = 0 for a constant a."""
    return 2.5


@case(inputs={"x": X}, tags=GRADIENT)
def grad_scaled(x, xp=xnp):
    """∇ (a u) = a ∇u, with a = 3 and u = sum(sin x)."""
    return 3.0 * xp.sum(xp.sin(x))


@case(inputs={"x": X}, tags=GRADIENT)
def grad_sum(x, xp=xnp):
    """∇ sum(x) = 1."""
    return xp.sum(x)


@case(inputs={"x": X}, tags=GRADIENT)
def grad_squared_norm(x, xp=xnp):
    """∇ ‖x‖² = 2x."""
    return xp.norm(x) ** 2


@case(inputs={"x": X}, tags=GRADIENT)
def grad_sum_rule(x, xp=xnp):
    """∇ (u + v) = ∇u + ∇v, with u = sum(sin x) and v = sum(x³)."""
    return xp.sum(xp.sin(x)) + xp.sum(x**3)


@case(inputs={"x": X}, tags=GRADIENT)
def grad_product_rule(x, xp=xnp):
    """∇ (u v) = v ∇u + u ∇v, with u = sum(sin x) and v = sum(x³)."""
    return xp.sum(xp.sin(x)) * xp.sum(x**3)


@case(inputs={"x": X}, tags=GRADIENT)
def grad_inner_product(x, xp=xnp):
    """∇ ⟨u, v⟩ = Jᵤᵀ v + Jᵥᵀ u, with u = sin x and v = exp x."""
    return xp.dot(xp.sin(x), xp.exp(x))


@case(
    inputs={
        "x": X,
        "A": np.array(
            [
                [2.0, 1.0, 0.0, -1.0],
                [0.5, 3.0, 1.0, 0.0],
                [0.0, -1.0, 4.0, 2.0],
                [1.0, 0.0, 0.5, 1.5],
            ]
        ),
    },
    wrt=["x"],
    tags=GRADIENT,
)
def grad_quadratic_form(x, A, xp=xnp):
    """∇ xᵀA x = (A + Aᵀ) x; its Hessian is A + Aᵀ."""
    return x @ A @ x
