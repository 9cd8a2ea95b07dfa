"""Sums of repeated terms: found, differentiated once, and equal to the plain derivative."""

import numpy as np
import pytest
import sympy

from diffcompare.form import registry
from diffcompare.form.problem import bind, output_shape
from diffcompare.methods import by_name
from diffcompare.symbolic import expression, template

SIZED = ["rosenbrock_n100", "sum_of_squares_n100", "powell_n100", "rastrigin_n100", "trid_n100"]


def plain(case, operator):
    """The derivative without templates: every term by SymPy, entry by entry."""
    t = expression.trace(case)
    index = {s: i for i, s in enumerate(t.wrt)}
    g = expression.gradient(t.outputs[0], index)
    f = sympy.lambdify([t.wrt], [g.get(s, 0) for s in t.wrt])
    if operator == "gradient":
        return np.array(f(case.inputs["x"]), dtype=float)
    h = np.zeros((len(t.wrt), len(t.wrt)))
    for s, gs in g.items():
        for r, e in expression.gradient(gs, index).items():
            h[index[s], index[r]] = float(e.subs(dict(zip(t.wrt, case.inputs["x"]))))
    return h


@pytest.mark.parametrize("name", [n for n in SIZED if registry.select([n])])
@pytest.mark.parametrize("operator", ["gradient", "hessian"])
def test_templates_give_the_plain_derivative(name, operator):
    (case,) = registry.select([name])
    d = expression.derive(case, operator)
    assert d.parts, "a sum of repeated terms should be found"
    prepared = by_name("sympy").prepare(bind(case, operator, "float64", output_shape(case)), "cpu")
    expected = plain(case, operator)
    scale = np.max(np.abs(expected))
    np.testing.assert_allclose(prepared.call(), expected, rtol=1e-13, atol=1e-13 * scale)


def test_rosenbrock_has_two_templates():
    x = sympy.symbols("x0:40", real=True)
    f = sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(39))
    s = template.find(f, x)
    assert sorted(g.offsets for g in s.groups) == [(0,), (0, 1)]
    assert s.terms == 78 and s.rest == 0
    assert all(g.slices is not None for g in s.groups)


def test_no_structure_is_found_where_there_is_none():
    x = sympy.symbols("x0:40", real=True)
    assert template.find(sum(x[:5]), x) is None  # too few terms
    distinct = sum(sympy.sin(x[i]) ** (i + 1) for i in range(40))  # every term its own
    assert template.find(distinct, x) is None


def test_terms_that_read_constants_go_the_plain_way():
    x = sympy.symbols("x0:40", real=True)
    c = sympy.Symbol("c", real=True)
    f = sum(x[i] ** 2 for i in range(40)) + c * x[3] + sympy.cos(x[0] * x[39])
    s = template.find(f, x)
    assert len(s.groups) == 1 and s.rest == c * x[3] + sympy.cos(x[0] * x[39])
