"""opcount.count is sympy.count_ops, each distinct subexpression counted once."""

import pytest
import sympy

from diffcompare.errors import Unsupported
from diffcompare.form import registry
from diffcompare.form.problem import operators_for, output_shape
from diffcompare.symbolic import opcount
from diffcompare.symbolic.expression import derive

x, y, z = sympy.symbols("x y z", real=True)
f = sympy.Function("f")
A, B = sympy.MatrixSymbol("A", 2, 2), sympy.MatrixSymbol("B", 2, 2)

# every branch of count_ops's loop, and its quirks (a negated sum drops its ADDs)
BRANCHES = [
    sympy.S.One,
    sympy.Integer(-2),
    -sympy.Rational(1, 3),
    sympy.Rational(5, 2),
    -x * y,
    -2 * x,
    x / y,
    -x / y,
    2 / x,
    -2 / (x * y),
    x / 3,
    3 * x / (2 * y),
    sympy.Mul(-1, x + y, evaluate=False),
    -(x + y) * z,
    x - y,
    -x - y,
    -x + y,
    x + y + z,
    1 / x,
    1 / (x + y),
    sympy.E,
    sympy.exp(x),
    sympy.exp(-x) / (1 + sympy.exp(-x)),
    sympy.Max(x, y, z),
    sympy.Min(x, y) - sympy.Max(x, 0),
    sympy.sin(x) ** 2 + sympy.sin(x) * x,
    x**y,
    sympy.sqrt(x) / 2 - sympy.sqrt(y),
    sympy.Abs(x) * sympy.sign(y),
    sympy.Piecewise((x, x > 0), (-x, True)),
    sympy.Heaviside(x) + sympy.DiracDelta(y),
    f(x) + f(x).diff(x),
    sympy.Integral(x * y, x),
    sympy.Sum(x**2, (x, 1, z)),
    A * B + B,
    x < y,
    sympy.Eq(x, y + 1),
]


@pytest.mark.parametrize("expr", BRANCHES, ids=str)
def test_each_branch_counts_as_count_ops(expr):
    assert opcount.count([expr]) == sympy.count_ops(expr)


def test_a_shared_subexpression_counts_at_each_occurrence():
    s = sympy.sin(x + y) * sympy.exp(-z) / (1 + x)
    exprs = [s * s + s, s**3 - s, s]
    assert opcount.count([s]) > 0
    assert opcount.count([s, s]) == 2 * opcount.count([s])
    assert opcount.count(exprs) == sum(sympy.count_ops(e) for e in exprs)


def derivations():
    """Every built-in case's first operator, and second-order derivatives whose entries
    share large subexpressions (the case opcount is for)."""
    registry.builtin()
    for case in registry.all_cases():
        yield case.name, operators_for(case, output_shape(case))[0]
    yield from [
        ("mlp_loss_n4", "hessian"),
        ("mlp_loss_n4", "hvp"),
        ("logistic_regression_n8", "hvp"),
        ("ackley_n10", "hessian"),
        ("logistic_map_8", "second_derivative"),
        ("rosenbrock_n100", "hvp"),
    ]


@pytest.mark.parametrize("name, operator", list(derivations()))
def test_a_derivations_count_is_count_ops_over_its_trees(name, operator):
    try:
        d = derive(registry.get(name), operator)
    except Unsupported as exc:
        pytest.skip(str(exc))
    trees = [e for _, e in d.entries] + [t for p in d.parts for t in p.derivatives]
    assert d.ops_count == sum(sympy.count_ops(e) for e in trees)
