"""The case form: save anywhere, run with `diffcompare run --cases my_cases.py`."""

import numpy as np

from diffcompare import case


@case(inputs={"x": np.array([-1.2, 1.0, 0.5])}, tags=["mine"])
def rosenbrock(x, xp=np):
    """Rosenbrock's function in three variables."""
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@case(inputs={"x": np.array([1.0, 2.0]), "A": np.array([[1.0, 2.0], [3.0, 4.0]])}, wrt=["x"])
def linear_map(x, A, xp=np):
    """A @ x with A fixed: a Jacobian."""
    return A @ x


@case(inputs={"a": 1.5}, reference=lambda a: doubling(a) / a)
def doubling(a, xp=np):
    """Doubles a until |a| reaches 1000: a loop on values, which SymPy cannot trace."""
    b = a * 2
    while xp.abs(b) < 1000:
        b = b * 2
    return b if b > 0 else 100 * b
