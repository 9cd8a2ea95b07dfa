"""The Jacobian table: x, A x, xᵀA, a·u, A u, u + v."""

import numpy as np

from diffcompare import case, xnp

JACOBIAN = ["seed", "jacobian"]
X = np.array([0.3, -1.2, 0.8])
A = np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 2.0]])


@case(inputs={"x": X}, tags=JACOBIAN)
def jac_identity(x, xp=xnp):
    """∂x/∂x = I."""
    return x


@case(inputs={"x": X, "A": A}, wrt=["x"], tags=JACOBIAN)
def jac_matrix_vector(x, A, xp=xnp):
    """∂(A x)/∂x = A."""
    return A @ x


@case(inputs={"x": np.array([0.3, -1.2]), "A": A}, wrt=["x"], tags=JACOBIAN)
def jac_vector_matrix(x, A, xp=xnp):
    """∂(xᵀA)/∂x = Aᵀ."""
    return x @ A


@case(inputs={"x": X}, tags=JACOBIAN)
def jac_scaled(x, xp=xnp):
    """∂(a u)/∂x = a ∂u/∂x, with a = 2 and u = sin x."""
    return 2.0 * xp.sin(x)


@case(inputs={"x": X, "A": A}, wrt=["x"], tags=JACOBIAN)
def jac_matrix_function(x, A, xp=xnp):
    """∂(A u)/∂x = A ∂u/∂x, with u = exp x."""
    return A @ xp.exp(x)


@case(inputs={"x": X}, tags=JACOBIAN)
def jac_sum_rule(x, xp=xnp):
    """∂(u + v)/∂x = ∂u/∂x + ∂v/∂x, with u = sin x and v = x²."""
    return xp.sin(x) + x**2
