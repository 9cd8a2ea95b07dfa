"""The eight derivative operators and which ones a case's shapes admit.

With F: R^N -> R^m the case flattened over its differentiated inputs (m = 1 for a
scalar output), the value each operator returns has this shape:

    derivative          ()        dF/dx, N = 1 and scalar output
    second_derivative   ()        d2F/dx2
    gradient            (N,)      scalar output
    hessian             (N, N)    scalar output
    hvp                 (N,)      H v, scalar output, v a seeded tangent
    jacobian            (m, N)    vector output
    jvp                 (m,)      J v
    vjp                 (N,)      u^T J, u a seeded cotangent
"""

from __future__ import annotations

OPERATORS = (
    "derivative",
    "second_derivative",
    "gradient",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
    "vjp",
)

SECOND_ORDER = frozenset({"second_derivative", "hessian", "hvp"})
NEEDS_TANGENT = frozenset({"jvp", "hvp"})
NEEDS_COTANGENT = frozenset({"vjp"})


def kind(scalar_input: bool, scalar_output: bool) -> str:
    if scalar_output:
        return "derivative" if scalar_input else "gradient"
    return "jacobian"


def applicable(scalar_input: bool, scalar_output: bool) -> tuple[str, ...]:
    """Operators that make sense for these shapes, the natural first-order one first."""
    if scalar_output and scalar_input:
        return ("derivative", "second_derivative")
    if scalar_output:
        return ("gradient", "hessian", "hvp", "jvp", "vjp")
    return ("jacobian", "jvp", "vjp")


def value_shape(operator: str, n: int, m: int) -> tuple[int, ...]:
    return {
        "derivative": (),
        "second_derivative": (),
        "gradient": (n,),
        "hessian": (n, n),
        "hvp": (n,),
        "jacobian": (m, n),
        "jvp": (m,),
        "vjp": (n,),
    }[operator]


def order(operator: str) -> int:
    return 2 if operator in SECOND_ORDER else 1
