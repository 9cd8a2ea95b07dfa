"""Chain-rule examples: a squared residual and a least-squares loss, w.r.t. the weights."""

import numpy as np

from diffcompare import case, xnp

CHAIN = ["seed", "gradient", "chain-rule"]


@case(
    inputs={"w": np.array([0.5, -0.3, 0.8]), "x": np.array([1.0, 2.0, -1.5]), "y": 0.7},
    wrt=["w"],
    tags=CHAIN,
)
def squared_residual(w, x, y, xp=xnp):
    """z = (⟨x, w⟩ − y)²; ∇w z = 2 (⟨x, w⟩ − y) x."""
    return (xp.dot(x, w) - y) ** 2


@case(
    inputs={
        "w": np.array([0.5, -0.3, 0.8]),
        "X": np.array([[1.0, 2.0, -1.5], [0.3, -0.7, 1.1], [2.0, 0.1, 0.4], [-1.0, 1.5, 0.9]]),
        "y": np.array([0.7, -0.2, 1.3, 0.0]),
    },
    wrt=["w"],
    tags=CHAIN,
)
def least_squares(w, X, y, xp=xnp):
    """z = ‖X w − y‖²; ∇w z = 2 Xᵀ (X w − y)."""
    return xp.norm(X @ w - y) ** 2
